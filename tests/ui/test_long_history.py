"""Long histories: a conversation opens at its newest messages; older ones load above without moving the view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from bench.seed import answer_text
from storage.database import create_db_engine
from storage.repository import Repository
from tests.fakes.server import FakeServer
from ui import names

from .conftest import ParleyApp, start_parley
from .helpers import open_parley, wait_until

pytestmark = pytest.mark.browser

COUNT = 130


@pytest.fixture(scope='module')
def long_conversation(parley: ParleyApp) -> str:
    repo = Repository(create_db_engine(f'sqlite:///{parley.data_dir / "parley.db"}'))
    conversation = repo.create_conversation(title='A long history', provider='openai', model='gpt-4o-mini')
    for i in range(COUNT):
        role = 'user' if i % 2 == 0 else 'assistant'
        text = f'Message number {i}.' if role == 'user' else f'## Answer {i}\n\nSome text for answer {i}.\n\n- a\n- b\n'
        repo.add_message(conversation.id, role=role, content=text)
    return conversation.id


def scroll_to_the_first_message(page: Page) -> None:
    """Wheel upwards until the conversation's first message has loaded; then every message is in the page."""
    articles = page.get_by_role('article')
    for _ in range(40):
        if articles.first.inner_text().startswith('Message number 0.'):
            break
        page.mouse.wheel(0, -3000)
        page.wait_for_timeout(100)
    expect(articles.first).to_have_text('Message number 0.')
    expect(articles).to_have_count(COUNT)


def test_opens_at_the_newest_and_loads_older_without_moving(page: Page, parley: ParleyApp,
                                                            long_conversation: str) -> None:
    open_parley(page, parley, f'/c/{long_conversation}')
    articles = page.get_by_role('article')
    expect(articles.last).to_contain_text(f'Answer {COUNT - 1}')
    assert articles.count() < COUNT, 'only the newest page is built on opening'
    wait_until(lambda: page.evaluate('document.scrollingElement.scrollHeight - document.scrollingElement.scrollTop'
                                     ' - window.innerHeight') <= 2, message='the view to open at the bottom')
    shown = articles.count()

    page.mouse.move(600, 400)
    page.mouse.wheel(0, -300)  # the reader lets go of the bottom...
    wait_until(lambda: not page.evaluate('window.parleyScroll.isPinned()'), message='the wheel to detach')
    # ...and drags the scrollbar to the top; in the same task, note where the oldest shown message is on screen
    before = page.evaluate("""() => {
        window.scrollTo(0, 0);
        return document.querySelector('[role=article]').getBoundingClientRect().top;
    }""")
    wait_until(lambda: articles.count() > shown, message='older messages to load')
    page.wait_for_timeout(300)  # let the inserted messages render and any late layout settle
    oldest_before = page.get_by_role('article').nth(articles.count() - shown)
    expect(oldest_before).to_contain_text(f'Message number {COUNT - shown}.')
    after = oldest_before.evaluate('node => node.getBoundingClientRect().top')
    assert abs(after - before) <= 2, f'loading older messages moved the view ({before} -> {after})'

    scroll_to_the_first_message(page)
    expect(page.get_by_role('button', name=names.JUMP_TO_LATEST)).to_be_visible()


# Notes, at the first animation frame after the page's app mounted, which answers already show their text.
FIRST_FRAME = """
window.__firstFrame = null;
const watcher = new MutationObserver(() => {
  if (!document.querySelector('[role=log] [role=article]')) return;
  watcher.disconnect();
  requestAnimationFrame(() => {
    window.__firstFrame = [...document.querySelectorAll('article[aria-label="Assistant message"] .pm-frozen')]
      .map((frozen) => frozen.childElementCount > 0);
  });
});
watcher.observe(document, { childList: true, subtree: true });
"""


def test_opening_renders_the_newest_answers_first(page: Page, parley: ParleyApp) -> None:
    repo = Repository(create_db_engine(f'sqlite:///{parley.data_dir / "parley.db"}'))
    conversation = repo.create_conversation(title='Long answers', provider='openai', model='gpt-4o-mini')
    for i in range(60):
        repo.add_message(conversation.id, role='user', content=f'Question {i}')
        repo.add_message(conversation.id, role='assistant', content=answer_text(i, 8000))
    page.add_init_script(FIRST_FRAME)
    open_parley(page, parley, f'/c/{conversation.id}')
    wait_until(lambda: page.evaluate('window.__firstFrame') is not None, message='the first frame after mounting')
    shown = page.evaluate('window.__firstFrame')
    assert shown[-1], 'the newest answer is rendered by the first frame'
    assert not all(shown), 'answers far above the view wait: the first frame does not wait for all of them'
    # whatever was not rendered yet is older than everything that was: the reader's end of the page comes first
    assert shown == sorted(shown), f'an older answer was rendered before a newer one: {shown}'
    answers = page.get_by_role('article', name=names.ASSISTANT_MESSAGE)
    expect(answers.first).to_contain_text(f'Step {60 - len(shown)} takes the output')
    expect(answers.last).to_contain_text('Step 59 takes the output')
    wait_until(lambda: page.evaluate('document.scrollingElement.scrollHeight - document.scrollingElement.scrollTop'
                                     ' - window.innerHeight') <= 2, message='the view to stay at the bottom')


