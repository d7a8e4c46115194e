"""Parley on a phone or a tablet: a one-row header with every control in reach; Enter breaks the line on touch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from ui import names

from .conftest import ParleyApp
from .helpers import PHONE, answers, open_parley, phone_context, wait_for_status, wait_until

pytestmark = pytest.mark.browser


def test_the_header_is_one_row_on_a_phone(browser: Browser, parley: ParleyApp) -> None:
    context = phone_context(browser)
    try:
        page = context.new_page()
        open_parley(page, parley)
        header = page.get_by_role('banner')
        controls = [page.get_by_role('button', name=names.TOGGLE_SIDEBAR),
                    page.get_by_role('combobox', name=names.MODEL),
                    page.get_by_role('link', name=names.SETTINGS, exact=True),  # an icon, named as before
                    page.get_by_role('switch', name=names.DARK_MODE)]
        for control in controls:
            expect(control).to_be_in_viewport(ratio=1)
        top = header.bounding_box()
        assert top is not None and top['height'] <= 64, f'the header is {top} (two rows are about 100 px)'
        for control in controls:
            box = control.bounding_box()
            assert box is not None and top['y'] <= box['y'] + box['height'] / 2 <= top['y'] + top['height'], box
        picker = page.get_by_role('combobox', name=names.MODEL).bounding_box()
        assert picker is not None and picker['width'] >= 140, f'the model picker has {picker} left'
        assert page.evaluate('document.documentElement.scrollWidth') <= PHONE['width']  # nothing sticks out
    finally:
        context.close()


def test_enter_breaks_the_line_on_a_touch_screen_and_send_sends(browser: Browser, parley: ParleyApp) -> None:
    """The on-screen keyboard has no Shift+Enter: there Enter must not send a half-written message."""
    context = phone_context(browser)
    try:
        page = context.new_page()
        open_parley(page, parley)
        box = page.get_by_role('textbox', name=names.MESSAGE)
        message = 'First line\nsecond line [[tokens=5]]'
        box.fill('First line')
        box.press('Enter')
        box.press_sequentially('second line [[tokens=5]]')
        expect(box).to_have_value(message)
        page.wait_for_timeout(300)  # a send would have put the message on the page by now
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_count(0)
        page.get_by_role('button', name=names.SEND).tap()
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(message)
        wait_for_status(answers(page).last, 'complete')
        expect(box).to_have_value('')
    finally:
        context.close()


def test_a_tablet_in_a_keyboard_case_sends_with_ctrl_enter_and_its_shortcuts_say_so(
        browser: Browser, parley: ParleyApp) -> None:
    """Enter breaks the line on any touch screen; one with a keyboard still needs a key that sends, and the list
    that `?` opens must tell what this device does, not what a desk's Enter does."""
    context = phone_context(browser, {'width': 1024, 'height': 768})
    try:
        page = context.new_page()
        open_parley(page, parley)
        page.evaluate('document.activeElement && document.activeElement.blur()')
        page.keyboard.press('?')
        dialog = page.get_by_role('dialog')
        send_row = dialog.get_by_role('row').filter(has_text='Send the message')
        expect(send_row).to_have_count(1)
        expect(send_row).to_contain_text('Ctrl/Cmd')
        expect(send_row).to_contain_text('Enter')
        expect(dialog.get_by_role('row').filter(has_text='New line in the message')).not_to_contain_text('Shift')
        page.keyboard.press('Escape')
        expect(dialog).to_have_count(0)

        box = page.get_by_role('textbox', name=names.MESSAGE)
        box.fill('Two lines')
        box.press('Enter')
        box.press_sequentially('from a keyboard case [[tokens=5]]')
        box.press('Control+Enter')
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(
            'Two lines\nfrom a keyboard case [[tokens=5]]')
        wait_for_status(answers(page).last, 'complete')
        expect(box).to_have_value('')
    finally:
        context.close()


def test_a_tablet_offers_no_keyboard_shortcuts_but_a_desk_does(browser: Browser, parley: ParleyApp) -> None:
    """A touch screen usually has no keyboard to list shortcuts for (a keyboard case's `?` still opens the list)."""
    tablet = phone_context(browser, {'width': 1024, 'height': 768})
    desk = browser.new_context(viewport={'width': 1024, 'height': 768})
    try:
        for context, shown in ((tablet, False), (desk, True)):
            page = context.new_page()
            open_parley(page, parley)
            expect(page.get_by_role('combobox', name=names.MODEL)).to_be_visible()
            help_button = page.get_by_role('button', name=names.KEYBOARD_HELP)
            if shown:
                expect(help_button).to_be_visible()
            else:
                expect(help_button).to_be_hidden()
    finally:
        tablet.close()
        desk.close()


