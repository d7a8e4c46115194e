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
ANSWER_STATUS = 'Answer status'        # role=status, announces "Assistant is responding" / "Answer complete"
COPY_CODE = 'Copy code'                # set by assets/markdown_renderer.js
REASONING = 'Reasoning'

# conversations
NEW_CHAT = 'New chat'
CONVERSATIONS = 'Conversations'        # nav
CONVERSATION_MENU = 'Conversation options'
RENAME = 'Rename'
DELETE = 'Delete'
CANCEL = 'Cancel'
SAVE = 'Save'
TITLE = 'Title'
TOGGLE_SIDEBAR = 'Toggle sidebar'

# header
MODEL = 'Model'
PROVIDER_PROBLEMS = 'Provider problems'  # shown when a provider's models could not be listed
DARK_MODE = 'Dark mode'

# what the status region says
STATUS_RESPONDING = 'Assistant is responding'
STATUS_COMPLETE = 'Answer complete'
STATUS_STOPPED = 'Answer stopped'
STATUS_FAILED = 'Answer failed'
STATUS_INTERRUPTED = 'Answer interrupted'
