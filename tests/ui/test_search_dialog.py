"""The Ctrl/Cmd+K search as a screen reader meets it: an ARIA combobox whose highlighted result is spoken as the arrow
keys move, with the number of results said as they change."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.fakes.server import FakeServer
from ui import names

from .conftest import ParleyApp, start_parley
from .helpers import answers, conversation_id, open_parley, send, wait_for_status, wait_until

pytestmark = pytest.mark.browser

ANY = re.compile('.*')  # an attribute that is there at all


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """This module's own Parley: what the search lists depends on every conversation there."""
    parley = start_parley(fake_server, tmp_path_factory.mktemp('search_dialog'))
    yield parley
    parley.stop()


def chats(page: Page, app: ParleyApp, *questions: str) -> list[str]:
    """One answered chat per question, in order, and a newer one that none of the tests' searches finds; returns the
    questions' chat ids. With it, the list shown before the search has another length than the search's, so a test
    waiting for the search's length goes on only once the search has replaced that list (which resets the highlight).
    """
    ids = []
    for question in (*questions, 'Something else entirely'):
        open_parley(page, app)
        send(page, f'{question} [[tokens=3]]')
        wait_for_status(answers(page).last, 'complete')
        ids.append(conversation_id(page))
    return ids[:-1]


def combobox(page: Page) -> Locator:
    return page.get_by_role('combobox', name=names.SEARCH_CONVERSATIONS)


def results(page: Page) -> Locator:
    return page.get_by_role('listbox', name=names.SEARCH_RESULTS)


def highlighted(page: Page) -> Locator:
    return results(page).get_by_role('option', selected=True)


def expect_active(page: Page, title: str) -> None:
    """The result named `title` is the one highlighted, and the one the box names as its active descendant: what a
    screen reader speaks while the focus stays in the box."""
    option = highlighted(page)
    expect(option).to_have_count(1)
    expect(option).to_have_accessible_name(re.compile('^' + re.escape(title)))  # the title is the question
    option_id = option.get_attribute('id')
    assert option_id, 'the highlighted result has no id to be pointed at'
    expect(combobox(page)).to_have_attribute('aria-activedescendant', option_id)
    expect(page.locator(f'[id="{option_id}"]')).to_have_count(1)


def test_the_arrow_keys_move_the_active_descendant_and_enter_opens_it(page: Page, app: ParleyApp) -> None:
    _, second, _ = chats(page, app, 'Quokka one', 'Quokka two', 'Quokka three')
    page.keyboard.press('Control+k')
    box = combobox(page)
    expect(box).to_be_focused()
    expect(box).to_have_attribute('aria-autocomplete', 'list')
    box.fill('quokka')
    options = results(page).get_by_role('option')
    expect(options).to_have_count(3)
    expect(box).to_have_attribute('aria-expanded', 'true')
    expect(box).to_have_attribute('aria-controls', results(page).get_attribute('id') or 'the listbox has no id')
    ids = options.evaluate_all('options => options.map((option) => option.id)')
    assert all(ids) and len(set(ids)) == 3, ids

    expect_active(page, 'Quokka three')  # the newest first
    box.press('ArrowDown')
    expect_active(page, 'Quokka two')
    box.press('ArrowDown')
    expect_active(page, 'Quokka one')
    box.press('ArrowDown')  # round to the top
    expect_active(page, 'Quokka three')
    box.press('ArrowUp')  # and back to the bottom
    expect_active(page, 'Quokka one')
    box.press('ArrowUp')
    expect_active(page, 'Quokka two')
    expect(results(page).get_by_role('option', selected=False)).to_have_count(2)

    box.fill('quokka t')  # searched again: the same conversations keep their options' ids
    expect(options).to_have_count(2)
    expect_active(page, 'Quokka three')
    assert options.evaluate_all('options => options.map((option) => option.id)') == ids[:2]
    box.press('ArrowDown')
    expect_active(page, 'Quokka two')
    box.press('Enter')
    page.wait_for_url(f'**/c/{second}')
    expect(page.get_by_role('dialog')).to_have_count(0)


