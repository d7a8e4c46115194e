"""Math in answers (assets/markdown_math.js): what a reader sees of the formulas models write, and that hostile TeX
runs nothing and loads nothing.

Most tests drive the page's renderer directly in the markdown harness (tests/ui/markdown_harness.py); the last
sends a formula through a chat with the fake provider and reloads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from tests.ui.markdown_harness import TWO_WAYS, running_harness
from ui.streaming_markdown import may_hold_math

from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

MATH = '[data-testid=math]'

# Renders `text` as a finished answer into a `.parley-markdown` box of its own at the top of the page.
RENDER = '''async (text) => {
  const { MarkdownRenderer } = await import('markdown_renderer');
  document.querySelector('[data-testid=math]')?.remove();
  const root = document.createElement('div');
  root.className = 'parley-markdown';
  root.dataset.testid = 'math';
  document.querySelector('[data-testid=stream]').before(root);
  const renderer = new MarkdownRenderer(root);
  renderer.reset(text, { streaming: false });
  await renderer.settled();
}'''

FORMULAS = r'''Einstein wrote $E = mc^2$ and Pythagoras \(a^2 + b^2 = c^2\).

The quadratic formula is:
\[
x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}
\]

$$\int_0^1 x^2\,dx = \frac{1}{3}$$

\[ \sum_{n=1}^{\infty} \frac{1}{n^2} = \frac{\pi^2}{6} \]

| shape | area |
| --- | --- |
| circle | $\pi r^2$ |

$$e^{i\pi} + 1 = 0$$ (7)
'''
TEX = ['E = mc^2', 'a^2 + b^2 = c^2', r'x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}', r'\int_0^1 x^2\,dx = \frac{1}{3}',
       r'\sum_{n=1}^{\infty} \frac{1}{n^2} = \frac{\pi^2}{6}', r'\pi r^2', r'e^{i\pi} + 1 = 0']


@pytest.fixture(scope='module')
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_harness(tmp_path_factory.mktemp('math_harness')) as url:
        yield url


def render(page: Page, text: str) -> None:
    page.evaluate(RENDER, text)


def open_harness(page: Page, harness: str) -> None:
    page.goto(harness + '/')
    page.wait_for_function('document.querySelector("[data-testid=stream]")?.parleyRenderer !== undefined')


def drawn_tex(page: Page) -> list[str]:
    """The TeX of every formula drawn (KaTeX keeps it in the MathML it writes for screen readers), in page order."""
    return page.locator(f'{MATH} annotation[encoding="application/x-tex"]').evaluate_all(
        'nodes => nodes.map((node) => node.textContent.trim())')


def test_formulas_in_the_four_delimiters_are_drawn(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, FORMULAS)
    math = page.locator(MATH)
    expect(math.locator('.katex')).to_have_count(len(TEX))  # KaTeX loads with the first formula, then draws all
    assert drawn_tex(page) == TEX
    assert math.locator('code.pm-math').count() == 0
    expect(math.locator('.katex-display')).to_have_count(4)  # the \[ right under a line of text included
    expect(math.locator('.pm-math-number')).to_have_text('(7)')
    # What shows is KaTeX's typeset formula; its MathML copy, for screen readers, is clipped out of sight.
    for formula in math.locator('.katex').all():
        html_box = formula.locator('.katex-html').bounding_box()
        mathml_box = formula.locator('.katex-mathml').bounding_box()
        assert html_box is not None and html_box['height'] > 10
        assert mathml_box is not None and mathml_box['width'] <= 1 and mathml_box['height'] <= 1
    assert '\\frac' not in math.locator('.katex-html').first.inner_text()
    expect(math.locator('p').first).to_contain_text('Einstein wrote')
    expect(math.locator('table td .katex')).to_have_count(1)


def test_prices_code_and_escaped_dollars_stay_text_and_load_nothing(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, 'It costs $5 and $10, or $5/$10 a month.\n\nEscaped: \\$x\\$.\n\nIn code: `$x^2$`\n\n'
                 '```sh\necho "$HOME and $PATH$"\n```\n')
    math = page.locator(MATH)
    expect(math.locator('p').first).to_have_text('It costs $5 and $10, or $5/$10 a month.')
    expect(math.locator('p').nth(1)).to_have_text('Escaped: $x$.')
    expect(math.locator('p code')).to_have_text('$x^2$')
    expect(math.locator('pre code')).to_contain_text('echo "$HOME and $PATH$"')
    assert math.locator('.katex, code.pm-math').count() == 0
    loaded = page.evaluate('performance.getEntriesByType("resource").map((entry) => entry.name)')
    assert not [url for url in loaded if 'katex' in url], 'a page without a formula loads no KaTeX'


def test_hostile_tex_runs_nothing_and_loads_nothing(page: Page, harness: str) -> None:
    requests: list[str] = []
    page.on('request', lambda request: requests.append(request.url))
    open_harness(page, harness)
    render(page, rf'''Links: $\href{{javascript:window.__pwned='href'}}{{click}}$
and \(\url{{javascript:window.__pwned='url'}}\)

Image: $\includegraphics{{{harness}/pixel.png}}$

Markup: $\htmlStyle{{position:fixed;inset:0;background:red}}{{x}}$ $\htmlClass{{q-dialog}}{{y}}$ $\htmlId{{app}}{{z}}$
$\htmlData{{onclick=window.__pwned='data'}}{{w}}$

Raw HTML: $<img src=x onerror="window.__pwned='img'">$ and $\text{{<b onclick="window.__pwned='b'">bold</b>}}$

Expansion: $$\def\a{{\a\a}}\a$$

Size: $\rule{{10000em}}{{10000em}}$ $\kern{{10000em}}x$
''')
    math = page.locator(MATH)
    expect(math.locator('.katex').first).to_be_visible()
    page.wait_for_function('document.querySelectorAll("[data-testid=math] code.pm-math").length === 0')
    for element in math.locator('*').all():  # every handler a formula could have smuggled in gets its chance
        element.dispatch_event('click')
    assert page.evaluate('window.__pwned') is None
    assert math.locator('a, img, b, [id], [onclick], .q-dialog').count() == 0
    styles = math.locator('[style]').evaluate_all('nodes => nodes.map((node) => node.getAttribute("style"))')
    assert not [style for style in styles if re.search(r'fixed|background|url\(', style)]
    assert not [url for url in requests if 'pixel.png' in url]
    width = page.evaluate(f'document.querySelector("{MATH}").scrollWidth')
    assert width < 1000, 'maxSize keeps a formula from growing without bound'
    expect(page.get_by_role('button', name='Start')).to_be_enabled()  # and the page still answers


BESIDE = r"""$$x = vt$$ where v is the speed.

