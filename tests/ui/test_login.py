"""Team mode's sign-in as a person sees it: /login, wrong passwords, signing out, disabled users, admin-only pages.

One team Parley for the session (conftest.py: team_parley, shared with test_admin.py); each test has its own
browser context (its own cookies), so sessions never mix.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Cookie, Page, expect
from sqlalchemy import update

from engine.accounts import AccountDisabled
from storage import create_db_engine, default_database_url
from storage.models import User
from ui import names
from ui.chat_page import GONE_NOTICE

from .accounts import SLOW, create_users, sign_in, sign_out
from .conftest import ParleyApp
from .helpers import (
    CONTRAST,
    DARK,
    PRESS_ENTER,
    answers,
    as_the_handshake_ends,
    hold_handshake,
    new_window,
    send,
    wait_for_status,
)
from .http_proxy import http_proxy

pytestmark = pytest.mark.browser

USERS = [('alice', 'alice password', True), ('bob', 'bob password', False), ('carol', 'carol password', False),
         ('dave', 'dave password', False)]
WRONG = 'Wrong username or password'
DISABLED = str(AccountDisabled())
LOGIN_URL = re.compile(r'/login(\?next=[^&]*)?$')


@pytest.fixture(scope='module')
def team(team_parley: ParleyApp) -> ParleyApp:
    create_users(team_parley.data_dir, USERS)  # into the running app's database: accounts are read per request
    return team_parley


def try_sign_in(page: Page, app: ParleyApp, name: str, password: str, *, goto: bool = True) -> None:
    if goto:
        page.goto(app.url + '/login')
    page.get_by_role('textbox', name=names.USERNAME).fill(name)
    page.get_by_label(names.PASSWORD, exact=True).fill(password)
    page.get_by_role('button', name=names.SIGN_IN).click()


def set_disabled(app: ParleyApp, name: str, disabled: bool) -> None:
    database = create_db_engine(default_database_url(app.data_dir))
    with database.begin() as connection:
        connection.execute(update(User).where(User.name == name).values(disabled=disabled))
    database.dispose()


def test_a_page_without_sign_in_goes_to_the_login_page(page: Page, team: ParleyApp) -> None:
    page.goto(team.url + '/')
    expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
    expect(page.get_by_role('button', name=names.SIGN_IN)).to_be_visible(timeout=SLOW)
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_have_count(0)


def test_the_login_page_is_light_or_dark_as_the_system_is(page: Page, team: ParleyApp) -> None:
    # Nobody has chosen yet on this page: it is as the system is, and follows a change of it.
    page.emulate_media(color_scheme='dark')
    page.goto(team.url + '/login')
    expect(page.get_by_role('button', name=names.SIGN_IN)).to_be_visible(timeout=SLOW)
    expect(page.locator('body')).to_have_class(DARK)
    try_sign_in(page, team, 'sky', 'no such account')  # a name of its own: failures are counted per name
    alert = page.get_by_role('alert')
    expect(alert).to_have_text(WRONG, timeout=SLOW)
    assert alert.evaluate(CONTRAST) >= 4.5  # Quasar's negative red is 2.6:1 on the dark card
    page.emulate_media(color_scheme='light')
    expect(page.locator('body')).not_to_have_class(DARK)
    assert alert.evaluate(CONTRAST) >= 4.5


def test_a_wrong_password_or_name_says_so_and_stays(page: Page, team: ParleyApp) -> None:
    for name, password in (('alice', 'not her password'), ('mallory', 'alice password')):
        try_sign_in(page, team, name, password)
        expect(page.get_by_role('alert')).to_have_text(WRONG, timeout=SLOW)  # the same words for either mistake
        expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
        expect(page.get_by_label(names.PASSWORD, exact=True)).to_have_value('', timeout=SLOW)


def test_sign_in_opens_the_chat_and_sign_out_closes_it(page: Page, team: ParleyApp) -> None:
    sign_in(page, team.url, 'bob', 'bob password')
    expect(page).to_have_url(team.url + '/', timeout=SLOW)
    sign_out(page)
    expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
    page.goto(team.url + '/')
    expect(page).to_have_url(LOGIN_URL, timeout=SLOW)


def test_signing_out_in_one_tab_signs_out_the_browsers_others(page: Page, browser: Browser, team: ParleyApp) -> None:
    # A shared computer: the next person must not find the last one's chats in a tab left open, nor send as them.
    sign_in(page, team.url, 'bob', 'bob password')
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
    other_tab = new_window(page)
    other_tab.goto(team.url + '/')
    expect(other_tab.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
    elsewhere = browser.new_context()  # bob on another computer stays signed in there
    try:
        away = elsewhere.new_page()
        sign_in(away, team.url, 'bob', 'bob password')
        expect(away.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
        sign_out(page)
        expect(other_tab).to_have_url(LOGIN_URL, timeout=SLOW)
        expect(other_tab.get_by_role('button', name=names.SIGN_IN)).to_be_visible(timeout=SLOW)
        away.wait_for_timeout(2000)  # longer than a signed-out page takes to go (above)
        expect(away.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()
        away.reload()
        expect(away.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
        away.wait_for_timeout(2500)  # past NiceGUI's own deletion of the signed-out page (its reconnect timeout)
        assert 'Traceback' not in team.log.read_text(encoding='utf-8')
    finally:
        elsewhere.close()


def test_a_sign_in_filled_as_the_page_connects_is_not_refused(page: Page, team: ParleyApp) -> None:
    """A password manager fills the boxes before the page's socket is ready and the person presses Enter at once:
    the sign-in must not reach the server before the boxes' text and be refused as a wrong password."""
    hold_handshake(page)
    page.goto(team.url + '/login')
    page.get_by_role('textbox', name=names.USERNAME).fill('carol')
    password = page.get_by_label(names.PASSWORD, exact=True)
    password.fill('carol password')  # both value events are held back
    as_the_handshake_ends(page, password, PRESS_ENTER)
    expect(page).to_have_url(team.url + '/', timeout=SLOW)
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)