def test_a_page_following_the_bottom_sheds_messages_far_above(page: Page, parley: ParleyApp,
                                                             long_conversation: str) -> None:
    open_parley(page, parley, f'/c/{long_conversation}')
    articles = page.get_by_role('article')
    expect(articles.last).to_contain_text(f'Answer {COUNT - 1}')
    page.mouse.move(600, 400)
    for _ in range(40):  # the reader scrolls up until more than 60 messages are in the page...
        if articles.count() > 60:
            break
        page.mouse.wheel(0, -3000)
        page.wait_for_timeout(100)
    assert articles.count() > 60
    page.get_by_role('button', name=names.JUMP_TO_LATEST).click()  # ...and goes back to the newest, following it
    # the messages far above are dropped (they would keep a chat left open all day growing), those near stay
    wait_until(lambda: articles.count() <= 60, message='the page to shed the oldest messages')
    expect(articles.last).to_contain_text(f'Answer {COUNT - 1}')
    assert page.evaluate('window.parleyScroll.isPinned()')
    wait_until(lambda: page.evaluate('document.scrollingElement.scrollHeight - document.scrollingElement.scrollTop'
                                     ' - window.innerHeight') <= 2, message='the view to stay at the bottom')
    kept = articles.count()
    page.wait_for_timeout(1500)
    assert articles.count() == kept, 'nothing reloads by itself: what was dropped stays out of reach'
    first_kept = articles.first.inner_text()
    scroll_to_the_first_message(page)  # the dropped messages come back from storage as the reader scrolls up
    assert page.get_by_role('article').filter(has_text=first_kept).count() >= 1


# From now on, the fewest entries the list has had at any moment.
FEWEST_LINKS = '''(nav) => {
  window.fewestLinks = nav.querySelectorAll('a').length;
  new MutationObserver(() => {
    window.fewestLinks = Math.min(window.fewestLinks, nav.querySelectorAll('a').length);
  }).observe(nav, { subtree: true, childList: true });
}'''


def scroll_to_the_end(page: Page, nav: Locator, last: str) -> None:
    nav.hover()
    for _ in range(60):
        if nav.get_by_role('link', name=last).count():
            break
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(100)
    expect(nav.get_by_role('link', name=last)).to_have_count(1)


def test_sidebar_loads_more_conversations_as_it_scrolls(page: Page, parley: ParleyApp) -> None:
    repo = Repository(create_db_engine(f'sqlite:///{parley.data_dir / "parley.db"}'))
    for i in range(150):
        repo.create_conversation(title=f'Bulk conversation {i:03d}', provider='openai', model='gpt-4o-mini')
    open_parley(page, parley)
    nav = page.get_by_role('navigation', name=names.CONVERSATIONS)
    links = nav.get_by_role('link')
    expect(links.first).to_have_text('Bulk conversation 149')
    first_page = links.count()
    assert first_page < 150, 'the sidebar builds one page of entries, not the whole history'
    scroll_to_the_end(page, nav, 'Bulk conversation 000')
    # By address, not title: earlier tests in the session may have left two conversations with the same title.
    hrefs = links.evaluate_all('links => links.map(link => link.getAttribute("href"))')
    assert len(hrefs) == len(set(hrefs)), 'no entry may appear twice'
    # Far down a long list, New chat and Search stay at hand (in ChatGPT and Claude they do too).
    expect(page.get_by_role('button', name=names.NEW_CHAT)).to_be_in_viewport()
    expect(page.get_by_role('button', name=names.SEARCH)).to_be_in_viewport()


def test_renaming_a_chat_far_down_the_list_keeps_it_and_the_older_ones_in_place(page: Page, fake_server: FakeServer,
                                                                               tmp_path) -> None:
    parley = start_parley(fake_server, tmp_path / 'parley')  # its own: the list is exactly these hundred
    try:
        repo = Repository(create_db_engine(f'sqlite:///{parley.data_dir / "parley.db"}'))
        for i in range(100):
            repo.create_conversation(title=f'Old chat {i:03d}', provider='openai', model='gpt-4o-mini')
        open_parley(page, parley)
        nav = page.get_by_role('navigation', name=names.CONVERSATIONS)
        scroll_to_the_end(page, nav, 'Old chat 000')
        row = nav.locator('.parley-entry', has=page.get_by_role('link', name='Old chat 005'))
        row.get_by_role('button', name=names.CONVERSATION_MENU).click()
        page.get_by_role('button', name=names.RENAME).click()
        page.get_by_role('textbox', name=names.TITLE).fill('Renamed far down')
        nav.evaluate(FEWEST_LINKS)
        page.get_by_role('button', name=names.SAVE).click()
        # The list is read anew after a rename: as far as the reader had scrolled, not its first page only (which
        # then grew back as its end came into view again, the entries jumping under the pointer).
        expect(nav.get_by_role('link', name='Renamed far down')).to_be_in_viewport()
        page.wait_for_timeout(500)
        assert nav.evaluate('() => window.fewestLinks') == 100
        expect(nav.get_by_role('link', name='Old chat 000')).to_have_count(1)
    finally:
        parley.stop()
