"""Usernames as people type them: on a phone that capitalises the first letter, in capitals, in the admin's form.

A name is found whatever its case and shown as it was written; the username boxes ask phone keyboards not to
capitalise or correct. One team Parley for the session (conftest.py: team_parley, shared with test_login.py and
test_admin.py): the names here are used by no other module.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ui import names

from .accounts import SLOW, TEAM_ADMIN, create_users, sign_in
from .conftest import ParleyApp

pytestmark = pytest.mark.browser

WENDY = ('wendy', 'wendy password')
AS_TYPED = {'autocapitalize': 'none', 'autocorrect': 'off', 'spellcheck': 'false'}


@pytest.fixture(scope='module')
def team(team_parley: ParleyApp) -> ParleyApp:
    create_users(team_parley.data_dir, [(*WENDY, False)])  # into the running app's database
    return team_parley


def username_box_keeps_what_is_typed(page: Page) -> None:
    box = page.get_by_role('textbox', name=names.USERNAME)
    for attribute, value in AS_TYPED.items():
        expect(box).to_have_attribute(attribute, value, timeout=SLOW)


def test_a_name_signs_in_whatever_its_case_and_is_shown_as_written(page: Page, team: ParleyApp) -> None:
    for typed in ('Wendy', 'WENDY'):  # a phone's capital first letter; caps lock
        sign_in(page, team.url, typed, WENDY[1])
        expect(page.get_by_text(WENDY[0], exact=True)).to_be_visible(timeout=SLOW)  # the header's account name
        expect(page.get_by_text(typed, exact=True)).to_have_count(0)
        page.context.clear_cookies()


def test_the_login_pages_username_box_is_not_capitalised_and_sign_in_is_written_as_elsewhere(
        page: Page, team: ParleyApp) -> None:
    page.goto(team.url + '/login')
    username_box_keeps_what_is_typed(page)
    # Quasar writes a button's label in capitals unless told not to; the rest of Parley writes "Save", "Add user".
    expect(page.get_by_role('button', name=names.SIGN_IN)).to_have_text(names.SIGN_IN, use_inner_text=True)


def test_the_admin_cannot_add_a_name_that_differs_only_in_case(page: Page, team: ParleyApp) -> None:
    sign_in(page, team.url, *TEAM_ADMIN)
    page.goto(team.url + '/admin')
    users = page.get_by_role('table', name=names.USERS)
    expect(users).to_be_visible(timeout=SLOW)
    username_box_keeps_what_is_typed(page)
    page.get_by_role('textbox', name=names.USERNAME).fill('Wendy')
    page.get_by_label(names.PASSWORD, exact=True).fill('another password')
    page.get_by_role('button', name=names.ADD_USER).click()
    expect(page.get_by_role('alert')).to_have_text(
        "There is already a user named 'wendy' (a name is the same whatever its case).", timeout=SLOW)
    expect(users.get_by_text(re.compile('^wendy$', re.IGNORECASE))).to_have_count(1)