def test_a_user_gets_no_admin_link_and_the_admin_page_refuses_them(page: Page, team: ParleyApp) -> None:
    sign_in(page, team.url, 'bob', 'bob password')
    expect(page.get_by_role('button', name=names.SIGN_OUT)).to_be_visible(timeout=SLOW)
    expect(page.get_by_role('link', name=names.ADMIN_PAGE)).to_have_count(0)
    response = page.goto(team.url + '/admin')
    assert response is not None and response.status == 403
    expect(page.get_by_text('Only administrators can open this page.')).to_be_visible(timeout=SLOW)


def test_an_admin_gets_the_admin_link_and_returns_where_they_were_going(page: Page, team: ParleyApp) -> None:
    page.goto(team.url + '/admin')
    expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
    try_sign_in(page, team, 'alice', 'alice password', goto=False)
    expect(page).to_have_url(team.url + '/admin', timeout=SLOW)  # back to the page that asked for sign-in
    expect(page.get_by_role('table', name=names.USERS)).to_be_visible(timeout=SLOW)
    page.get_by_role('link', name=names.BACK_TO_CHAT).click()
    page.get_by_role('link', name=names.ADMIN_PAGE).click()
    expect(page.get_by_role('table', name=names.USERS)).to_be_visible(timeout=SLOW)


def test_a_chat_left_in_the_address_opens_for_its_owner_only(page: Page, team: ParleyApp) -> None:
    # A shared computer: carol signs out (or her session ends) on her chat; the login page's address still holds it.
    sign_in(page, team.url, 'carol', 'carol password')
    send(page, 'Carol keeps this to herself')
    wait_for_status(answers(page).last, 'complete')
    page.wait_for_url(re.compile(r'/c/[0-9a-f]+$'))
    chat = page.url
    sign_out(page)
    page.goto(chat)
    expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
    try_sign_in(page, team, 'dave', 'dave password', goto=False)  # dave, next: a new chat of his own
    expect(page).to_have_url(team.url + '/', timeout=SLOW)
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(GONE_NOTICE)).to_have_count(0)  # not sent on to carol's chat, to be told it is not his
    expect(page.get_by_text('Carol keeps this to herself')).to_have_count(0)
    sign_out(page)
    page.goto(chat)
    try_sign_in(page, team, 'carol', 'carol password', goto=False)  # carol comes back to where she was
    expect(page).to_have_url(chat, timeout=SLOW)
    expect(answers(page)).to_have_count(1)


