"""The XSS corpus (tests/ui/xss_vectors.py), sent as user messages and echoed back as answers, runs nothing.

The first test turns the Content-Security-Policy off (Playwright's bypass_csp), so the sanitiser in
assets/markdown_renderer.js has to hold on its own; the second keeps the policy on and checks the page never even
tries anything it would block. A vector that ran would set `window.__xss`, open a dialog, load a URL from the sink
(a local server that records every hit), open a page or send a request away from the app.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PAGE_TIMEOUT_MS
from ui import names

from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status, wait_until
from .xss_vectors import Vector, batches, corpus, message

pytestmark = pytest.mark.browser

QUIET_MS = 500
BATCH = 16  # vectors per message: few sends, yet each answer stays small enough to check quickly

# Links that would really navigate are stopped in the capture phase, after the check that they are safe, so a
# click still runs any handler on the element and a javascript: link would still run.
GUARD_NAVIGATION = '''
document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a[href]');
  if (link && ['http:', 'https:', 'mailto:'].includes(link.protocol)) event.preventDefault();
}, true);
'''

# Every event a handler could hang on, fired at every element of every message.
FIRE_EVENTS = '''() => {
  const names = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'click', 'dblclick', 'contextmenu',
    'pointerover', 'pointerenter', 'pointerdown', 'pointerup', 'focus', 'focusin', 'blur', 'keydown', 'input',
    'toggle', 'load', 'error', 'animationstart', 'begin', 'start'];
  const targets = document.querySelectorAll('[role=article] *');
  for (const element of targets) {
    // Those clicks are the reader's choice: to load an image, to have the answer written again, to edit a question.
    if (element.closest('.pm-load-image, .parley-regenerate, .parley-edit-message')) continue;
    for (const name of names) element.dispatchEvent(new MouseEvent(name, { bubbles: true, cancelable: true }));
  }
  return targets.length;
}'''

CENTER = 'element => element.scrollIntoView({block: "center", behavior: "instant"})'  # clear of header and composer

# What a sanitised answer may never contain (Parley's own controls aside: the copy buttons, Regenerate, Load image).
ACTIONS = 'article > .parley-message-footer > :is(.parley-copy-answer, .parley-regenerate)'  # there, and only there
# A formula KaTeX drew (.pm-math-drawn, assets/markdown_math.js) holds MathML, SVG paths and style attributes that
# KaTeX's layout code wrote from TeX text: exempt from the tag and style checks, never from the rest.
DRAWN = '.pm-math-drawn'
FORBIDDEN = (f'script, iframe, frame, object, embed, svg:not({ACTIONS} > svg):not({DRAWN} svg), '
             f'math:not({DRAWN} .katex-mathml > math), form, input, textarea, '
             'select, base, meta, link, style, video, audio, source, img, template, noscript, marquee, '
             f'button:not(.pm-copy):not(.pm-load-image):not({ACTIONS})')
BAD_ATTRIBUTES = '''(root) => [...root.querySelectorAll('*')].flatMap((element) => [...element.attributes]
  .filter((a) => /^on|^src|^action$|^formaction$|^xlink:|^srcdoc$|^background$/i.test(a.name)
                 || (a.name === 'style'
                     && (!element.closest('.pm-math-drawn') || /url|expression|position/i.test(a.value)))
                 || (a.name === 'href' && element.tagName !== 'A'))
  .map((a) => `${element.tagName} ${a.name}=${a.value}`))'''
LINKS = '''(root) => [...root.querySelectorAll('a')].map((a) => ({
  href: a.getAttribute('href'), protocol: a.href ? a.protocol : null,
  target: a.getAttribute('target'), rel: a.getAttribute('rel')}))'''


@dataclass
class Sink:
    """A local server that records every request: anything the corpus manages to load shows up in `hits`."""

    url: str
    hits: list[str] = field(default_factory=list)


@pytest.fixture(scope='module')
def sink() -> Iterator[Sink]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.end_headers()
            self.wfile.write(b'recorded')

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Sink(f'http://127.0.0.1:{server.server_port}', hits)
    server.shutdown()
    server.server_close()


@dataclass
class Watch:
    """Everything a vector could do that a person would not have asked for."""

    dialogs: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)


def watch(page: Page, app: ParleyApp) -> Watch:
    seen = Watch()
    page.on('dialog', lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    page.on('request', lambda request: request.url.startswith(app.url + '/')
            or seen.foreign_requests.append(request.url))
    page.context.on('page', lambda popup: seen.popups.append(popup.url))
    page.add_init_script(GUARD_NAVIGATION)
    return seen


def assert_nothing_happened(page: Page, seen: Watch, sink: Sink) -> None:
    # Proving a negative needs a window: anything that slipped through gets half a second to run or load.
    # (Not networkidle: socket.io may long-poll on a busy machine, and then the network is never idle.)
    page.wait_for_timeout(QUIET_MS)
    assert page.evaluate('window.__xss') is None
    assert seen.dialogs == []
    assert seen.foreign_requests == []
    assert seen.popups == []
    assert sink.hits == []


def assert_rendered_inert(page: Page, vectors: list[Vector]) -> None:
    """Answers hold only sanitised markup; user messages hold only text."""
    # The TeX vectors' formulas are drawn by then (KaTeX loaded), so its output is what gets checked, not TeX as code.
    expect(page.locator('article code.pm-math')).to_have_count(0)
    assert page.locator(f'article {DRAWN}').count() >= 8
    for answer in answers(page).all():
        # The browser's own selector engine: the exemption's `article > ...` reaches past the answer it starts from
        assert answer.evaluate('(article, forbidden) => article.querySelectorAll(forbidden).length', FORBIDDEN) == 0
        assert answer.evaluate(BAD_ATTRIBUTES) == []
        for link in answer.evaluate(LINKS):
            if link['href'] is None:
                continue  # an unsafe href was removed; the text stays
            assert link['protocol'] in {'http:', 'https:', 'mailto:'}, link
            assert link['target'] == '_blank', link
            assert link['rel'] == 'noopener noreferrer', link
    for text in page.locator('.parley-user-text').all():
        assert text.evaluate('element => element.childElementCount') == 0
    shown = '\n'.join(page.locator('.parley-user-text').all_text_contents())
    for vector in vectors:
        assert vector.text.splitlines()[0].strip() in shown, vector  # the user sees what they sent, as text


def interact(page: Page) -> None:
    """Fire every event at every element, then hover every block and click every link as a person would."""
    assert page.evaluate(FIRE_EVENTS) > 0
    for answer in answers(page).all():
        for block in answer.locator('.pm-frozen > *, .pm-tail > *').all():
            block.evaluate(CENTER)
            block.hover()
        # Not "Load image" (nor a link around one): that click is the reader's choice to load.
        for control in answer.locator('a:not(:has(.pm-load-image)), .pm-copy, .parley-copy-answer').all():
            control.evaluate(CENTER)
            control.click()


def test_corpus_runs_nothing_without_the_policy(browser: Browser, parley: ParleyApp, sink: Sink) -> None:
    vectors = corpus(sink.url)
    assert len(vectors) >= 60
    context = browser.new_context(viewport={'width': 1200, 'height': 800}, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        seen = watch(page, parley)
        open_parley(page, parley)
        groups = batches(vectors, BATCH)
        for number, group in enumerate(groups):
            send(page, '[[echo]] ' + message(group))
            wait_for_status(answers(page).nth(number), 'complete')
        expect(answers(page)).to_have_count(len(groups))
        mermaid = page.locator('code.language-mermaid')
        expect(mermaid).to_contain_text('graph TD')  # a mermaid fence is just code
        assert_rendered_inert(page, vectors)
        interact(page)
        assert_nothing_happened(page, seen, sink)

        page.reload()  # finished answers render again from the page itself, not from the stream
        expect(answers(page)).to_have_count(len(groups))
        for answer in answers(page).all():
            expect(answer).to_have_attribute('data-status', 'complete')
        assert_rendered_inert(page, vectors)
        interact(page)
        assert_nothing_happened(page, seen, sink)

        # The detector works: the one load a reader asks for reaches the sink, and only that one. The sink is
        # http:, which the policy never lets an image load from: its images are links, opened in a new tab.
        link = page.get_by_role('link', name=f'Open image from {sink.url.split("://", 1)[1]} in a new tab').first
        source = link.get_attribute('href')
        assert source and source.startswith(sink.url)
        assert link.get_attribute('rel') == 'noopener noreferrer'
        context.new_page().goto(source)  # what the click does (GUARD_NAVIGATION keeps this page from following)
        wait_until(lambda: sink.hits, message='the requested image to reach the sink')
        page.wait_for_timeout(QUIET_MS)
        assert [hit for hit in sink.hits if hit != '/favicon.ico'] == [source.removeprefix(sink.url)]  # the tab's icon
        sink.hits.clear()
    finally:
        context.close()


def test_corpus_under_the_policy_never_trips_it(page: Page, parley: ParleyApp, sink: Sink) -> None:
    vectors = corpus(sink.url)
    page.add_init_script('''window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));''')
    seen = watch(page, parley)
    open_parley(page, parley)
    send(page, '[[echo]] ' + message(vectors))  # everything at once, streamed in four-character tokens
    wait_for_status(answers(page).last, 'complete', timeout=30_000)
    expect(page.get_by_role('article', name=names.USER_MESSAGE).last).to_contain_text('<script>')
    page.reload()
    wait_for_status(answers(page).last, 'complete')
    assert page.evaluate(FIRE_EVENTS) > 0
    assert_nothing_happened(page, seen, sink)
    assert page.evaluate('window.__violations') == []


def test_corpus_is_live(browser: Browser, parley: ParleyApp, sink: Sink) -> None:
    """The detectors see the corpus when nothing sanitises it: raw vectors put into the page do fire."""
    # Those that would take the whole page elsewhere (refresh, submit, base) stay out: the page must stay to count.
    vectors = [vector for vector in corpus(sink.url) if not any(
        away in vector.text for away in ('http-equiv', '<form', '<base', '<isindex'))]
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        seen = watch(page, parley)
        page.add_init_script('''window.__fired = [];
          Object.defineProperty(window, '__xss', { set: (v) => window.__fired.push(v), get: () => undefined });''')
        open_parley(page, parley)
        page.evaluate('''(texts) => {
          const box = document.createElement('div');
          box.setAttribute('role', 'article');
          document.body.append(box);
          for (const text of texts) box.insertAdjacentHTML('beforeend', text);
        }''', [vector.text for vector in vectors])
        page.evaluate(FIRE_EVENTS)
        page.wait_for_timeout(QUIET_MS)
        fired = set(page.evaluate('window.__fired')) | {f'v{text}' for text in seen.dialogs}
        fired |= {hit.removeprefix('/').split('.')[0] for hit in sink.hits}
        assert len(fired) >= 15, sorted(fired)
    finally:
        context.close()
        sink.hits.clear()
