"""The conversation engine between providers/, storage/ and ui/: settings, running answers, and their events.

Its modules are imported by name (`engine.chat`, `engine.settings`, ...), not from here: importing the package then
costs nothing, so `app.py create-user` and the settings need not load NiceGUI and the chat engine first.
"""
