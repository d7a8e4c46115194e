"""What the import page says an import did (no browser)."""

from __future__ import annotations

from engine.importer import ImportResult
from ui.import_page import said


def test_the_page_says_what_became_of_every_conversation_read() -> None:
    result = ImportResult(imported=3, extended=1, already_here=2, changed_here=1, unreadable=1)
    assert result.read == 7
    assert said(result) == ('Imported 3 conversations. 1 imported before was brought up to date with the messages '
                            'written since. 2 were already here, with nothing new. 1 had newer messages there, but was '
                            'taken up or changed here since, so it was left as Parley has it. 1 entry of the file was '
                            'empty or not a conversation Parley can read.')
    assert 'were taken up or changed here since, so they were left as Parley has them' in said(
        ImportResult(changed_here=2))