\[F = ma\]
(Newton's second law) tells us the force.

If a pen costs $2 and you buy $n$ pens, you pay $2n$ dollars.

Set export PATH=$HOME/bin:$PATH first, then read arr\[i\] and C:\[dir\].

- \[ \] not done
"""


def test_text_beside_formulas_is_never_lost_and_escaped_brackets_stay_brackets(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, BESIDE)
    math = page.locator(MATH)
    expect(math.locator('.katex')).to_have_count(4)
    assert drawn_tex(page) == ['x = vt', 'F = ma', 'n', '2n']
    expect(math.locator('p').nth(0)).to_contain_text('where v is the speed.')
    expect(math.locator('p').nth(1)).to_contain_text("(Newton's second law) tells us the force.")
    expect(math.locator('p').nth(2)).to_contain_text('If a pen costs $2 and you buy')
    expect(math.locator('p').nth(3)).to_have_text(
        'Set export PATH=$HOME/bin:$PATH first, then read arr[i] and C:[dir].')
    expect(math.locator('li')).to_contain_text('not done')
    assert math.locator('.pm-math-number').count() == 0


def test_a_bracket_formula_ends_at_its_first_close_and_never_leaves_its_block(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, '\\[ x = 1 \\], so\n\\[ y = 2 \\]\n\n> \\[ a\n- b\n- c \\]\n')
    math = page.locator(MATH)
    expect(math.locator('.katex')).to_have_count(2)
    assert drawn_tex(page) == ['x = 1', 'y = 2']
    expect(math.locator('p').first).to_contain_text(', so')
    expect(math.locator('blockquote')).to_have_text('[ a')  # not a formula running out of the quote
    expect(math.locator('li')).to_have_text(['b', 'c ]'])  # each line once


def test_unclosed_parentheses_cost_linear_time(page: Page, harness: str) -> None:
    open_harness(page, harness)
    elapsed = page.evaluate('''async () => {
      const { MarkdownRenderer } = await import('markdown_renderer');
      const start = performance.now();
      new MarkdownRenderer(document.createElement('div')).reset('\\\\(a '.repeat(60000), { streaming: false });
      return performance.now() - start;
    }''')
    # Linear: about 60 ms here; the quadratic rules before took 1.7 s, four times as long for twice the text.
    assert elapsed < 1000, f'a paragraph of 60 000 unclosed \\( took {elapsed:.0f} ms'


def test_formulas_nested_too_deep_stay_tex_and_the_page_lives(page: Page, harness: str) -> None:
    crashed: list[bool] = []
    page.on('crash', lambda _: crashed.append(True))
    open_harness(page, harness)
    superscripts = 'x^{' * 150 + 'x' + '}' * 150
    roots = '\\sqrt{' * 55 + '2' + '}' * 55  # braces within the limit: only the drawing is too deep
    braces = '{' * 3000 + 'y' + '}' * 3000
    render(page, f'Deep ${superscripts}$ and ${roots}$\n\n'
                 f'Deeper ${braces}$ and then $z$\n\nThe end.')
    math = page.locator(MATH)
    expect(math.locator('code.pm-math-refused')).to_have_count(3)  # readable TeX, not drawn
    assert drawn_tex(page) == ['z']
    expect(math.locator('p').last).to_have_text('The end.')
    page.wait_for_timeout(500)  # a layout that would crash the tab has had its frame
    assert not crashed
    expect(page.get_by_role('button', name='Start')).to_be_enabled()


# Points of the formula's largest box that lie outside the answer, and how many of them show the formula.
OUTSIDE = '''() => {
  const answer = document.querySelector('[data-testid=math]').getBoundingClientRect();
  const box = [...document.querySelectorAll('[data-testid=math] .katex-html *')]
    .map((element) => element.getBoundingClientRect())
    .reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const points = [];
  for (let x = box.left + 2; x < box.right; x += 20) {
    for (let y = box.top + 2; y < box.bottom; y += 20) {
      const onScreen = x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;
      if (onScreen && (y < answer.top - 10 || x < answer.left - 10)) points.push([x, y]);
    }
  }
  const hits = points.filter(([x, y]) => document.elementFromPoint(x, y)?.closest('.katex'));
  return { points: points.length, hits: hits.length };
}'''


def test_a_formula_paints_nothing_outside_its_answer(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, 'Text above.\n\nSpoof: $\\kern{-10em}\\smash{\\raisebox{20em}{\\raisebox{10em}{\\colorbox{red}'
                 '{\\rule{30em}{8em}}}}}$ and more.')
    expect(page.locator(f'{MATH} .katex')).to_have_count(1)
    # Room above the answer, on screen, for the raised box to land in.
    page.locator(MATH).evaluate('(answer) => { answer.style.marginTop = "900px"; answer.scrollIntoView(); }')
    outside = page.evaluate(OUTSIDE)
    assert outside['points'] > 0, 'the hostile box reaches outside the answer, on screen'
    assert outside['hits'] == 0


def test_a_formula_that_does_not_parse_shows_its_source_as_an_error(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, 'Broken: $\\frac{1}$ but fine: $x_1$')
    error = page.locator(f'{MATH} .katex-error')
    expect(error).to_have_text('\\frac{1}')
    expect(error).to_have_attribute('title', re.compile('ParseError'))
    expect(error).to_have_css('color', 'rgb(207, 34, 46)')
    assert drawn_tex(page) == ['x_1']


def test_formulas_show_as_tex_until_katex_loads_and_are_drawn_when_it_does(page: Page, harness: str) -> None:
    def refuse(route: Route) -> None:
        route.abort()

    page.route('**/katex.min.js', refuse)
    open_harness(page, harness)
    render(page, 'First $a+b$ then $$c^2$$')
    math = page.locator(MATH)
    expect(math.locator('code.pm-math')).to_have_text(['a+b', 'c^2'])  # readable TeX while KaTeX cannot load
    page.unroute('**/katex.min.js', refuse)
    page.evaluate('''async () => {  // another answer with a formula: KaTeX is asked for again and draws both
      const { MarkdownRenderer } = await import('markdown_renderer');
      const other = document.createElement('div');
      document.body.append(other);
      new MarkdownRenderer(other).reset('Later $d$', { streaming: false });
    }''')
    expect(math.locator('.katex')).to_have_count(2)
    assert drawn_tex(page) == ['a+b', 'c^2']


def test_formulas_streamed_character_by_character_end_as_rendered_at_once(page: Page, harness: str) -> None:
    open_harness(page, harness)
    render(page, '$x$')
    expect(page.locator(f'{MATH} .katex')).to_have_count(1)  # KaTeX loaded: both renderings below draw at once
    result = page.evaluate(TWO_WAYS, FORMULAS)
    result |= page.evaluate('''() => {
      const { once, streamed } = window.twoWays;
      return { drawn: once.root.querySelectorAll('.katex').length,
               complete: once.root.classList.contains('pm-complete')
                 && streamed.root.classList.contains('pm-complete'),
               // A new text whose first flush yields (a long table) is not complete until its blocks are frozen.
               restarted: (once.reset('| a |\\n| - |\\n' + '| 1 |\\n'.repeat(20000), { streaming: false }),
                           once.root.classList.contains('pm-complete')) };
    }''')
    assert result['drawn'] == len(TEX)
    assert result['streamed'] == result['once']
    assert result['complete'], 'once everything is frozen, the answer is marked complete (its last margin goes)'
    assert result['restarted'] is False, 'a new text is not complete before its blocks are frozen'


# Counts the frames in which a formula of the page showed as TeX (a placeholder not drawn yet).
WATCH_TEX_FRAMES = '''
window.__texFrames = 0;
const tick = () => {
  if (document.querySelector('article code.pm-math')) window.__texFrames += 1;
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
'''


def test_a_chat_answer_with_math_is_drawn_and_stays_drawn_after_a_reload(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'A chat without formulas, [[echo]]')
    wait_for_status(answers(page).last, 'complete')
    page.reload()  # a page with nothing to typeset does not load KaTeX
    expect(answers(page)).to_have_count(1)
    loaded = page.evaluate('performance.getEntriesByType("resource").map((entry) => entry.name)')
    assert not [url for url in loaded if 'katex' in url]

    send(page, '[[echo]] The area is $\\pi r^2$ and\n\n$$\\frac{a}{b}$$')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(answer.locator('.katex')).to_have_count(2)
    expect(answer.locator('.katex-display')).to_have_count(1)
    # Reopened, the page comes with KaTeX (ui/theme.py, math_preloads): formulas are drawn at the first render,
    # never shown as TeX first and then swapped (which moved the text under the reader).
    page.add_init_script(WATCH_TEX_FRAMES)
    page.reload()
    answer = answers(page).last
    expect(answer.locator('.katex')).to_have_count(2)
    expect(answer.locator('annotation')).to_have_text(['\\pi r^2', '\\frac{a}{b}'])
    page.wait_for_timeout(300)
    assert page.evaluate('window.__texFrames') == 0


def test_copying_a_selection_with_formulas_copies_their_tex(page: Page, harness: str) -> None:
    page.context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=harness)
    open_harness(page, harness)
    render(page, "We have $f'(x) = 2x$ here.")
    paragraph = page.locator(f'{MATH} p')
    expect(paragraph.locator('.katex')).to_have_count(1)
    paragraph.evaluate('(p) => window.getSelection().selectAllChildren(p)')
    page.keyboard.press('Control+C')
    assert page.evaluate('navigator.clipboard.readText()') == "We have $f'(x) = 2x$ here."


def test_a_long_inline_formula_scrolls_in_its_box_and_the_page_keeps_its_width(page: Page, harness: str) -> None:
    page.set_viewport_size({'width': 390, 'height': 800})
    open_harness(page, harness)
    long = ' + '.join(f'x_{i}^2' for i in range(1, 25))
    render(page, f'The norm is $\\sqrt{{{long}}}$ for every vector.')
    formula = page.locator(f'{MATH} .katex')
    expect(formula).to_have_count(1)
    assert page.evaluate('document.documentElement.scrollWidth') <= 390
    assert formula.evaluate('(f) => f.scrollWidth > f.clientWidth + 50'), 'the rest of the formula is a scroll away'


@pytest.mark.parametrize(('text', 'expected'), [
    ('It costs $5 and $10.', False),
    ('If a pen costs $2 and you buy $n$ pens', True),
    ('Pythagoras: \\(a^2 + b^2 = c^2\\)', True),
    ('$$\\int_0^1 x\\,dx$$', True),
    ('Run `echo $HOME and $PATH$` first', False),
    ('```sh\necho "$HOME and $PATH$"\n```', False),
    ('plain words', False),
])
def test_a_page_loads_katex_with_itself_only_for_text_that_may_hold_a_formula(text: str, expected: bool) -> None:
    assert may_hold_math(text) is expected
