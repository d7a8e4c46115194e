"""The core chat flow in Chromium: answers stream in, survive reloads, show in a second tab, stop, fail and retry."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fakes.script import script_for
from ui import names

from .conftest import ParleyApp
from .helpers import (
    CONTRAST,
    answers,
    conversation_id,
    new_window,
    open_parley,
    send,
    stored,
    wait_for_status,
    wait_until,
    watch_growth,
)

pytestmark = pytest.mark.browser


def test_answer_grows_in_place_and_is_kept_after_reload(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    prompt = 'Tell me a story [[tokens=240]] [[delay=8]]'
    send(page, prompt)
    expect(page.get_by_role('article', name=names.USER_MESSAGE).last).to_contain_text('Tell me a story')
    answer = answers(page).last
    expect(answer).to_have_attribute('aria-busy', 'true')
    lengths = watch_growth(answer)
    assert len(lengths) >= 4, f'expected several intermediate states, saw {lengths}'
    assert lengths == sorted(lengths), 'the answer should only grow while it streams'
    expect(answer).to_have_attribute('aria-busy', 'false')
    expect(page.get_by_role('status', name=names.ANSWER_STATUS)).to_have_text(names.STATUS_COMPLETE)
    streamed = answer.inner_text()

    conversation = conversation_id(page)
    assert stored(parley, conversation) == [('user', prompt, 'complete'),
                                             ('assistant', script_for(prompt).text, 'complete')]
    page.reload()
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    assert answer.inner_text() == streamed


def test_markdown_is_rendered(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Show me markdown [[markdown]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(answer.get_by_role('heading', name='Heading one')).to_be_visible()
    expect(answer.get_by_role('listitem')).to_have_count(3)
    expect(answer.get_by_role('table')).to_be_visible()
    expect(answer.get_by_role('cell', name='b', exact=True)).to_be_visible()
    expect(answer.locator('pre code')).to_contain_text('def greet(name):')
    expect(answer.get_by_role('button', name=names.COPY_CODE)).to_be_visible()


REFERENCES = ('See [the docs][docs] and [Docs] for more.\n\nA second paragraph, frozen before the definition '
              'comes.\n\n[docs]: https://example.com/docs "Parley docs"')


def test_a_link_defined_at_the_end_of_the_answer_is_a_link_as_streamed_and_after_a_reload(page: Page,
                                                                                            parley: ParleyApp) -> None:
    # The answer is rendered a block at a time as it streams: its first paragraph is on screen, frozen, before the
    # definition of the reference it uses arrives. Once the answer is whole, the reference is a link all the same.
    streamed_and_reloaded(page, parley, REFERENCES, shows_reference_links)


def streamed_and_reloaded(page: Page, parley: ParleyApp, text: str, shows: Callable[[Page], object]) -> None:
    """Check with `shows` an answer of `text` (echoed a token at a time) as streamed, and again after a reload,
    where it is rendered whole: both times the page's text is the same."""
    open_parley(page, parley)
    send(page, f'[[echo]] [[delay=10]] {text}')
    wait_for_status(answers(page).last, 'complete')
    shows(page)
    streamed = answers(page).last.locator('.parley-markdown').first.inner_text()
    page.reload()
    wait_for_status(answers(page).last, 'complete')
    shows(page)
    assert answers(page).last.locator('.parley-markdown').first.inner_text() == streamed


def shows_reference_links(page: Page) -> None:
    text = answers(page).last.locator('.parley-markdown').first
    expect(text.get_by_role('link', name='the docs')).to_have_attribute('href', 'https://example.com/docs')
    expect(text.get_by_role('link', name='Docs', exact=True)).to_have_attribute('title', 'Parley docs')
    expect(text).to_have_text(re.compile(r'^\s*See the docs and Docs for more\.\s*A second paragraph.*comes\.\s*$'))