def test_a_disabled_user_cannot_sign_in(page: Page, team: ParleyApp) -> None:
    set_disabled(team, 'carol', True)
    try:
        try_sign_in(page, team, 'carol', 'carol password')
        expect(page.get_by_role('alert')).to_have_text(DISABLED, timeout=SLOW)  # her password is right: she is told
        expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
        try_sign_in(page, team, 'carol', 'not her password')
        expect(page.get_by_role('alert')).to_have_text(WRONG, timeout=SLOW)  # anyone else learns nothing
    finally:
        set_disabled(team, 'carol', False)


def test_disabling_ends_an_open_session_at_its_next_page(page: Page, team: ParleyApp) -> None:
    sign_in(page, team.url, 'dave', 'dave password')
    set_disabled(team, 'dave', True)
    try:
        page.goto(team.url + '/')
        expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
        page.goto(team.url + '/')  # the session is gone for good, not just for one request
        expect(page).to_have_url(LOGIN_URL, timeout=SLOW)
    finally:
        set_disabled(team, 'dave', False)


def test_guessing_is_stopped_after_five_tries(page: Page, team: ParleyApp) -> None:
    page.goto(team.url + '/login')
    page.get_by_role('textbox', name=names.USERNAME).fill('guessme')
    password = page.get_by_label(names.PASSWORD, exact=True)
    for guess in range(1, 7):  # one page, password after password, as a guesser would
        password.fill(f'guess {guess}')
        page.get_by_role('button', name=names.SIGN_IN).click()
        expect(password).to_have_value('', timeout=SLOW)  # each refusal empties the field: this one is answered
        if guess == 5:
            expect(page.get_by_role('alert')).to_have_text(WRONG, timeout=SLOW)
    expect(page.get_by_role('alert')).to_have_text('Too many sign-in attempts. Wait a minute and try again.',
                                                   timeout=SLOW)


def test_signing_in_replaces_the_session_a_planted_cookie_would_share(browser: Browser, team: ParleyApp) -> None:
    victim = browser.new_context()
    attacker = browser.new_context()
    try:
        page = victim.new_page()
        page.goto(team.url + '/login')
        planted = session_cookie(victim)  # e.g. set in the victim's browser from a sibling subdomain
        sign_in(page, team.url, 'bob', 'bob password')
        assert session_cookie(victim)['value'] != planted['value']
        attacker.add_cookies([planted])
        spy = attacker.new_page()
        spy.goto(team.url + '/')
        expect(spy).to_have_url(LOGIN_URL, timeout=SLOW)
    finally:
        victim.close()
        attacker.close()


def session_cookie(context: BrowserContext) -> Cookie:
    return next(cookie for cookie in context.cookies() if cookie['name'] == 'session')


def test_signing_in_and_out_under_a_sub_path_stays_under_it(page: Page, team: ParleyApp) -> None:
    port = int(team.url.rsplit(':', 1)[1])
    with http_proxy(port, prefix='/parley', forwarded_prefix=True) as proxy:
        page.goto(proxy.url + '/')
        expect(page).to_have_url(proxy.url + '/login', timeout=SLOW)
        sign_in(page, proxy.url, 'bob', 'bob password')
        expect(page).to_have_url(proxy.url + '/', timeout=SLOW)
        sign_out(page)
        expect(page).to_have_url(proxy.url + '/login', timeout=SLOW)
    escaped = [path for path in proxy.paths if not path.startswith('/parley/')]
    assert escaped == [], f'requests outside /parley/: {escaped}'


def test_the_personal_app_has_no_sign_in(page: Page, parley: ParleyApp) -> None:
    page.goto(parley.url + '/')
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)
    expect(page.get_by_role('button', name=names.SIGN_OUT)).to_have_count(0)
    expect(page.get_by_role('link', name=names.ADMIN_PAGE)).to_have_count(0)
    response = page.goto(parley.url + '/login')
    assert response is not None and response.status == 404


def test_an_unknown_nicegui_address_is_a_plain_404_signed_in_or_not(browser: Browser, team: ParleyApp) -> None:
    """The sign-in middleware lets NiceGUI's own addresses through unchecked: one that does not exist (an old
    version's file, say) is a plain 404 for anyone, not a page built for a user who is not there (a 500)."""
    context = browser.new_context()
    try:
        missing = team.url + '/_nicegui/0.0.0/static/no-such-file.js'
        assert context.request.get(missing).status == 404
        page = context.new_page()
        sign_in(page, team.url, 'carol', 'carol password')
        assert context.request.get(missing).status == 404
        assert context.request.get(team.url + '/no/such/page').status == 404  # a signed-in page still has one
    finally:
        context.close()
