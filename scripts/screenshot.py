"""Retake docs/screenshot.png, the README's picture: three stored chats, the first open, shown by Parley in headless
Chromium (1280x860, light), against the tests' fake providers.

    .venv/bin/python scripts/screenshot.py

The chats are written to a fresh database before Parley starts, so the page shows them as after a reload: no
directives in the question, nothing streaming.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from storage import Repository, create_db_engine, default_database_url  # noqa: E402
from storage.database import migrate  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, chromium_executable  # noqa: E402
from tests.fakes.server import running_fake_server  # noqa: E402
from tests.ui import conftest as launcher  # noqa: E402
from tests.ui.helpers import answers, wait_for_status  # noqa: E402

QUESTION = 'How do I parse JSON from an API safely in Python?'
ANSWER = '''## Parsing JSON safely

Use the standard library's `json` module, and treat the input as untrusted:

1. **Catch decoding errors**: malformed input raises `json.JSONDecodeError`.
2. **Check the shape** before you use it: keys can be missing and types can differ.
3. **Limit the size** of what you read from the network.

```python
import json

def load_user(raw: bytes) -> dict:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(data, dict) or "id" not in data:
        raise ValueError("expected an object with an id")
    return data
```

| Library | Validates types | Speed |
| --- | --- | --- |
| `json` | no | good |
| `pydantic` | yes | good |
| `orjson` | no | fastest |
'''
OTHERS = [('Plan a weekend trip to Lisbon', 'Two days in Lisbon: what should I not miss?',
           'Start in **Alfama** early, before the crowds.'),
          ('Explain WAL mode in SQLite', 'What does WAL mode change in SQLite?',
           'Readers no longer block the writer.')]
MODEL = ('anthropic', 'claude-sonnet-5-5')


def store_chats(data_dir: Path) -> str:
    """The three chats, the JSON one last (the newest, first in the sidebar); returns its id."""
    engine = create_db_engine(default_database_url(data_dir))
    migrate(engine)
    repository = Repository(engine)
    chats = [*OTHERS, ('Parsing JSON safely in Python', QUESTION, ANSWER)]
    for title, question, answer in chats:
        conversation = repository.create_conversation(title=title, provider=MODEL[0], model=MODEL[1])
        asked = repository.add_message(conversation.id, role='user', content=question)
        repository.add_message(conversation.id, role='assistant', content=answer, provider=MODEL[0], model=MODEL[1],
                               parent_id=asked.id)
    engine.dispose()
    return conversation.id


def main() -> None:
    with running_fake_server() as fake, tempfile.TemporaryDirectory(prefix='parley-screenshot-') as folder:
        data_dir = Path(folder)
        chat = store_chats(data_dir)
        parley = launcher.start_parley(fake, data_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={'width': 1280, 'height': 860})
                page.goto(f'{parley.url}/c/{chat}')
                wait_for_status(answers(page).last, 'complete')
                page.mouse.move(700, 400)
                page.mouse.wheel(0, -2000)  # from the question: a chat opens at its latest line
                page.mouse.move(0, 0)  # no hover state in the picture
                page.wait_for_timeout(500)  # fonts and the highlighter settle
                page.screenshot(path=str(ROOT / 'docs' / 'screenshot.png'))
                browser.close()
        finally:
            parley.stop()
            launcher._launcher.close()
    print(f'wrote {ROOT / "docs" / "screenshot.png"}')


if __name__ == '__main__':
    main()
