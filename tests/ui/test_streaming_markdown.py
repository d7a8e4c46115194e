"""StreamingMarkdown in a real browser: what a person sees while an answer streams, and that hostile output is inert.

The page under test is tests/ui/markdown_harness.py, started as its own process on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.ui.markdown_harness import ANSWER, CODE, PIXEL, SHORTER, TWO_WAYS, running_harness
from ui.streaming_markdown import utf16_length

pytestmark = pytest.mark.browser

STREAM = '[data-testid=stream]'

# Records what the reader sees change, and every change inside the frozen part other than appended blocks.
RECORDER = '''() => {
  const root = document.querySelector('[data-testid=stream]');
  const frozen = root.querySelector('.pm-frozen');
  window.lengths = [];
  window.frozenChanges = [];
  window.frozenAdded = [];
  new MutationObserver(() => {
    const length = root.textContent.length;
    if (window.lengths.at(-1) !== length) window.lengths.push(length);
  }).observe(root, { subtree: true, childList: true, characterData: true });
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'childList' && r.target === frozen && r.removedNodes.length === 0) {
        window.frozenAdded.push(...r.addedNodes);
      } else {
        window.frozenChanges.push(`${r.type} on ${r.target.nodeName}`);
      }
    }
  }).observe(frozen, { subtree: true, childList: true, characterData: true, attributes: true });
}'''

OPEN_FENCE_SHOWN_PLAIN = '''() => {
  const code = document.querySelector('[data-testid=stream] .pm-tail pre code');
  return code !== null && code.textContent.includes('def greet') && code.querySelector('span') === null;
}'''

FENCE_HIGHLIGHTED = '''() => {
  const code = document.querySelector('[data-testid=stream] pre code');
  return code !== null && code.querySelector('.hljs-keyword') !== null;
}'''

# Block boundaries that are easy to get wrong: loose lists, fences with blank lines (in list items, with longer
# closing runs, nested in a longer fence), indented continuations, setext headings.
TRICKY = """Intro paragraph
continues lazily.

1. Step one:

   ```bash
   echo one

   echo two
   ```

2. Step two
   with continuation.

- a
- b

    indented continuation

~~~
tilde fence

~~~~

````md
```js
inner
```

still inside
````

Setext
======

| a | b |
|---|---|
| 1 | 2 |

