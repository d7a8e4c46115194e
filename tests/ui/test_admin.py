"""The admin page as an administrator uses it: add a user, reset a password, disable and enable an account.

The administrator comes from PARLEY_ADMIN_USER/PARLEY_ADMIN_PASSWORD (no account exists before the start);
one team Parley for the session (conftest.py: team_parley, shared with test_login.py), one signed-in admin page
for the module, a fresh browser context for each other person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from engine.accounts import AccountDisabled
from ui import names
from ui.admin_page import ADMINS_ONLY

from .accounts import SLOW, TEAM_ADMIN, sign_in
from .conftest import ParleyApp
from .helpers import (
    CONTRAST,
    DARK,
    PHONE,
    answers,
    as_the_handshake_ends,
    conversation_id,
    hold_handshake,
    in_a_dark_chat,
    new_window,
    phone_context,
    send,
    stored,
    wait_until,
)

pytestmark = pytest.mark.browser

ADMIN = TEAM_ADMIN
WRONG = 'Wrong username or password'
LOGIN_URL = re.compile(r'/login$')


@pytest.fixture(scope='module')
def team(team_parley: ParleyApp) -> ParleyApp:
    return team_parley


@pytest.fixture(scope='module')
def admin(browser: Browser, team: ParleyApp) -> Iterator[Page]:
    """The administrator's page, signed in once for the module."""
    context = browser.new_context(viewport={'width': 1200, 'height': 800})
    page = context.new_page()
    page.set_default_timeout(SLOW)
    sign_in(page, team.url, *ADMIN)
    yield page
    context.close()


@pytest.fixture
def other(browser: Browser) -> Iterator[Page]:
    """Another person's browser."""
    context = browser.new_context(viewport={'width': 1200, 'height': 800})
    page = context.new_page()
    page.set_default_timeout(SLOW)
    yield page
    context.close()


def open_admin(page: Page, app: ParleyApp) -> Locator:
    page.goto(app.url + '/admin')
    table = page.get_by_role('table', name=names.USERS)
    expect(table).to_be_visible(timeout=SLOW)
    return table


def row(admin: Page, name: str) -> Locator:
    return admin.get_by_role('table', name=names.USERS).get_by_role('row').filter(
        has=admin.get_by_text(re.compile(rf'^{re.escape(name)}$')))


def add_user(admin: Page, app: ParleyApp, name: str, password: str) -> Locator:
    open_admin(admin, app)
    admin.get_by_role('textbox', name=names.USERNAME).fill(name)
    admin.get_by_label(names.PASSWORD, exact=True).fill(password)
    admin.get_by_role('button', name=names.ADD_USER).click()
    said = admin.locator('.q-notification').filter(has_text=f'Added {name}.').locator('.q-notification__message')
    expect(said).to_be_visible()  # before it goes (after five seconds)
    # Quasar's green with white text is 2.6:1; WCAG AA asks 4.5:1 of text this size
    assert said.evaluate(CONTRAST) >= 4.5
    added = row(admin, name)
    expect(added).to_contain_text('Active', timeout=SLOW)
    return added


def try_sign_in(page: Page, app: ParleyApp, name: str, password: str) -> None:
    page.goto(app.url + '/login')
    page.get_by_role('textbox', name=names.USERNAME).fill(name)
    page.get_by_label(names.PASSWORD, exact=True).fill(password)
    page.get_by_role('button', name=names.SIGN_IN).click()


def test_an_added_user_can_sign_in(admin: Page, other: Page, team: ParleyApp) -> None:
    added = add_user(admin, team, 'erin', 'erin password')
    expect(added).to_contain_text('User', timeout=SLOW)
    expect(row(admin, f'{ADMIN[0]} (you)')).to_contain_text('Administrator', timeout=SLOW)
    sign_in(other, team.url, 'erin', 'erin password')
    expect(other.get_by_role('link', name=names.ADMIN_PAGE)).to_have_count(0)


def test_an_admin_page_open_elsewhere_follows_the_changes(admin: Page, team: ParleyApp) -> None:
    # Two administrators (here one, in two tabs): each page shows the accounts as they now are, and a dialog open on
    # one is not swept away when the other's change rebuilds its table.
    elsewhere = new_window(admin)
    try:
        open_admin(elsewhere, team)
        elsewhere.get_by_role('button', name=names.RESET_PASSWORD).first.click()
        dialog = elsewhere.get_by_role('dialog')
        expect(dialog).to_be_visible()
        add_user(admin, team, 'hana', 'hana password')
        expect(row(elsewhere, 'hana')).to_contain_text('Active')  # added in the other tab, shown here
        expect(dialog).to_be_visible()  # the open dialog stayed
        dialog.get_by_role('button', name=names.CANCEL).click()
        row(admin, 'hana').get_by_role('button', name=names.DISABLE_USER).click()
        expect(row(elsewhere, 'hana')).to_contain_text('Disabled')
        expect(row(elsewhere, f'{ADMIN[0]} (you)')).to_be_visible()  # "(you)" is still this page's own user
    finally:
        elsewhere.close()


