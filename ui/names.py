"""The accessible names of every control: pages set them, browser tests find controls by them.

Screen readers and anyone driving Parley from outside rely on these; never rename one silently
(see ../shared/notes/names.md for the team's registry).
"""

from __future__ import annotations

# composer
MESSAGE = 'Message'
SEND = 'Send'
STOP = 'Stop'

# message list
MESSAGES = 'Messages'                  # role=log
USER_MESSAGE = 'User message'          # role=article
ASSISTANT_MESSAGE = 'Assistant message'  # role=article
JUMP_TO_LATEST = 'Jump to latest'
RETRY = 'Retry'
EDIT_MESSAGE = 'Edit message'          # on the user's last message: it becomes a box, Save answers it again
EDITED_QUESTION = 'Edited question'    # that box (a textbox; not 'message', which names the message box); Cancel, Save
ANSWER_STATUS = 'Answer status'        # role=status, announces "Assistant is responding" / "Answer complete"
COPY_CODE = 'Copy code'                # set by assets/markdown_decorate.js
COPY_ANSWER = 'Copy answer'            # a finished answer's markdown; set by assets/markdown_decorate.js
COPY_STATUS = 'Copy status'            # role=status (polite), made by assets/markdown_decorate.js; it says:
COPIED = 'Copied'                      # a copy button's result (a code block's button shows it too, for 1.5 s)
COPY_FAILED = 'Copy failed'
REGENERATE = 'Regenerate'              # the last finished answer, written again; set by assets/markdown_decorate.js
ANSWER_VERSIONS = 'Answer versions'    # role=group around the switch of an answer written more than once
PREVIOUS_VERSION = 'Previous version'
NEXT_VERSION = 'Next version'
REASONING = 'Reasoning'
CHAT_USAGE = 'Chat usage'              # role=note below the last answer: the chat's tokens and estimated cost

# conversations
NEW_CHAT = 'New chat'
SEARCH = 'Search'                      # sidebar button beside New chat: the Ctrl/Cmd+K search, for touch screens too
CONVERSATIONS = 'Conversations'        # nav
CONVERSATION_MENU = 'Conversation options'
RENAME = 'Rename'
EXPORT = 'Export as Markdown'          # link in the entry's menu: downloads the conversation as a .md file
DELETE = 'Delete'
CANCEL = 'Cancel'
SAVE = 'Save'
TITLE = 'Title'
RENAME_DIALOG = 'Rename conversation'  # the rename dialog (role=dialog), as its title says
DELETE_DIALOG = 'Delete conversation'  # the delete confirmation (role=dialog); its title asks 'Delete conversation?'
TOGGLE_SIDEBAR = 'Toggle sidebar'

# header
MODEL = 'Model'
MODELS = 'Models'                      # the model picker's open list (role=listbox); options named provider/model
CHAT_INSTRUCTIONS = 'Chat instructions'  # button beside the model picker, and the dialog it opens
INSTRUCTIONS = 'Instructions'          # that dialog's textbox: the chat's system prompt
FOR_NEW_CHATS = 'Use for new chats'    # that dialog's checkbox: new chats start with these instructions
PROVIDER_PROBLEMS = 'Provider problems'  # shown when a provider's models could not be listed
DARK_MODE = 'Dark mode'

# what the status region says
STATUS_RESPONDING = 'Assistant is responding'
STATUS_COMPLETE = 'Answer complete'
STATUS_STOPPED = 'Answer stopped'
STATUS_FAILED = 'Answer failed'
STATUS_INTERRUPTED = 'Answer interrupted'

# settings page (/settings): provider connections
SETTINGS = 'Settings'                  # link in the header
PROVIDER_KIND = 'Provider'             # select: OpenAI, Anthropic, Gemini, OpenAI-compatible
CONNECTION_NAME = 'Connection name'
BASE_URL = 'Base URL'
API_KEY = 'API key'
TEST_CONNECTION = 'Test connection'
REMOVE = 'Remove'
REMOVE_CONNECTION_DIALOG = 'Remove connection'  # its confirmation (role=dialog), asking 'Remove the connection …?'
CONNECTIONS = 'Provider connections'   # list of saved connections (role=list), and the page's heading (level 1)
CONNECTION_FORM = 'Add or change a connection'  # heading (level 2) of the form below the list

# accounts (team mode)
USERNAME = 'Username'
PASSWORD = 'Password'
SIGN_IN = 'Sign in'
SIGN_OUT = 'Sign out'
USERS = 'Users'                        # admin page (/admin) table of accounts
ADD_USER = 'Add user'
ADMIN = 'Administrator'                # checkbox when adding a user
DISABLE_USER = 'Disable'
ENABLE_USER = 'Enable'
RESET_PASSWORD = 'Reset password'
MAKE_ADMIN = 'Make administrator'      # admin page: give a user the administrator role
REMOVE_ADMIN = 'Remove administrator'  # admin page: take it away
NEW_PASSWORD = 'New password'
ADMIN_PAGE = 'Admin'                   # link in the header for admins

# import (/import): chats from ChatGPT or Claude
IMPORT_CHATS = 'Import chats'          # link in the sidebar beside Search, and the page's title
EXPORT_FILE = 'Choose the export file'  # the page's file picker button (a ChatGPT or Claude export)
IMPORT_STATUS = 'Import status'        # role=status: how far the import has come, and what it found
IMPORT_HEADING = 'Bring your chats from ChatGPT or Claude'  # the import page's heading (level 1)

# keyboard
KEYBOARD_HELP = 'Keyboard shortcuts'   # dialog listing the shortcuts (opened with ? or the header button)
SEARCH_CONVERSATIONS = 'Search conversations'  # Ctrl/Cmd+K dialog, and its combobox (a textbox before)
SEARCH_RESULTS = 'Conversations found'  # listbox of the search dialog; options named by title
SEARCH_STATUS = 'Search status'        # role=status (polite) in the search dialog: "3 conversations", or why none
CLOSE = 'Close'                        # closes the keyboard-shortcuts dialog
EDIT_CONNECTION = 'Edit'               # in each saved connection of the Settings page's list
SETTINGS_STATUS = 'Connection status'  # role=status: what Test connection / Save / Remove found
BACK_TO_CHAT = 'Back to chat'          # the Settings page's way back (and the Admin and not-found pages')
START_NEW_CHAT = 'Start a new chat'    # link on the page of an address Parley does not have
