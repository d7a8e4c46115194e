"""Hostile and unusual input: odd characters round-trip exactly, oversized messages lose nothing, and pathological
markdown in an answer neither freezes the page nor hurts the server.

"Exactly", on screen, means the DOM: the text nodes of the shown message hold the same UTF-16 code units as what
was typed (`textContent`, and `innerText` where layout could change it). How a font draws ESC or a zero-width
space, and the visual order a bidi override produces, are the browser's business; the characters are all there.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.fakes.script import PATHOLOGICAL_END, script_for
from tests.fakes.server import FakeServer
from ui import names

from .conftest import ParleyApp, start_parley
from .helpers import answers, conversation_id, open_parley, send, wait_for_status
from .test_renderer_budget import MAX_PATHOLOGICAL_TASK_CPU_MS, longest_cpu_ms, main_thread_tasks

pytestmark = pytest.mark.browser

# Control characters (SOH, an ANSI colour escape, zero-width space, a right-to-left override), emoji (skin tone,
# ZWJ families, flags), right-to-left scripts and CJK (one ideograph outside the BMP). No markdown syntax and one
# line break, so the rendered answer is one paragraph whose text is the message itself.
UNUSUAL = ('ctrl \x01 and \x1b[31mred\x1b[0m, zero\u200bwidth, \u202eevil.exe\u202c reversed\n'
           'emoji 😀 👍🏽 👩\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 🇯🇵🇺🇦 '
           'Arabic مرحبا بالعالم، Hebrew שלום עולם, CJK 你好世界 日本語 한국어 𠜎')

# Chromium runs every task of the page on one thread: a task this long is a page that does not answer.
LONGTASKS = '''
window.parleyLongTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.parleyLongTasks.push(Math.round(entry.duration));
}).observe({ type: 'longtask', buffered: true });
'''
MAX_TASK_MS = 1000


def stored_bytes(app: ParleyApp, conversation: str) -> list[tuple[str, bytes]]:
    """(role, UTF-8 bytes of the content) of every stored message, exactly as SQLite holds them."""
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        return db.execute('select role, cast(content as blob) from message where conversation_id = ? order by seq',
                          (conversation,)).fetchall()


def test_unusual_characters_round_trip_exactly(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, UNUSUAL)
    user = page.get_by_role('article', name=names.USER_MESSAGE).last
    expect(user).to_have_text(UNUSUAL)
    assert user.text_content() == UNUSUAL
    assert user.inner_text() == UNUSUAL
    wait_for_status(answers(page).last, 'complete')

    # Echoed in 4-character tokens, so grapheme clusters and surrogate pairs arrive in pieces.
    prompt = f'{UNUSUAL} [[echo]] [[delay=5]]'
    send(page, prompt)
    answer = answers(page).nth(1)
    wait_for_status(answer, 'complete')
    assert answer.get_by_role('paragraph').text_content() == UNUSUAL
    # The answer is markdown: its single line break is a soft break, which a browser shows as a space.
    assert answer.get_by_role('paragraph').inner_text() == UNUSUAL.replace('\n', ' ')

    conversation = conversation_id(page)
    encoded = [(role, text.encode()) for role, text in
               [('user', UNUSUAL), ('assistant', f'Hello! You said: {UNUSUAL}'), ('user', prompt),
                ('assistant', UNUSUAL)]]
    assert stored_bytes(parley, conversation) == encoded
    page.reload()  # and the same again when the page is built from storage
    expect(page.get_by_role('article', name=names.USER_MESSAGE).first).to_have_text(UNUSUAL)
    assert page.get_by_role('article', name=names.USER_MESSAGE).first.text_content() == UNUSUAL
    wait_for_status(answers(page).last, 'complete')
    assert answers(page).last.get_by_role('paragraph').text_content() == UNUSUAL


def test_nul_is_kept_as_the_replacement_character(page: Page, parley: ParleyApp) -> None:
    # PostgreSQL cannot store NUL, so the repository keeps U+FFFD in its place on both backends (storable()).
    open_parley(page, parley)
    send(page, 'before\x00after [[echo]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(page.get_by_role('article', name=names.USER_MESSAGE).last).to_have_text('before\ufffdafter [[echo]]')
    assert answer.get_by_role('paragraph').text_content() == 'before\ufffdafter'
    assert stored_bytes(parley, conversation_id(page)) == [('user', 'before\ufffdafter [[echo]]'.encode()),
                                                          ('assistant', 'before\ufffdafter'.encode())]


def test_message_over_the_limit_is_refused_and_kept(page: Page, fake_server: FakeServer, tmp_path: Path) -> None:
    app = start_parley(fake_server, tmp_path / 'data', env={'PARLEY_MAX_MESSAGE_CHARS': '5000'})
    try:
        open_parley(page, app)
        text = ('Ünïcödé 😀 line\n' * 400)[:6000]
        box = page.get_by_role('textbox', name=names.MESSAGE)
        box.fill(text)
        box.press('Enter')
        expect(page.get_by_role('alert').filter(has_text='the limit is 5,000')).to_be_visible()
        expect(page.get_by_role('alert')).to_contain_text('PARLEY_MAX_MESSAGE_CHARS')
        expect(box).to_have_value(text)
        expect(page.get_by_role('article')).to_have_count(0)
        assert '/c/' not in page.url
        with sqlite3.connect(app.data_dir / 'parley.db') as db:
            assert db.execute('select count(*) from message').fetchone() == (0,)
            assert db.execute('select count(*) from conversation').fetchone() == (0,)
    finally:
        app.stop()


# kind -> (delay between 16 KB tokens in ms, what the rendered answer must show)
PATHOLOGICAL = {
    'nested': (50, 'deepest item'),
    'table': (120, 'row 4999'),
    'code': (25, 'return x * 22074'),
    'unclosed': (0, '# not a heading'),
    'markers': (0, 'x'),
}

# CSS, not role queries: Playwright evaluates a role query in the page, over every element, and over a 20 000-cell
# table that alone can block the page longer than NiceGUI's 2 s ping (the client then reloads).
ANSWER = f'article[aria-label="{names.ASSISTANT_MESSAGE}"]'
COMPOSER = f'textarea[aria-label="{names.MESSAGE}"]'


@pytest.mark.parametrize('kind', list(PATHOLOGICAL))
def test_pathological_markdown_keeps_the_page_responsive(page: Page, parley: ParleyApp, kind: str) -> None:
    delay, shown = PATHOLOGICAL[kind]
    page.add_init_script(LONGTASKS)
    open_parley(page, parley)
    prompt = f'Pathological {kind} [[pathological={kind}]] [[delay={delay}]]'
    with main_thread_tasks(page) as tasks:
        send(page, prompt)
        wait_for_last_answer(page, 'complete')
        text = page.wait_for_function(f'''() => {{
          const answers = document.querySelectorAll('{ANSWER}');
          const body = answers[answers.length - 1].querySelector('.parley-markdown');
          const renderer = body && body.parleyRenderer;
          return renderer && renderer.finished && renderer.frozenEnd === renderer.length && !renderer.frame
            && !renderer.timer && body.textContent;
        }}''', timeout=30_000, polling=100).json_value()
    assert PATHOLOGICAL_END in text and shown in text
    long_tasks = page.evaluate('window.parleyLongTasks')
    print(f'{kind}: long tasks {long_tasks} ms; longest task {longest_cpu_ms(tasks):.0f} ms of CPU')
    assert max(long_tasks, default=0) < MAX_TASK_MS, f'the page froze: long tasks of {long_tasks} ms'
    # The same on the CPU time of each task, which a loaded machine does not inflate (see test_renderer_budget.py).
    assert longest_cpu_ms(tasks) < MAX_PATHOLOGICAL_TASK_CPU_MS
    if kind == 'table':  # every row, in bordered fixed-layout chunks
        rows = page.evaluate(f'''() => {{
          const answers = document.querySelectorAll('{ANSWER}');
          const body = answers[answers.length - 1];
          return [...body.querySelectorAll('.pm-table-chunk tbody tr')].map((row) => row.cells[0].textContent);
        }}''')
        assert rows == [f'row {i}' for i in range(5000)]
    conversation = conversation_id(page)
    assert stored_bytes(parley, conversation)[-1] == ('assistant', script_for(prompt).text.encode())

    box = page.locator(COMPOSER)
    started = time.monotonic()
    box.press_sequentially('still here')
    expect(box).to_have_value('still here', timeout=MAX_TASK_MS)
    assert time.monotonic() - started < 2, 'typing in the composer should show up at once'

    assert httpx.get(f'{parley.url}/healthz', timeout=5).status_code == 200
    box.press('Enter')
    page.wait_for_function(f'document.querySelectorAll(\'{ANSWER}\').length === 2', polling=100)
    wait_for_last_answer(page, 'complete', timeout=20_000)
    assert page.locator(ANSWER).last.locator('p').text_content() == 'Hello! You said: still here'


def wait_for_last_answer(page: Page, status: str, timeout: float = 60_000) -> None:
    """Wait in page script, not with `expect`: Playwright's expect builds an aria snapshot of the answer on every
    retry, which over a 20 000-cell table blocks the page for seconds."""
    page.wait_for_function(f'''() => {{
      const answers = document.querySelectorAll('{ANSWER}');
      return answers.length > 0 && answers[answers.length - 1].dataset.status === '{status}';
    }}''', timeout=timeout, polling=100)