def test_a_rows_button_keeps_the_keyboard_focus_through_changes_here_and_elsewhere(admin: Page,
                                                                                  team: ParleyApp) -> None:
    # Someone at the keyboard disables an account: the row says so and the focus stays on the same button, now
    # Enable, so pressing it again undoes the change; a user added on another admin page (sorting in above) leaves
    # the focus where it was too. Rebuilding the rows dropped it to the page.
    add_user(admin, team, 'yuki', 'yuki password')
    row(admin, 'yuki').get_by_role('button', name=names.DISABLE_USER).focus()
    admin.keyboard.press('Enter')
    expect(row(admin, 'yuki')).to_contain_text('Disabled')
    enable = row(admin, 'yuki').get_by_role('button', name=names.ENABLE_USER)
    expect(enable).to_be_focused()
    elsewhere = new_window(admin)
    try:
        add_user(elsewhere, team, 'abe', 'abe password')
        expect(row(admin, 'abe')).to_contain_text('Active')
        assert admin.get_by_role('row').nth(1).inner_text().startswith('abe')  # above every other account
        expect(enable).to_be_focused()
    finally:
        elsewhere.close()
    admin.keyboard.press('Enter')
    expect(row(admin, 'yuki')).to_contain_text('Active')
    expect(row(admin, 'yuki').get_by_role('button', name=names.DISABLE_USER)).to_be_focused()


def test_a_short_password_is_refused_with_the_reason(admin: Page, team: ParleyApp) -> None:
    open_admin(admin, team)
    admin.get_by_role('textbox', name=names.USERNAME).fill('shorty')
    admin.get_by_label(names.PASSWORD, exact=True).fill('short')
    admin.get_by_role('button', name=names.ADD_USER).click()
    expect(admin.get_by_role('alert')).to_have_text('A password needs at least 8 characters.', timeout=SLOW)
    expect(row(admin, 'shorty')).to_have_count(0)


def test_a_reset_password_replaces_the_old_one_and_ends_open_sessions(admin: Page, other: Page,
                                                                     team: ParleyApp) -> None:
    added = add_user(admin, team, 'gina', 'gina password')
    sign_in(other, team.url, 'gina', 'gina password')
    added.get_by_role('button', name=names.RESET_PASSWORD).click()
    dialog = admin.get_by_role('dialog')
    dialog.get_by_label(names.NEW_PASSWORD, exact=True).fill('gina new password')
    dialog.get_by_role('button', name=names.SAVE).click()
    expect(admin.get_by_text('Password of gina reset')).to_be_visible(timeout=SLOW)

    expect(other).to_have_url(LOGIN_URL, timeout=SLOW)  # her open page used the old password: it leaves at once
    other.goto(team.url + '/')  # and the session is gone, not just the page
    expect(other).to_have_url(LOGIN_URL, timeout=SLOW)
    try_sign_in(other, team, 'gina', 'gina password')
    expect(other.get_by_role('alert')).to_have_text(WRONG, timeout=SLOW)
    sign_in(other, team.url, 'gina', 'gina new password')


def test_a_disabled_user_is_signed_out_and_refused_until_enabled_again(admin: Page, other: Page,
                                                                       team: ParleyApp) -> None:
    added = add_user(admin, team, 'hank', 'hank password')
    sign_in(other, team.url, 'hank', 'hank password')
    send(other, 'A long one [[tokens=3000]] [[delay=20]]')
    expect(answers(other).last).to_contain_text('alpha', timeout=SLOW)
    chat = conversation_id(other)
    added.get_by_role('button', name=names.DISABLE_USER).click()
    expect(row(admin, 'hank')).to_contain_text('Disabled', timeout=SLOW)
    # His open page is sent away without him doing anything (back to this chat once he may sign in again)
    expect(other).to_have_url(re.compile(r'/login\?next=%2Fc%2F'), timeout=SLOW)
    # and the answer being written for him stops: a disabled account spends no more tokens
    wait_until(lambda: stored(team, chat)[-1][2] == 'stopped', message='his answer stopped')
    try_sign_in(other, team, 'hank', 'hank password')
    expect(other.get_by_role('alert')).to_have_text(str(AccountDisabled()), timeout=SLOW)

    row(admin, 'hank').get_by_role('button', name=names.ENABLE_USER).click()
    expect(row(admin, 'hank')).to_contain_text('Active', timeout=SLOW)
    sign_in(other, team.url, 'hank', 'hank password')


