"""Tokens and estimated cost: under each finished answer, and the chat's total below its last answer, the same in
every tab and after a reload, earlier versions of an answer included."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from engine.usage_words import ESTIMATE_HINT, dollars
from ui import names

from .conftest import ParleyApp
from .helpers import answers, conversation_id, new_window, open_parley, phone_context, send, wait_for_status

pytestmark = pytest.mark.browser


def spent(app: ParleyApp, conversation: str) -> list[tuple[int, int, float]]:
    """(input tokens, output tokens, cost) of every answer written in the chat, kept versions included."""
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        return db.execute(
            'select input_tokens, output_tokens, cost_usd from message where conversation_id = ? and role = ? '
            'union all select v.input_tokens, v.output_tokens, v.cost_usd from answerversion v '
            'join message m on m.id = v.message_id where m.conversation_id = ?',
            (conversation, 'assistant', conversation)).fetchall()


def total_words(rows: list[tuple[int, int, float]], cached: int) -> str:
    tokens_in = sum(row[0] for row in rows)
    tokens_out = sum(row[1] for row in rows)
    cost = dollars(sum(row[2] for row in rows))
    return (f'This chat: {tokens_in:,} tokens in ({cached:,} cached), {tokens_out:,} out, {cost} '
            f'({len(rows)}\xa0answers counted)')


def test_each_answer_shows_what_it_used_and_the_chat_adds_them_up(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Count my tokens [[cached=1200]] [[tokens=40]]')
    first = answers(page).nth(0)
    wait_for_status(first, 'complete')
    expect(first.locator('.parley-usage')).to_have_text(
        re.compile(r'^1,2\d\d tokens in \(1,200 cached\), 40 out, about\s\$0\.000\d+$'))
    total = page.get_by_role('note', name=names.CHAT_USAGE)
    expect(total).to_be_hidden()  # one answer: its own line says it all

    send(page, 'And a few more [[tokens=10]]')
    second = answers(page).nth(1)
    wait_for_status(second, 'complete')
    expect(second.locator('.parley-usage')).to_have_text(re.compile(r'^\d+ tokens in, 10 out, (about|under)\s\$0\.'))
    chat = conversation_id(page)
    expect(total).to_have_text(total_words(spent(parley, chat), 1200))

    other = new_window(page)
    open_parley(other, parley, f'/c/{chat}')  # a second tab, from storage
    expect(other.get_by_role('note', name=names.CHAT_USAGE)).to_have_text(total_words(spent(parley, chat), 1200))
    expect(answers(other).first.locator('.parley-usage')).to_have_text(first.locator('.parley-usage').inner_text())

    second.get_by_role('button', name=names.REGENERATE).click()
    expect(second.get_by_role('group', name=names.ANSWER_VERSIONS)).to_be_visible()
    wait_for_status(second, 'complete')
    rows = spent(parley, chat)
    assert len(rows) == 3  # the regenerated answer's first version was spent too
    expect(total).to_have_text(total_words(rows, 1200))
    expect(other.get_by_role('note', name=names.CHAT_USAGE)).to_have_text(total_words(rows, 1200))
    expect(answers(other).last.locator('.parley-usage')).to_have_text(second.locator('.parley-usage').inner_text())


def written_after(note: Locator) -> str:
    """The text CSS writes after the element (its ::after content), as the page shows it."""
    return note.evaluate('(element) => getComputedStyle(element, "::after").content')


def test_a_touch_screen_shows_where_the_total_comes_from(browser: Browser, page: Page, parley: ParleyApp) -> None:
    # A mouse finds the hint by hovering over the total (its title); a finger cannot hover, so it is written out.
    open_parley(page, parley)
    for text in ('Priced once [[tokens=5]]', 'Priced twice [[tokens=5]]'):
        send(page, text)
        wait_for_status(answers(page).last, 'complete')
    total = page.get_by_role('note', name=names.CHAT_USAGE)
    expect(total).to_have_attribute('title', ESTIMATE_HINT)
    assert written_after(total) == 'none'
    phone = phone_context(browser)
    try:
        on_phone = phone.new_page()
        open_parley(on_phone, parley, f'/c/{conversation_id(page)}')
        phone_total = on_phone.get_by_role('note', name=names.CHAT_USAGE)
        expect(phone_total).to_be_visible()
        assert written_after(phone_total) == f'"{ESTIMATE_HINT}"'
    finally:
        phone.close()