Last `line` with **bold
"""


@pytest.fixture(scope='module')
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_harness(tmp_path_factory.mktemp('markdown_harness')) as url:
        yield url


def open_stream(page: Page, harness: str) -> tuple[Locator, Locator]:
    page.goto(harness + '/')
    reference = page.get_by_test_id('reference')
    expect(reference.get_by_role('heading', name='Streaming answer')).to_be_visible()
    page.wait_for_function(f'document.querySelector("{STREAM}")?.parleyRenderer !== undefined')
    # The page sends its first delta as it is built; that call arrives once the socket is up, which can be after
    # the element has mounted. A test that resets the renderer itself must not have it land in its own text
    # (seen in CI: "A paragraph" + "answ", the rest of "# Streaming answ").
    page.wait_for_function(f'document.querySelector("{STREAM}").parleyRenderer.stats.appends > 0')
    return page.get_by_test_id('stream'), reference


def wait_until_streamed(page: Page) -> None:
    expect(page.get_by_text(f'Sent {len(ANSWER)} of {len(ANSWER)}')).to_be_visible()
    page.wait_for_function(f'document.querySelector("{STREAM}").parleyRenderer.length === {utf16_length(ANSWER)}')


def finish(page: Page) -> None:
    page.get_by_role('button', name='Finish').click()
    page.wait_for_function(f'''() => {{
      const r = document.querySelector("{STREAM}").parleyRenderer;
      return r.finished && r.frozenEnd === r.length && r.tail.childNodes.length === 0;
    }}''')


def test_answer_grows_freezes_finished_blocks_and_ends_as_rendered_at_once(page: Page, harness: str) -> None:
    page.context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=harness)
    stream, reference = open_stream(page, harness)
    page.evaluate(RECORDER)
    page.get_by_role('button', name='Start').click()

    # The first finished block is written once; mark it and expect to find the same node at the end.
    page.wait_for_function(f'document.querySelector("{STREAM} .pm-frozen h1") !== null')
    page.evaluate(f'document.querySelector("{STREAM} .pm-frozen h1").parleyMark = "kept"')

    # While its fence is open, code is plain text in the tail; once the fence closes it is highlighted.
    page.wait_for_function(OPEN_FENCE_SHOWN_PLAIN, polling='raf')
    page.wait_for_function(FENCE_HIGHLIGHTED)
    wait_until_streamed(page)
    finish(page)

    headings = stream.get_by_role('heading')
    expect(headings).to_have_text(['Streaming answer', 'A list', 'A table', 'Code'])
    expect(stream.get_by_role('listitem')).to_have_text(
        ['First item', 'Second item with code Nested item', 'Nested item', 'Third item', 'One', 'Two', 'Three'])
    expect(stream.get_by_role('columnheader')).to_have_text(['Language', 'Typing', 'Speed'])
    expect(stream.get_by_role('cell')).to_have_text(['Python', 'dynamic', 'medium', 'Rust', 'static', 'fast'])
    expect(stream.get_by_role('link', name='link')).to_have_attribute('rel', 'noopener noreferrer')
    expect(stream.locator('.pm-code-header')).to_have_text('pythonCopy')
    assert stream.locator('pre code').text_content() == CODE
    expect(stream.locator('pre code .hljs-keyword').first).to_have_text('import')
    expect(stream.locator('blockquote')).to_have_text('A blockquote closes the answer, over two lines.')
    expect(page.get_by_text('Resyncs: 0')).to_be_visible()  # UTF-16 offsets held across the emoji

    lengths = page.evaluate('window.lengths')
    final = page.evaluate(f'document.querySelector("{STREAM}").textContent.length')
    assert len({length for length in lengths if length < final}) >= 10, lengths
    assert lengths[-1] == final

    assert page.evaluate('window.frozenChanges') == []
    assert page.evaluate(f'''() => {{
      const frozen = document.querySelector("{STREAM} .pm-frozen");
      const added = window.frozenAdded;
      return added.length > 10 && added.every((node) => node.parentNode === frozen)
        && frozen.childNodes.length === added.length && frozen.querySelector('h1').parleyMark === 'kept';
    }}''')
    assert stream.inner_html() == reference.inner_html()

    copy = stream.get_by_role('button', name='Copy code')
    copy.click()
    expect(copy).to_have_text('Copied')
    assert page.evaluate('navigator.clipboard.readText()') == CODE


def test_replays_overlaps_and_gaps_end_on_the_same_text(page: Page, harness: str) -> None:
    stream, reference = open_stream(page, harness)
    renderer = f'document.querySelector("{STREAM}").parleyRenderer'
    page.get_by_role('button', name='Start').click()
    page.wait_for_function(f'{renderer}.length > 100')
    page.get_by_role('button', name='Overlap next delta').click()
    page.wait_for_function(f'{renderer}.length > 250')
    page.get_by_role('button', name='Lose next delta').click()
    expect(page.get_by_text('Resyncs: 1')).to_be_visible()
    wait_until_streamed(page)
    finish(page)
    assert page.evaluate(f'{renderer}.stats.gaps') >= 1
    assert stream.inner_html() == reference.inner_html()

    page.evaluate(RECORDER)
    before = page.evaluate(f'{renderer}.stats.replays')
    page.get_by_role('button', name='Replay last delta').click()
    page.wait_for_function(f'{renderer}.stats.replays > {before}')
    page.evaluate('() => new Promise(requestAnimationFrame)')
    assert page.evaluate('window.lengths') == []
    assert page.evaluate('window.frozenChanges') == []
    assert stream.inner_html() == reference.inner_html()
    expect(page.get_by_text('Resyncs: 1')).to_be_visible()


def test_hostile_output_runs_nothing_and_loads_nothing(page: Page, harness: str) -> None:
    dialogs: list[str] = []
    page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests: list[str] = []
    page.on('request', lambda request: requests.append(request.url))
    page.goto(harness + '/hostile')

    for testid in ('hostile', 'hostile-stream'):
        answer = page.get_by_test_id(testid)
        # Shown as text a person can read, not as markup.
        expect(answer.get_by_text("<script>window.__pwned = 'script'")).to_be_visible()
        expect(answer.get_by_text('<img src="x" onerror=')).to_be_visible()
        expect(answer.get_by_text('[a javascript link](javascript:')).to_be_visible()
        expect(answer.get_by_role('button', name='Load image from images.example.invalid')).to_be_visible()
        expect(answer.get_by_text('inline data')).to_be_visible()
        assert answer.locator('script, iframe, svg, object, embed, form, input, img, [style], [onerror], [onload]'
                              ).count() == 0
        hrefs = answer.locator('a').evaluate_all('links => links.map((a) => a.getAttribute("href"))')
        assert hrefs == ['https://evil.example/', 'https://example.com/', f'{harness}/pixel.png']  # the http: image
        expect(answer.get_by_role('link', name='normal link')).to_have_attribute('target', '_blank')

    page.wait_for_load_state('networkidle')
    assert page.evaluate('window.__pwned') is None
    assert dialogs == []
    assert not [url for url in requests if 'pixel.png' in url or 'example' in url]

    # Second layer: even raw HTML (which markdown-it never emits with html: false) is sanitised.
    html = page.evaluate('''async () => {
      const { sanitizeToFragment } = await import('markdown_renderer');
      const box = document.createElement('div');
      box.append(sanitizeToFragment(`<img src="x" onerror="window.__pwned = 1"><script>window.__pwned = 2</script>
        <a href="javascript:window.__pwned = 3">js</a><a href="data:text/html,x">data</a>
        <svg onload="window.__pwned = 4"></svg><iframe src="https://example.com/"></iframe>
        <form><input name="x"></form><p style="color: red">styled</p>`));
      return box.innerHTML;
    }''')
    for banned in ('onerror', 'script', 'javascript:', 'data:', 'svg', 'iframe', 'form', 'input', 'style=', ' src='):
        assert banned not in html, (banned, html)


# markdown-it output of plain prose (which skips DOMPurify) next to markup that must go through it.
FRAGMENT_CASES = [
    '<p>Plain words, &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</p>\n',
    '<h2>A heading</h2>\n<p>Some <em>emphasis</em>, <strong>bold</strong>, <s>gone</s> and <code>a &lt;b&gt;</code>'
    '<br>\nnext line</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<hr>\n<blockquote>\n<p>q</p>\n</blockquote>\n',
    '<p onclick="window.__pwned = 1">attribute on an allowed tag</p>\n',
    '<p>allowed</p>\n<img src="x" onerror="window.__pwned = 2">',
    '<P>upper case</P><SCRIPT>window.__pwned = 3</SCRIPT>',
    '<p>a tag with a space</p ><em >x</em >',
    '<p>self-closing</p><br/><script>window.__pwned = 4</script>',
    '<p><a href="javascript:window.__pwned = 5">link</a></p>\n',
    '<ol start="3">\n<li>three</li>\n</ol>\n',
    '<p>broken <em>nesting</p></em><style>*{color:red}</style>',
]


def test_prose_without_the_sanitiser_is_exactly_what_the_sanitiser_returns(page: Page, harness: str) -> None:
    # assets/markdown_html.js skips DOMPurify for markup of bare prose tags only; whatever the input, the page must
    # get what DOMPurify would have given it.
    open_stream(page, harness)
    pairs = page.evaluate('''async (cases) => {
      const { toFragment, sanitizeToFragment } = await import('markdown_html');
      const html = (fragment) => {
        const box = document.createElement('div');
        box.append(fragment);
        return box.innerHTML;
      };
      return cases.map((text) => [html(toFragment(text)), html(sanitizeToFragment(text))]);
    }''', FRAGMENT_CASES)
    for text, (fast, sanitised) in zip(FRAGMENT_CASES, pairs, strict=True):
        assert fast == sanitised, text
        assert '<script' not in fast.lower() and 'onclick' not in fast and 'onerror' not in fast
    assert page.evaluate('window.__pwned') is None


def test_remote_image_loads_only_when_asked(page: Page, harness: str) -> None:
    requests: list[str] = []
    page.on('request', lambda request: requests.append(request.url))
    page.route('https://images.example.invalid/**',
               lambda route: route.fulfill(status=200, content_type='image/png', body=PIXEL))
    page.goto(harness + '/hostile')
    answer = page.get_by_test_id('hostile')
    button = answer.get_by_role('button', name='Load image from images.example.invalid')
    expect(button).to_have_text('Load image: a remote cat')
    page.wait_for_load_state('networkidle')
    assert not [url for url in requests if 'cat.png' in url]

    with page.expect_request('**/cat.png'):
        button.click()
    image = answer.get_by_role('img', name='a remote cat')
    expect(image).to_be_visible()
    image.evaluate('img => img.decode()')
    assert image.evaluate('img => img.naturalWidth') == 1
    assert len([url for url in requests if 'cat.png' in url]) == 1


def test_http_image_is_a_link_not_a_load_button(page: Page, harness: str) -> None:
    # The policy allows https: images only, so "Load image" could never work for http:; a link opens it in a tab.
    requests: list[str] = []
    page.on('request', lambda request: requests.append(request.url))
    page.goto(harness + '/hostile')
    for testid in ('hostile', 'hostile-stream'):
        answer = page.get_by_test_id(testid)
        link = answer.get_by_role('link', name='Open image from 127.0.0.1')
        expect(link).to_have_text('Open image: a local pixel')
        expect(link).to_have_attribute('href', f'{harness}/pixel.png')
        expect(link).to_have_attribute('target', '_blank')
        expect(link).to_have_attribute('rel', 'noopener noreferrer')
        expect(answer.get_by_role('button', name='Load image from 127.0.0.1')).to_have_count(0)
    page.wait_for_load_state('networkidle')
    assert not [url for url in requests if 'pixel.png' in url]

    with page.context.expect_page() as opened:
        page.get_by_test_id('hostile').get_by_role('link', name='Open image from 127.0.0.1').click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == f'{harness}/pixel.png'
    assert tab.evaluate('window.opener') is None
    assert page.evaluate('window.__pwned') is None


def test_character_by_character_renders_like_all_at_once(page: Page, harness: str) -> None:
    open_stream(page, harness)
    result = page.evaluate(TWO_WAYS, TRICKY)
    assert result['streamed'] == result['once']
    assert result['blocks'] == 9  # the eight blank-line-separated blocks above, then the tail at finish


# Drives the page's renderer directly: each step appends a delta, waits until it is rendered, and records what the
# tail holds, whether the first paragraph is still the node it was, and how the tail compares with rendering the
# same text at once.
GROW_STEPS = '''async (deltas) => {
  const renderer = document.querySelector('[data-testid=stream]').parleyRenderer;
  renderer.reset('', { streaming: true });
  await renderer.settled();
  const steps = [];
  let first = null;
  for (const delta of deltas) {
    renderer.append(renderer.length, delta);
    await renderer.settled();
    const paragraph = renderer.tail.querySelector('p');
    first ??= paragraph;
    const atOnce = document.createElement('div');
    atOnce.append(renderer.render(renderer.text.slice(renderer.frozenEnd), -1));
    steps.push({ html: renderer.tail.innerHTML, atOnce: atOnce.innerHTML, text: renderer.tail.textContent,
                 sameParagraph: paragraph !== null && paragraph === first, grown: renderer.stats.grown });
  }
  return steps;
}'''


def test_a_growing_paragraph_keeps_its_nodes_and_reads_as_rendered_at_once(page: Page, harness: str) -> None:
    open_stream(page, harness)
    deltas = ['A paragraph', ' that grows', ' word by word', ' and then *turns', '* emphatic', ' & <b>safe</b>',
              '\n===\n']
    steps = page.evaluate(GROW_STEPS, deltas)
    for step in steps:
        assert step['html'] == step['atOnce']  # whatever the path, the page shows what a full render shows
    # Plain words are added to the paragraph already on screen, as new text after the old.
    assert [step['sameParagraph'] for step in steps[:4]] == [True] * 4
    assert steps[3]['text'].strip() == 'A paragraph that grows word by word and then *turns'
    assert steps[3]['grown'] - steps[0]['grown'] == 3
    # New markup (the emphasis closing, a heading underline) is a new render, not a patch.
    assert '<em>turns</em>' in steps[4]['html'] and steps[4]['grown'] == steps[3]['grown']
    assert '&lt;b&gt;safe&lt;/b&gt;' in steps[5]['html'] and '<b>' not in steps[5]['html']  # text, never markup
    assert steps[6]['html'].startswith('<h1') and not steps[6]['sameParagraph']


# A table rendered at once into a box of its own, as a finished message is when its page is built.
RENDER_AT_ONCE = '''async (text) => {
  const { MarkdownRenderer } = await import('markdown_renderer');
  const box = document.createElement('div');
  box.className = 'parley-markdown';
  box.id = 'at-once';
  document.body.append(box);
  const renderer = new MarkdownRenderer(box);
  renderer.reset(text, { streaming: false });
  await renderer.settled();
  box.scrollIntoView();
}'''


def test_each_chunk_of_a_long_table_names_its_columns_to_screen_readers_and_one_header_shows(page: Page,
                                                                                             harness: str) -> None:
    """A table of 250 rows comes in three chunks (one <table> each, assets/table_chunks.js). A screen reader
    announces a cell with its column's header: every chunk must have the header in its accessibility tree, while the
    reader's eye sees it once, above the first row."""
    rows = 250
    table = '| Name | Value |\n| --- | --- |\n' + ''.join(f'| row {i} | {i * 7} |\n' for i in range(rows))
    open_stream(page, harness)
    page.evaluate(RENDER_AT_ONCE, table)
    chunks = page.locator('#at-once .pm-table-chunk')
    expect(chunks).to_have_count(3)
    cdp = page.context.new_cdp_session(page)
    document = cdp.send('DOM.getDocument', {'depth': 0})['root']['nodeId']
    for index in range(3):
        # What Chromium gives a screen reader (a chunk off screen skips rendering: each is read once in view).
        chunks.nth(index).scroll_into_view_if_needed()
        page.evaluate('new Promise(requestAnimationFrame)')
        chunk = cdp.send('DOM.querySelectorAll', {'nodeId': document, 'selector': '#at-once .pm-table-chunk'})
        headers = [node['name']['value'] for node in cdp.send('Accessibility.queryAXTree', {
            'nodeId': chunk['nodeIds'][index], 'role': 'columnheader'})['nodes'] if not node.get('ignored')]
        assert headers == ['Name', 'Value'], f'chunk {index + 1}: {headers}'
    shown = page.evaluate('''() => [...document.querySelectorAll('#at-once .pm-table-chunk')].map((chunk) => ({
      head: chunk.querySelector('thead')?.getBoundingClientRect().height ?? 0,
      rows: [...chunk.querySelectorAll('tbody tr')].map((row) => row.cells[0].textContent) }))''')
    assert shown[0]['head'] > 10 and [chunk['head'] for chunk in shown[1:]] == [0, 0]
    assert [row for chunk in shown for row in chunk['rows']] == [f'row {i}' for i in range(rows)]
    # Selecting the whole table copies its header once, not once per chunk.
    page.evaluate('''() => { const range = document.createRange();
      range.selectNodeContents(document.getElementById('at-once'));
      const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range); }''')
    assert page.evaluate('getSelection().toString()').count('Name') == 1