FOOTNOTES = ('Parley streams answers[^1] and keeps them.[^note]\n\nA paragraph between.\n\n'
             '[^1]: Token by token.\n[^note]: In SQLite or **PostgreSQL**,\n  whichever you run.')


def test_footnotes_show_as_raised_labels_and_small_notes_as_streamed_and_after_a_reload(page: Page,
                                                                                        parley: ParleyApp) -> None:
    streamed_and_reloaded(page, parley, FOOTNOTES, shows_footnotes)


def shows_footnotes(page: Page) -> None:
    text = answers(page).last.locator('.parley-markdown').first
    expect(text.locator('sup.pm-fn-ref')).to_have_text(['1', 'note'])
    notes = text.locator('p.pm-fn-def')
    expect(notes).to_have_text([re.compile(r'^1\s*Token by token\.$'),
                                re.compile(r'^note\s*In SQLite or PostgreSQL,\s+whichever you run\.$')])
    expect(notes.last.locator('strong')).to_have_text('PostgreSQL')
    assert '[^' not in text.inner_text()


PROSE = ('It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of '
         'foolishness. The function returns a list of the values that were found in the database, sorted by their '
         'date; if nothing matches, it returns an empty list rather than None. You can configure the server with '
         'environment variables, and the defaults work for most people.')
# The characters on each line of an element's first paragraph, as laid out.
CHARACTERS_A_LINE = """(element) => {
  const text = element.querySelector('p').firstChild, range = document.createRange(), lines = [];
  let top = null;
  for (let i = 0; i < text.length; i++) {
    range.setStart(text, i); range.setEnd(text, i + 1);
    const y = Math.round(range.getBoundingClientRect().top);
    if (top === null || y > top + 2) lines.push(0);
    top = y; lines[lines.length - 1]++;
  }
  return lines;
}"""


def test_an_answer_reads_at_about_75_characters_a_line_in_16_px(page: Page, parley: ParleyApp) -> None:
    page.set_viewport_size({'width': 1600, 'height': 900})  # a wide window: the column does not grow with it
    open_parley(page, parley)
    code = 'print(' + ', '.join(f'"{word}"' for word in ('alpha', 'bravo', 'charlie', 'delta') * 2) + ')'
    assert 80 <= len(code) <= 90
    headings = '\n\n'.join(f'{"#" * level} Heading {level}' for level in range(1, 7))
    send(page, f'{PROSE}\n\n```python\n{code}\n```\n\n{headings}\n[[echo]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    sizes = answer.evaluate('(a) => [...a.querySelectorAll("h1, h2, h3, h4, h5, h6")]'
                            '.map((h) => parseFloat(getComputedStyle(h).fontSize))')
    assert sizes == sorted(sizes, reverse=True) and len(sizes) == 6, sizes  # in scale...
    body = answer.locator('p').first.evaluate('(p) => parseFloat(getComputedStyle(p).fontSize)')
    assert min(sizes) >= body, (sizes, body)  # ...and none smaller than the text under it
    lines = answer.evaluate(CHARACTERS_A_LINE)
    assert len(lines) >= 4 and max(lines[:-1]) <= 80 and min(lines[:-1]) >= 55, lines
    size = answer.locator('p').first.evaluate('(p) => parseFloat(getComputedStyle(p).fontSize)')
    assert 15 <= size <= 16
    # Code takes the column's whole width: a line of 80 characters or more shows whole, without scrolling.
    assert answer.locator('pre').evaluate('(pre) => pre.scrollWidth <= pre.clientWidth')


CODE = """Code:

```python
import os  # a comment
class Thing(Base):
    def greet(self, name: str = "x", n=42) -> None:
        return print(f"hello {name}") if True else None
```

```bash
export A=1 && echo "$A" | grep -v b
```
[[echo]]"""


