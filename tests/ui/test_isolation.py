"""Two people on one team server: neither sees anything of the other's conversations, live or by URL.

Each person has their own browser context (own session cookie). Besides what the pages show, every websocket
frame and response that reaches Bob's browser is searched for Ann's words and her conversation's id.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ui import names
from ui.chat_page import GONE_NOTICE

from .accounts import sign_in, sign_out
from .helpers import DARK, answers, conversation_id, send, wait_for_status

# the shared team server, and assertions that allow for a loaded machine
from .test_key_scan import PASSWORD, KeyedParley, Wire, patient_expect, team_server  # noqa: F401

pytestmark = pytest.mark.browser

ANN_SECRET = 'Ann plans the surprise party'
ANN_INSTRUCTIONS = 'Call me Captain Ann.'


def sidebar(page: Page):
    return page.get_by_role('navigation', name=names.CONVERSATIONS)


def person(browser: Browser, url: str, name: str) -> tuple[BrowserContext, Page, Wire]:
    context = browser.new_context(viewport={'width': 1200, 'height': 800})
    wire = Wire()
    wire.attach(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, url, name, PASSWORD)
    return context, page, wire


def test_one_users_conversation_is_invisible_to_another(browser: Browser,
                                                        team_server: KeyedParley) -> None:  # noqa: F811
    url = team_server.app.url
    ann_context, ann, _ = person(browser, url, 'ann')
    bob_context, bob, bob_wire = person(browser, url, 'bob')
    try:
        # Ann's answer streams while Bob's page is open: his list hears nothing of it.
        send(ann, f'{ANN_SECRET} [[tokens=400]] [[delay=10]]')
        ann_id = conversation_id(ann)
        expect(sidebar(ann).get_by_role('link', name=ANN_SECRET)).to_be_visible()
        wait_for_status(answers(ann).last, 'streaming')
        send(bob, 'Bob asks about the weather')  # Bob's own chat moves his list while Ann's answer runs
        bob_id = conversation_id(bob)
        expect(sidebar(bob).get_by_role('link', name='Bob asks about the weather')).to_be_visible()
        expect(sidebar(bob).get_by_role('link')).to_have_count(1)
        expect(sidebar(ann).get_by_role('link')).to_have_count(1)
        assert ANN_SECRET not in bob.content()

        # Guessing the URL: a redirect to a new chat, exactly as for an id that never existed.
        bob.goto(f'{url}/c/{ann_id}')
        bob.wait_for_url(url + '/')
        expect(bob.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()
        expect(bob.get_by_role('article')).to_have_count(0)
        expect(bob.get_by_role('status').filter(has_text=GONE_NOTICE)).to_be_visible()
        bob.goto(f'{url}/c/{"0" * 32}')
        bob.wait_for_url(url + '/')
        expect(bob.get_by_role('status').filter(has_text=GONE_NOTICE)).to_be_visible()

        wait_for_status(answers(ann).last, 'complete', timeout=30_000)
        ann.reload()
        expect(answers(ann)).to_have_count(1)
        expect(sidebar(ann).get_by_role('link', name='Bob asks about the weather')).to_have_count(0)
        bob.goto(f'{url}/c/{bob_id}')
        expect(answers(bob)).to_have_count(1)
        expect(sidebar(bob).get_by_role('link')).to_have_count(1)

        # Bob's own requests name Ann's id in their URL (he typed it); what came back must not.
        replies = [(where, data.split(b'\n', 1)[-1] if where.startswith('headers of') else data)
                   for where, data in bob_wire.chunks]
        seen = [where for where, data in replies if ANN_SECRET.encode() in data or ann_id.encode() in data]
        assert seen == [], "nothing of Ann's conversation reached Bob's browser"
    finally:
        ann_context.close()
        bob_context.close()


def test_limits_are_per_user_and_keep_the_typed_text(browser: Browser,
                                                     team_server: KeyedParley) -> None:  # noqa: F811
    """Team mode allows 2 answers at once per user (PARLEY_ANSWERS_AT_ONCE): the third is refused in words,
    its text stays in the box, and another user is not affected."""
    url = team_server.app.url
    dave_context, dave, _ = person(browser, url, 'dave')
    bob_context, bob, _ = person(browser, url, 'bob')
    try:
        for n in (1, 2):
            send(dave, f'Slow answer {n} [[tokens=400]] [[delay=10]]')
            conversation_id(dave)
            dave.get_by_role('button', name=names.NEW_CHAT).click()
            dave.wait_for_url(url + '/')
        box = dave.get_by_role('textbox', name=names.MESSAGE)
        box.fill('A third at once')
        box.press('Enter')  # refused: the box keeps the text, so not `send`, which waits for it to empty
        expect(dave.get_by_text('2 answers are still being written')).to_be_visible()
        expect(box).to_have_value('A third at once')
        expect(dave.get_by_role('article')).to_have_count(0)
        send(bob, 'Bob is not Dave')
        wait_for_status(answers(bob).last, 'complete')
    finally:
        dave_context.close()
        bob_context.close()



def test_each_persons_choices_are_their_own_and_outlast_signing_out(browser: Browser,
                                                                   team_server: KeyedParley) -> None:  # noqa: F811
    url = team_server.app.url
    ann_context, ann, _ = person(browser, url, 'ann')
    bob_context, bob, _ = person(browser, url, 'bob')
    conversations = sidebar(ann)
    try:
        ann.get_by_role('switch', name=names.DARK_MODE).click()
        expect(ann.locator('body')).to_have_class(DARK)
        ann.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
        expect(conversations).not_to_be_in_viewport()
        ann.wait_for_timeout(300)  # the drawer's slide and the stored choice (no element to wait on: it is gone)

        ann.get_by_role('button', name=names.CHAT_INSTRUCTIONS).click()
        dialog = ann.get_by_role('dialog', name=names.CHAT_INSTRUCTIONS)
        dialog.get_by_role('textbox', name=names.INSTRUCTIONS).fill(ANN_INSTRUCTIONS)
        dialog.get_by_role('checkbox', name=names.FOR_NEW_CHATS).click()
        expect(dialog.get_by_role('checkbox', name=names.FOR_NEW_CHATS)).to_be_checked()
        dialog.get_by_role('button', name=names.SAVE).click()
        expect(dialog).to_be_hidden()

        bob.reload()  # Ann's choices are not handed to Bob
        expect(bob.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()
        expect(bob.locator('body')).not_to_have_class(DARK)
        expect(sidebar(bob)).to_be_in_viewport()
        bob.get_by_role('button', name=names.CHAT_INSTRUCTIONS).click()
        expect(bob.get_by_role('dialog', name=names.CHAT_INSTRUCTIONS)
               .get_by_role('textbox', name=names.INSTRUCTIONS)).to_have_value('')
        bob.keyboard.press('Escape')

        sign_out(ann)  # a new session: signing in replaces the browser's session id
        sign_in(ann, url, 'ann', PASSWORD)
        expect(ann.locator('body')).to_have_class(DARK)
        expect(conversations).not_to_be_in_viewport()
        ann.get_by_role('button', name=names.CHAT_INSTRUCTIONS).click()
        expect(dialog.get_by_role('textbox', name=names.INSTRUCTIONS)).to_have_value(ANN_INSTRUCTIONS)
        dialog.get_by_role('checkbox', name=names.FOR_NEW_CHATS).click()  # unchecked: new chats start without
        expect(dialog.get_by_role('checkbox', name=names.FOR_NEW_CHATS)).not_to_be_checked()
        dialog.get_by_role('button', name=names.SAVE).click()
        expect(dialog).to_be_hidden()
    finally:  # the team server is shared: leave Ann's choices as they were
        if ann.get_by_role('switch', name=names.DARK_MODE).is_checked():
            ann.get_by_role('switch', name=names.DARK_MODE).click()
        if not conversations.count():  # a closed drawer's content leaves the page
            ann.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
            expect(conversations).to_be_in_viewport()
        ann.wait_for_timeout(300)  # the stored choices
        ann_context.close()
        bob_context.close()
