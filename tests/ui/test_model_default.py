"""A new chat opened while the model lists still load starts on the default they make, unless the person picks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.server import FakeServer
from ui import names

from .conftest import start_parley
from .helpers import new_window, open_parley

pytestmark = pytest.mark.browser

LIST_DELAY = 4.0  # OpenAI lists its models this late: its models are the default's, but only once listed


def test_the_picker_follows_the_default_until_the_person_picks(page: Page, fake_server: FakeServer,
                                                              tmp_path: Path) -> None:
    fake_server.recorder.openai_list_delay = LIST_DELAY
    # no configured default: the first model of the first provider's list (OpenAI's), as soon as it is known
    app = start_parley(fake_server, tmp_path / 'data', env={'PARLEY_DEFAULT_MODEL': ''})
    try:
        open_parley(page, app)
        picker = page.get_by_role('combobox', name=names.MODEL)
        expect(picker).to_have_value(re.compile(r'^anthropic/'))  # OpenAI offers nothing until it has listed
        chosen = new_window(page)
        open_parley(chosen, app)
        chosen_picker = chosen.get_by_role('combobox', name=names.MODEL)
        chosen_picker.click()
        chosen.get_by_role('option', name='google/gemini-2.5-pro', exact=True).click()
        expect(chosen_picker).to_have_value('google/gemini-2.5-pro')

        expect(picker).to_have_value(re.compile(r'^openai/'), timeout=LIST_DELAY * 1000 + 10_000)
        chosen.wait_for_timeout(500)
        expect(chosen_picker).to_have_value('google/gemini-2.5-pro')  # a choice is never taken back
    finally:
        fake_server.recorder.openai_list_delay = 0.0
        app.stop()