def test_arrow_keys_pressed_before_the_results_come_move_in_them(page: Page, app: ParleyApp) -> None:
    chats(page, app, 'Numbat one', 'Numbat two', 'Numbat three')
    page.keyboard.press('Control+k')
    box = combobox(page)
    expect(results(page).get_by_role('option').first).to_be_visible()  # the recent conversations
    box.fill('numbat')
    box.press('ArrowDown')  # at once: the search waits 150 ms for more typing, and answers after that
    box.press('ArrowDown')
    expect(results(page).get_by_role('option')).to_have_count(3)
    expect_active(page, 'Numbat one')  # two down from the newest, not the top of the list the keys were pressed in


def test_no_result_collapses_the_combobox_and_the_count_is_said(page: Page, app: ParleyApp) -> None:
    chats(page, app, 'Wombat burrows', 'Wombat cubes')
    page.keyboard.press('Control+k')
    box = combobox(page)
    said = page.get_by_role('status', name=names.SEARCH_STATUS)
    box.fill('wombat')
    expect(results(page).get_by_role('option')).to_have_count(2)
    expect(said).to_have_text('2 conversations')
    expect(box).to_have_attribute('aria-expanded', 'true')

    box.fill('wombat cub')
    expect(said).to_have_text('1 conversation')
    expect_active(page, 'Wombat cubes')

    box.fill('no such words anywhere')
    expect(said).to_have_text('No conversation matches.')
    expect(results(page).get_by_role('option')).to_have_count(0)
    expect(box).to_have_attribute('aria-expanded', 'false')
    expect(box).not_to_have_attribute('aria-activedescendant', ANY)  # pointing at no result that is gone
    expect(results(page)).to_be_attached()  # the box's aria-controls names an element that is there
    expect(page.get_by_role('dialog')).to_contain_text('No conversation matches.')  # shown as well as said
    where = page.url
    box.press('ArrowDown')  # nothing to move to: nothing breaks
    box.press('Enter')  # opens nothing: no result is picked

    box.fill('wombat')  # a round trip to the server after the Enter: had it opened a chat, that would be done
    expect(said).to_have_text('2 conversations')
    expect_active(page, 'Wombat cubes')
    assert page.url == where
    expect(page.get_by_role('dialog')).to_have_count(1)
    page.keyboard.press('Escape')
    expect(page.get_by_role('dialog')).to_have_count(0)


def test_a_click_still_opens_a_result(page: Page, app: ParleyApp) -> None:
    [wanted] = chats(page, app, 'Platypus eggs')
    open_parley(page, app)
    page.keyboard.press('Control+k')
    combobox(page).fill('platypus')
    expect(results(page).get_by_role('option')).to_have_count(1)  # found: a click on the list it replaces is lost
    results(page).get_by_role('option', name='Platypus eggs').click()
    page.wait_for_url(f'**/c/{wanted}')


def in_sight(page: Page) -> bool:
    """Whether the highlighted result lies wholly within what the list shows (the list scrolls; the page does not)."""
    return results(page).evaluate('list => { const option = list.querySelector("[aria-selected=true]");'
                                  ' const [o, l] = [option, list].map((e) => e.getBoundingClientRect());'
                                  ' return o.top >= l.top - 1 && o.bottom <= l.bottom + 1; }')


def test_the_highlighted_result_is_scrolled_into_sight_on_a_short_window(page: Page, app: ParleyApp) -> None:
    chats(page, app, *(f'Kiwi {n}' for n in range(1, 9)))
    page.set_viewport_size({'width': 1200, 'height': 360})  # the list is at most half as high: four results show
    page.keyboard.press('Control+k')
    box = combobox(page)
    box.fill('kiwi')
    expect(results(page).get_by_role('option')).to_have_count(8)
    assert results(page).evaluate('e => e.scrollHeight > e.clientHeight + 100'), 'the list is not cut short'
    box.press('ArrowUp')  # round to the bottom: the oldest
    expect_active(page, 'Kiwi 1')
    wait_until(lambda: in_sight(page), 3, 'the last result scrolled into sight')
    box.press('ArrowDown')  # round to the top again
    expect_active(page, 'Kiwi 8')
    wait_until(lambda: in_sight(page), 3, 'the first result scrolled back into sight')
    for _ in range(5):
        box.press('ArrowDown')
    expect_active(page, 'Kiwi 3')
    wait_until(lambda: in_sight(page), 3, 'the sixth result scrolled into sight')
    box.press_sequentially(' ')  # searched again: the new results are highlighted from the top, which shows
    expect_active(page, 'Kiwi 8')
    wait_until(lambda: in_sight(page), 3, 'the first of the new results in sight')
