"""A full disk under a running Parley: the write fails with a plain message, the typed text stays, nothing half-saved.

The database lives on its own small tmpfs, so the disk really runs out (SQLite sees ENOSPC, not a simulation).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import URL

from tests.conftest import missing_prerequisite
from tests.fakes.server import FakeServer
from ui import names

from .conftest import start_parley
from .helpers import answers, open_parley, wait_for_status

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def small_disk(mount_point: Path, size: str = '4m') -> Iterator[Path]:
    """A tmpfs of `size` at mount_point (needs root, as on the CI machines)."""
    mount_point.mkdir(parents=True)
    result = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        missing_prerequisite(f'cannot mount a small tmpfs to fill (needs root): {result.stderr.strip()}')
    try:
        yield mount_point
    finally:
        subprocess.run(['umount', '-l', str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Write one file until the disk has no room left; deleting it frees the disk again."""
    filler = disk / 'filler'
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)  # unbuffered: nothing is left to flush at close
    try:
        for size in (65536, 4096, 1):  # the big chunks first, then whatever bytes are left
            with contextlib.suppress(OSError):
                while True:
                    os.write(descriptor, b'\0' * size)
    finally:
        os.close(descriptor)
    return filler


def test_full_disk_keeps_the_message_in_the_composer(page: Page, fake_server: FakeServer, tmp_path: Path) -> None:
    with small_disk(tmp_path / 'disk') as disk:
        database = URL.create('sqlite', database=str(disk / 'parley.db')).render_as_string()
        app = start_parley(fake_server, tmp_path / 'data', env={'DATABASE_URL': database})
        try:
            open_parley(page, app)
            filler = fill(disk)
            # Bigger than any space SQLite's write-ahead log already holds, so the write must take new blocks.
            text = 'Typed while the disk is full. ' + 'Ünïcødé ✓ 漢字 ' * 3_000
            box = page.get_by_role('textbox', name=names.MESSAGE)
            box.fill(text)
            box.press('Enter')
            expect(page.get_by_text('could not save your message (the disk is full)')).to_be_visible(timeout=20_000)
            expect(box).to_have_value(text)
            expect(page.get_by_role('article')).to_have_count(0)

            filler.unlink()  # space again: the same text sends as it is
            page.get_by_role('button', name=names.SEND).click()
            expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(text)
            wait_for_status(answers(page).last, 'complete')
            expect(box).to_have_value('')
        finally:
            app.stop()
        with sqlite3.connect(disk / 'parley.db') as db:
            assert db.execute('pragma integrity_check').fetchone() == ('ok',)
            rows = db.execute('select role, content, status from message order by seq').fetchall()
        assert [(role, status) for role, _, status in rows] == [('user', 'complete'), ('assistant', 'complete')]
        assert rows[0][1] == text
