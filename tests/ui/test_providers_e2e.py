"""Each provider end to end: pick its model in the header, chat, and see the answer stream in and get stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.script import script_for
from ui import names

from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, stored, wait_for_status

pytestmark = pytest.mark.browser


@pytest.mark.parametrize('model', ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-5-5', 'google/gemini-2.5-flash'])
def test_each_provider_end_to_end(page: Page, parley: ParleyApp, model: str) -> None:
    open_parley(page, parley)
    picker = page.get_by_role('combobox', name=names.MODEL)
    picker.click()
    page.get_by_role('option', name=model, exact=True).click()
    expect(picker).to_have_value(model) if picker.evaluate('e => e.tagName') == 'INPUT' else None
    prompt = f'Hello {model} [[tokens=80]] [[delay=5]]'
    send(page, prompt)
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(answer).to_contain_text('alpha bravo charlie')
    assert stored(parley, conversation_id(page)) == [('user', prompt, 'complete'),
                                                     ('assistant', script_for(prompt).text, 'complete')]
    page.reload()
    expect(page.get_by_role('combobox', name=names.MODEL)).to_be_visible()
    assert model in page.locator('.parley-model').inner_text() or \
        page.get_by_role('combobox', name=names.MODEL).input_value() == model