def test_every_colour_of_highlighted_code_reads_at_4_5_to_1(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, CODE)
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    tokens = answer.locator('pre [class^="hljs-"]')
    expect(tokens.first).to_be_visible()
    contrasts = {(token.get_attribute('class'), token.inner_text()): token.evaluate(CONTRAST) for token in tokens.all()}
    assert any(kind == 'hljs-built_in' for kind, _ in contrasts)  # print, the lowest before
    low = {token: round(ratio, 2) for token, ratio in contrasts.items() if ratio < 4.5}
    assert not low, low


def test_a_task_list_shows_boxes_ticked_as_written(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Trip:\n\n- [ ] Pack the tent\n- [x] **Book** the ferry\n- [ ]no space, no task [[echo]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    boxes = answer.get_by_role('checkbox')
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).not_to_be_checked()
    expect(boxes.nth(1)).to_be_checked()  # an item that starts in bold too
    items = answer.get_by_role('listitem')
    expect(items).to_have_text(['Pack the tent', 'Book the ferry', '[ ]no space, no task'])
    assert items.first.evaluate('(li) => getComputedStyle(li).listStyleType') == 'none'  # the box, not a bullet too
    assert items.last.evaluate('(li) => getComputedStyle(li).listStyleType') == 'disc'


def test_reload_in_the_middle_continues_the_stream(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    prompt = 'Long one [[tokens=500]] [[delay=10]]'
    send(page, prompt)
    answer = answers(page).last
    wait_until(lambda: len(answer.inner_text()) > 300, message='some text before the reload')
    page.reload()
    answer = answers(page).last
    expect(answer).to_have_attribute('data-status', 'streaming')
    partial = len(answer.inner_text())
    assert partial > 300, 'the reloaded page should show the text written so far'
    lengths = watch_growth(answer)
    assert len(lengths) >= 3, 'the reloaded page should keep streaming'
    live = answer.inner_text()
    conversation = conversation_id(page)
    assert stored(parley, conversation)[-1] == ('assistant', script_for(prompt).text, 'complete')
    page.reload()
    wait_for_status(answers(page).last, 'complete')
    assert answers(page).last.inner_text() == live, 'no text may be missing or doubled'


def test_second_tab_shows_the_same_stream(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Two tabs [[tokens=400]] [[delay=10]]')
    conversation = conversation_id(page)
    other = new_window(page)
    open_parley(other, parley, f'/c/{conversation}')
    other_answer = answers(other).last
    expect(other_answer).to_have_attribute('data-status', 'streaming')
    lengths = watch_growth(other_answer)
    assert len(lengths) >= 3
    wait_for_status(answers(page).last, 'complete')
    assert other_answer.inner_text() == answers(page).last.inner_text()


def test_new_message_from_one_tab_appears_in_the_other(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'First message in a shared conversation')
    conversation = conversation_id(page)
    wait_for_status(answers(page).last, 'complete')
    other = new_window(page)
    open_parley(other, parley, f'/c/{conversation}')
    send(page, 'Second message, sent from the first tab [[tokens=60]] [[delay=10]]')
    expect(other.get_by_role('article', name=names.USER_MESSAGE)).to_have_count(2)
    wait_for_status(answers(other).last, 'complete')
    assert answers(other).last.inner_text() == answers(page).last.inner_text()


# The dot that ends the answer's text while it is written, as (the element it ends, its animation): a pseudo-element,
# with no node of its own.
DOTS = """(answer) => [...answer.querySelectorAll('.parley-markdown *')]
    .filter((e) => getComputedStyle(e, '::after').content === '""' && getComputedStyle(e, '::after').width !== 'auto')
    .map((e) => [e.tagName, getComputedStyle(e, '::after').animationName])"""


# Animations that run until stopped, anywhere on the page: each asks for a frame at every vsync, which a streaming
# page cannot afford (a pulsing dot cost Chromium about half as much again; bench/page_cost.py).
ENDLESS_ANIMATIONS = """() => document.getAnimations()
    .filter((a) => a.playState === 'running' && a.effect.getTiming().iterations === Infinity)
    .map((a) => a.animationName || a.constructor.name)"""


@pytest.mark.parametrize('after', [20, 40], ids=['mid-paragraph', 'at-its-end'])
def test_a_dot_ends_the_text_while_the_answer_is_written_and_pulses_in_a_pause(page: Page, parley: ParleyApp,
                                                                               after: int) -> None:
    # A pause (a slow server, a model thinking) reads as "still writing", as in ChatGPT and Claude. While text
    # arrives the dot stays still: the moving text says as much, and an animation costs the page a frame at every
    # vsync. The 40th token ends a paragraph: the paragraph stays open (in the renderer's tail) until the next block
    # starts, so the dot ends its line there too.
    open_parley(page, parley)
    send(page, f'Keep me posted [[tokens=60]] [[delay=50]] [[stall=2]] [[after={after}]]')
    answer = answers(page).last
    expect(answer).to_contain_text('alpha bravo')
    wait_until(lambda: answer.evaluate(DOTS) == [['P', 'none']], message='a still dot while the text arrives')
    assert page.evaluate(ENDLESS_ANIMATIONS) == []
    wait_until(lambda: answer.evaluate(DOTS) == [['P', 'parley-pulse']], message='the dot pulsing in the pause')
    wait_for_status(answer, 'complete')
    assert answer.evaluate(DOTS) == []


def test_the_dot_stays_still_in_a_pause_for_a_reader_who_asked_for_less_motion(browser: Browser,
                                                                               parley: ParleyApp) -> None:
    context = browser.new_context(reduced_motion='reduce')
    try:
        page = context.new_page()
        open_parley(page, parley)
        send(page, 'Keep me posted [[tokens=60]] [[stall=4]] [[after=20]]')
        answer = answers(page).last
        expect(answer).to_contain_text('alpha bravo')
        page.wait_for_timeout(500)  # the 20 tokens before the pause, sent at once, are on screen
        text = answer.inner_text()
        page.wait_for_timeout(1500)  # well into the pause, when the dot would pulse
        assert answer.inner_text() == text, 'the answer should be paused'
        assert answer.evaluate(DOTS) == [['P', 'none']]
    finally:
        context.close()


def test_stop_keeps_the_partial_answer(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    prompt = 'Stop me [[tokens=2000]] [[delay=10]]'
    send(page, prompt)
    answer = answers(page).last
    wait_until(lambda: len(answer.inner_text()) > 100, message='some text')
    page.get_by_role('button', name=names.STOP).click()
    wait_for_status(answer, 'stopped')
    expect(page.get_by_role('button', name=names.SEND)).to_be_visible()
    expect(answer.get_by_role('button', name=names.RETRY)).to_be_visible()
    shown = answer.inner_text()
    _, content, status = stored(parley, conversation_id(page))[-1]
    assert status == 'stopped' and content and script_for(prompt).text.startswith(content)
    assert len(content) < len(script_for(prompt).text)
    page.reload()
    wait_for_status(answers(page).last, 'stopped')
    assert answers(page).last.inner_text().startswith(shown.split('Stopped.')[0].strip()[:50])


def test_provider_error_is_shown_and_retry_answers(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Please answer [[flaky]] [[status=401]]')
    answer = answers(page).last
    wait_for_status(answer, 'error')
    expect(answer.get_by_role('alert')).to_contain_text('The API key was refused')
    expect(answer.get_by_role('alert')).to_contain_text('OPENAI_API_KEY')
    answer.get_by_role('button', name=names.RETRY).click()
    wait_for_status(answer, 'complete')
    expect(answer).to_contain_text('Hello! You said: Please answer')
    assert stored(parley, conversation_id(page))[-1][2] == 'complete'


def test_error_in_the_middle_keeps_the_partial_answer(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Break halfway [[tokens=50]] [[fail=drop]] [[after=20]]')
    answer = answers(page).last
    wait_for_status(answer, 'error')
    expect(answer.get_by_role('alert')).to_be_visible()
    expect(answer).to_contain_text('alpha bravo')
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_enabled()
    # Why it failed on a line of its own, then what can be done with it in one row: copy what came, Retry
    why, copy, retry = (locator.bounding_box() for locator in (
        answer.get_by_role('alert'), answer.get_by_role('button', name=names.COPY_ANSWER),
        answer.get_by_role('button', name=names.RETRY)))
    assert why and copy and retry
    assert why['y'] + why['height'] <= min(copy['y'], retry['y']) and copy['x'] < retry['x']
    assert abs((copy['y'] + copy['height'] / 2) - (retry['y'] + retry['height'] / 2)) < 4


def test_transient_error_shows_the_retry_countdown_then_answers(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Busy right now [[flaky]] [[retry-after=2]]')
    answer = answers(page).last
    expect(answer.get_by_text(re.compile(r'overloaded.*Retrying in \d+ s'))).to_be_visible()
    wait_for_status(answer, 'complete')
    expect(answer).to_contain_text('Hello! You said: Busy right now')
    expect(answer.get_by_text('Retrying in')).to_be_hidden()


def test_the_tab_names_the_conversation_and_follows_a_rename(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    expect(page).to_have_title('Parley')
    send(page, 'Packing list for a week in Lisbon [[tokens=5]]')
    expect(page).to_have_title('Packing list for a week in Lisbon [[tokens=5]] · Parley')  # a new chat, once it is one
    wait_for_status(answers(page).last, 'complete')
    page.reload()
    expect(page).to_have_title('Packing list for a week in Lisbon [[tokens=5]] · Parley')

    chat = conversation_id(page)
    other = new_window(page)  # the same conversation in a second window
    open_parley(other, parley, f'/c/{chat}')
    # By address: the shared app's list holds earlier tests' chats too
    entry = page.get_by_role('navigation', name=names.CONVERSATIONS).locator(f'.parley-entry:has(a[href$="/c/{chat}"])')
    entry.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.RENAME).click()
    page.get_by_role('textbox', name=names.TITLE).fill('Lisbon in May')
    page.get_by_role('button', name=names.SAVE).click()
    expect(page).to_have_title('Lisbon in May · Parley')  # renamed while open, in every tab that shows it
    expect(other).to_have_title('Lisbon in May · Parley')


def test_a_finished_answer_copies_as_markdown(page: Page, parley: ParleyApp) -> None:
    page.context.grant_permissions(['clipboard-read', 'clipboard-write'])
    open_parley(page, parley)
    send(page, 'Refuse me [[status=401]]')
    failed = answers(page).last
    wait_for_status(failed, 'error')
    expect(failed.get_by_role('button', name=names.RETRY)).to_be_visible()
    expect(failed.locator('.parley-copy-answer')).to_have_count(1)  # made, and
    expect(failed.get_by_role('button', name=names.COPY_ANSWER)).to_be_hidden()  # hidden: nothing to copy

    prompt = 'Show me markdown [[markdown]] [[delay=40]]'
    send(page, prompt)
    answer = answers(page).last
    copy = answer.get_by_role('button', name=names.COPY_ANSWER)
    expect(answer).to_have_attribute('aria-busy', 'true')
    expect(answer.locator('.parley-copy-answer')).to_have_count(1)
    expect(copy).to_be_hidden()  # half an answer is not offered
    wait_for_status(answer, 'complete')
    copy.click()
    clipboard = lambda: page.evaluate('navigator.clipboard.readText()')  # noqa: E731
    wait_until(lambda: clipboard() == script_for(prompt).text, message='the markdown source on the clipboard')

    page.evaluate('navigator.clipboard.writeText("")')
    page.reload()
    answers(page).last.get_by_role('button', name=names.COPY_ANSWER).click()
    wait_until(lambda: clipboard() == script_for(prompt).text, message='the same after a reload')