def test_an_answer_finished_before_it_mounted_is_sent_once_unless_it_was_lost(page: Page, harness: str) -> None:
    # A short answer on a busy server can stream and finish before the browser reports its element mounted. If the
    # deltas reached the element, that late report costs a call of no text, not the whole answer again (seen in
    # CI: 3.04 bytes a character for a 500-token answer); if they were lost, the answer still arrives whole.
    page.goto(harness + '/late')
    page.get_by_role('button', name='Answer at once').click()
    reference = page.get_by_test_id('reference')
    for test_id in ('whole', 'lost'):
        expect(page.get_by_test_id(test_id).get_by_role('heading', name='Streaming answer')).to_be_visible()
        page.wait_for_function(f'''() => {{
          const r = document.querySelector("[data-testid={test_id}]").parleyRenderer;
          return r.finished && r.frozenEnd === r.length && r.tail.childNodes.length === 0;
        }}''')
        assert page.get_by_test_id(test_id).inner_html() == reference.inner_html()
    # Mounted with more text than the server now has: another text (a lost reset), which only a resend mends.
    expect(page.get_by_test_id('longer')).to_have_text(SHORTER)
    expect(page.get_by_text('Resyncs: 0, 1 and 1')).to_be_visible()
    page.wait_for_timeout(500)  # no late resync either
    expect(page.get_by_text('Resyncs: 0, 1 and 1')).to_be_visible()