def test_the_admin_cannot_disable_themselves(admin: Page, team: ParleyApp) -> None:
    open_admin(admin, team)
    me = row(admin, f'{ADMIN[0]} (you)')
    expect(me).to_be_visible(timeout=SLOW)
    expect(me.get_by_role('button', name=names.DISABLE_USER)).to_have_count(0)


def test_an_admin_gives_the_role_and_takes_it_back(admin: Page, other: Page, team: ParleyApp) -> None:
    added = add_user(admin, team, 'ivy', 'ivy password')
    role = added.get_by_role('cell').nth(1)
    expect(role).to_have_text('User', timeout=SLOW)
    added.get_by_role('button', name=names.MAKE_ADMIN).click()
    expect(role).to_have_text('Administrator', timeout=SLOW)
    sign_in(other, team.url, 'ivy', 'ivy password')
    expect(other.get_by_role('link', name=names.ADMIN_PAGE)).to_be_visible(timeout=SLOW)
    assert other.goto(team.url + '/admin').status == 200

    row(admin, 'ivy').get_by_role('button', name=names.REMOVE_ADMIN).click()
    expect(role).to_have_text('User', timeout=SLOW)
    # her admin page, open all along, does not follow the list any more: it turns into the refusal
    expect(other.get_by_text(ADMINS_ONLY)).to_be_visible(timeout=SLOW)
    expect(other.get_by_role('table', name=names.USERS)).to_have_count(0)
    assert other.goto(team.url + '/admin').status == 403  # she stays signed in, without the role
    other.goto(team.url + '/')
    expect(other.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
    expect(other.get_by_role('link', name=names.ADMIN_PAGE)).to_have_count(0)
    # Nobody takes their own role away (another admin can): the admin's own row offers no such button.
    me = row(admin, f'{ADMIN[0]} (you)')
    expect(me.get_by_role('button', name=names.REMOVE_ADMIN)).to_have_count(0)


def test_a_user_added_as_the_page_connects_gets_the_name_and_password_typed(other: Page, team: ParleyApp) -> None:
    """The boxes' value events are held back until the page's socket is ready; Add user, clicked in that moment,
    must not reach the server first and add nobody (or refuse an empty name)."""
    sign_in(other, team.url, *ADMIN)
    expect(other.get_by_role('link', name=names.ADMIN_PAGE)).to_be_visible(timeout=SLOW)
    hold_handshake(other)  # from the next page on
    other.goto(team.url + '/admin')
    other.get_by_role('textbox', name=names.USERNAME).fill('quinn')
    other.get_by_label(names.PASSWORD, exact=True).fill('quinn password')
    as_the_handshake_ends(other, other.get_by_role('button', name=names.ADD_USER), 'el.click()')
    expect(row(other, 'quinn')).to_contain_text('Active', timeout=SLOW)
    other.context.clear_cookies()
    quinn = new_window(other)  # this page holds every handshake from now on
    try_sign_in(quinn, team, 'quinn', 'quinn password')
    expect(quinn).to_have_url(team.url + '/', timeout=SLOW)


def test_on_a_phone_every_users_actions_are_in_reach(browser: Browser, admin: Page, team: ParleyApp) -> None:
    """The users table fits a phone's screen: no action button sits off to the right, and it is still a table."""
    add_user(admin, team, 'piper', 'piper password')  # a row with every action: Disable, Reset, Make administrator
    context = phone_context(browser)
    try:
        phone = context.new_page()
        phone.set_default_timeout(SLOW)
        sign_in(phone, team.url, *ADMIN)
        table = open_admin(phone, team)
        expect(row(phone, 'piper').get_by_role('button', name=names.RESET_PASSWORD)).to_be_visible()
        buttons = table.get_by_role('button')
        assert buttons.count() >= 3
        for button in buttons.all():
            box = button.bounding_box()
            assert box is not None and 0 <= box['x'] <= PHONE['width'] - box['width'], (button.inner_text(), box)
        expect(row(phone, 'piper').get_by_role('cell')).to_have_count(4)  # name, role, status, actions
        assert phone.evaluate('document.documentElement.scrollWidth') <= PHONE['width']
    finally:
        context.close()


def test_each_users_actions_line_up_under_their_heading_and_none_is_loudest(admin: Page, team: ParleyApp) -> None:
    add_user(admin, team, 'rowan', 'rowan password')  # a row with every action, beside the administrator's own
    table = admin.get_by_role('table', name=names.USERS)
    heading = table.get_by_role('columnheader', name='Actions').get_by_text('Actions').bounding_box()
    assert heading is not None
    for name in (names.RESET_PASSWORD, names.DISABLE_USER):
        starts = {round(box['x']) for box in (b.bounding_box() for b in table.get_by_role('button', name=name).all())
                  if box}
        assert len(starts) == 1, f'{name} moves from row to row: {starts}'
    first = row(admin, f'{ADMIN[0]} (you)').get_by_role('button').first.bounding_box()
    assert first is not None and abs(first['x'] - heading['x']) <= 4, 'the actions start under their heading'
    disable = row(admin, 'rowan').get_by_role('button', name=names.DISABLE_USER)
    assert disable.evaluate('(b) => getComputedStyle(b).backgroundColor') == 'rgba(0, 0, 0, 0)', \
        'Disable is an outline like its neighbours, not a filled button'


def test_the_admin_page_is_dark_when_the_chat_is_and_leads_back_to_the_chat_left(admin: Page, team: ParleyApp) -> None:
    with in_a_dark_chat(admin, team, 'Back here after the admin page [[tokens=5]]') as chat:
        admin.get_by_role('link', name=names.ADMIN_PAGE, exact=True).click()
        expect(admin.get_by_role('table', name=names.USERS)).to_be_visible(timeout=SLOW)
        expect(admin.locator('body')).to_have_class(DARK)
        admin.wait_for_timeout(300)  # Quasar's colour transitions
        table = admin.get_by_role('table', name=names.USERS)
        for text in (table.get_by_role('columnheader', name='Username'), table.get_by_text(f'{ADMIN[0]} (you)'),
                     table.get_by_role('button', name=names.RESET_PASSWORD).first):
            assert text.evaluate(CONTRAST) >= 4.5, text  # readable in dark, as in light
        admin.get_by_role('link', name=names.BACK_TO_CHAT).click()
        admin.wait_for_url(f'**/c/{chat}')
        expect(admin.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(
            'Back here after the admin page [[tokens=5]]')


def test_a_user_who_opens_the_admin_page_is_refused_in_parleys_frame_with_a_way_back(admin: Page, other: Page,
                                                                                      team: ParleyApp) -> None:
    """As Settings refuses a user: the header with the way back to the chat, and the reason, not a bare text."""
    add_user(admin, team, 'jade', 'jade password')
    sign_in(other, team.url, 'jade', 'jade password')
    response = other.goto(team.url + '/admin')
    assert response is not None and response.status == 403
    expect(other.get_by_text('Only administrators can open this page.')).to_be_visible(timeout=SLOW)
    expect(other.get_by_role('banner')).to_contain_text(names.ADMIN_PAGE)
    expect(other.get_by_role('table', name=names.USERS)).to_have_count(0)
    other.get_by_role('button', name=names.BACK_TO_CHAT).click()
    expect(other.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)


def test_the_reset_password_dialogs_buttons_are_written_as_elsewhere(admin: Page, team: ParleyApp) -> None:
    """"Cancel" and "Save", as in the Rename dialog, not in the capitals Quasar gives a button by default."""
    added = add_user(admin, team, 'kit', 'kit password')
    added.get_by_role('button', name=names.RESET_PASSWORD).click()
    dialog = admin.get_by_role('dialog')
    for name in (names.CANCEL, names.SAVE):
        expect(dialog.get_by_role('button', name=name)).to_have_text(name, use_inner_text=True, timeout=SLOW)
    dialog.get_by_role('button', name=names.CANCEL).click()
    expect(dialog).to_have_count(0, timeout=SLOW)


def test_a_refused_key_tells_a_member_to_ask_and_the_administrator_what_to_check(admin: Page, other: Page,
                                                                                team: ParleyApp) -> None:
    # The keys are the administrator's: telling them to ask an administrator sends them to themselves.
    add_user(admin, team, 'gwen', 'gwen password')
    sign_in(other, team.url, 'gwen', 'gwen password')
    admin.goto(team.url + '/')
    for page, text, told in ((other, 'Refuse gwen [[status=401]]', 'on the server (ask an administrator).'),
                             (admin, 'Refuse root [[status=401]]', 'on the server.')):
        send(page, text)
        failed = answers(page).last
        expect(failed).to_have_attribute('data-status', 'error', timeout=SLOW)
        error = failed.locator('.parley-error')
        expect(error).to_contain_text('Check OPENAI_API_KEY ' + told)
        page.reload()  # as stored, read again
        expect(answers(page).last.locator('.parley-error')).to_contain_text('Check OPENAI_API_KEY ' + told)
    expect(admin.locator('.parley-error')).not_to_contain_text('administrator')