def test_a_long_model_id_shows_whole_at_a_desk_and_its_end_after_an_ellipsis_on_a_phone(browser: Browser,
                                                                                          parley: ParleyApp) -> None:
    """Cut mid-word, 'claude-sonnet-4-5-20250929' showed as 'claude-sonnet-4-5-20', which reads as another model; cut
    at its end, 'anthropic/claude-…' hid the model itself, so a phone shows '…/claude-sonnet-4-5-20250929' (the text
    laid out right-to-left while the box is not being typed in)."""
    model = 'anthropic/claude-sonnet-4-5-20250929'
    desk = browser.new_context(viewport={'width': 1280, 'height': 800})
    phone = phone_context(browser)
    try:
        for context, whole in ((desk, True), (phone, False)):
            page = context.new_page()
            open_parley(page, parley)
            picker = page.get_by_role('combobox', name=names.MODEL)
            picker.click()
            page.get_by_role('option', name=model, exact=True).click()
            expect(picker).to_have_value(model)
            page.evaluate('document.activeElement && document.activeElement.blur()')
            fits = picker.evaluate('e => e.scrollWidth <= e.clientWidth')
            style = picker.evaluate('e => [getComputedStyle(e).textOverflow, getComputedStyle(e).direction]')
            assert fits if whole else style == ['ellipsis', 'rtl']  # the ellipsis at the start
            if not whole:
                picker.focus()  # typing in it goes left to right, as ever
                assert picker.evaluate('e => getComputedStyle(e).direction') == 'ltr'
            page.close()
    finally:
        desk.close()
        phone.close()


def test_a_phone_reaches_the_search_from_the_sidebar(browser: Browser, parley: ParleyApp) -> None:
    """Ctrl/Cmd+K is the search's only shortcut, and a phone has no keyboard: the sidebar offers it as a button."""
    context = phone_context(browser)
    try:
        page = context.new_page()
        open_parley(page, parley)
        box = page.get_by_role('textbox', name=names.MESSAGE)
        box.fill('Which platform does the night train leave from? [[tokens=5]]')
        page.get_by_role('button', name=names.SEND).tap()
        wait_for_status(answers(page).last, 'complete')
        wanted = page.url
        page.get_by_role('button', name=names.TOGGLE_SIDEBAR).tap()
        page.get_by_role('button', name=names.NEW_CHAT).tap()
        page.wait_for_url(parley.url + '/')
        page.get_by_role('button', name=names.TOGGLE_SIDEBAR).tap()
        page.get_by_role('button', name=names.SEARCH, exact=True).tap()
        search = page.get_by_role('combobox', name=names.SEARCH_CONVERSATIONS)
        expect(search).to_be_focused()
        search.fill('night train')
        found = page.get_by_role('listbox', name=names.SEARCH_RESULTS).get_by_role('option')
        expect(found).to_have_count(1)  # the list as found, not the recent ones it replaces (a tap could miss)
        expect(found).to_have_accessible_name(re.compile('^Which platform does the night train leave from'))
        found.tap()
        page.wait_for_url(wanted)
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_contain_text('night train')
    finally:
        context.close()



def edge_shades(page, table) -> tuple[int, int]:
    """How dark the table's box is just inside its left and right edges, on a body row (0: the page's white)."""
    from io import BytesIO

    from PIL import Image

    box = table.bounding_box()
    row = table.locator('tbody tr').first.bounding_box()
    assert box and row
    shot = Image.open(BytesIO(page.screenshot())).convert('L')
    y = int(row['y'] + row['height'] / 2)
    return 255 - shot.getpixel((int(box['x']) + 2, y)), 255 - shot.getpixel((int(box['x'] + box['width']) - 3, y))


def test_a_wide_table_shows_there_is_more_of_it_to_the_side(browser: Browser, parley: ParleyApp) -> None:
    """A phone cuts a wide table at the screen's edge and shows no scrollbar until it is touched: a shadow on the
    side with more of it says so, and goes once that end is reached."""
    context = phone_context(browser)
    try:
        page = context.new_page()
        open_parley(page, parley)
        header = '| ' + ' | '.join(f'column {i}' for i in range(8)) + ' |'
        rows = '\n'.join('| ' + ' | '.join(' ' for _ in range(8)) + ' |' for _ in range(2))
        page.get_by_role('textbox', name=names.MESSAGE).fill(f'[[echo]]\n\n{header}\n|{"---|" * 8}\n{rows}')
        page.get_by_role('button', name=names.SEND).tap()
        wait_for_status(answers(page).last, 'complete')
        table = answers(page).last.locator('.pm-table-scroll')
        assert table.evaluate('(box) => box.scrollWidth > box.clientWidth + 100'), 'the table is wider than the phone'
        left, right = edge_shades(page, table)
        assert right > 20 and left < 5, (left, right)  # more to the right only
        table.evaluate('(box) => { box.scrollLeft = box.scrollWidth; }')
        wait_until(lambda: (shades := edge_shades(page, table))[0] > 20 and shades[1] < 5,
                   message='the shadow to move to the left edge once the table is scrolled to its end')
    finally:
        context.close()
