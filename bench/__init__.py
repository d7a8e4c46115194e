"""Parley's streaming benchmark: `python -m bench` (or `./parley bench`); see bench/README.md.

Exports nothing for the app: the package is a command. Modules: scenarios.py (what runs), measure.py (how a
figure is taken), naive_app.py (the baseline), sdk_floor.py (the CPU floor), report.py (table and JSON).
"""
