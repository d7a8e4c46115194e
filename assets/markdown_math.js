// Math in answers: $…$ and \(…\) inline, $$…$$ and \[…\] displayed, as models write them.
//
// markdown-it-texmath's rule engine finds the formulas while markdown-it parses (with the delimiter rules below,
// stricter than its own), and each leaves markdown_html.js as a placeholder, <code class="pm-math">, holding its
// TeX as plain text, sanitised with the rest of the answer. KaTeX then draws each placeholder into the sanitised
// fragment. KaTeX is trusted code given hostile TeX: `trust: false` refuses \href, \url, \includegraphics and
// \html…; maxSize and maxExpand bound sizes and macros; a formula nested too deep for Chromium's layout (a few
// hundred elements deep crashes the tab) stays code; and each formula is a box that clips (markdown.css), so no sum
// of raised, smashed or kerned boxes paints over the rest of the page.
//
// KaTeX (270 KB) comes with a page that has formulas to show (assets/math_early.js), or else loads with the first
// formula a page meets; until then a formula shows as its TeX in code type, and once it has loaded the formulas
// already on the page are drawn where they stand, under the shared time budget. A formula KaTeX cannot parse shows
// its source, marked as an error.

import texmath from "parley-vendor/texmath.js";
import { deadline, until } from "render_budget";

const MAX_TEX_CHARS = 5000; // KaTeX takes about 50 ms per thousand characters, in one task
const MAX_BRACE_DEPTH = 60; // KaTeX recurses per group: thousands deep is a RangeError, hundreds a crash in layout
const MAX_DRAWN_DEPTH = 300; // elements; 150 nested superscripts draw about 1000 deep and crash Chromium's layout
const CACHE_SIZE = 512;
// errorColor: a command refused (\href) reads in the text's colour, light or dark; a formula that does not parse is
// red by markdown.css (.katex-error).
const KATEX_OPTIONS = {
  throwOnError: false, trust: false, strict: "ignore", maxSize: 30, maxExpand: 500, errorColor: "currentColor",
};

const notDigit = (code) => code < 0x30 || code > 0x39;
const notWord = (char) => !/[\p{L}\p{N}$]/u.test(char);
// A `$` opens only after something other than a backslash, a digit or another `$`, and closes only before something
// other than a letter, a digit or a `$`: "$5 and $10", "$HOME/$USER" and "$$x$" (a display formula still being
// written) are not formulas.
const dollarOpens = (str, outerSpace, at) => at === 0
  || (str[at - 1] !== "\\" && str[at - 1] !== "$" && notDigit(str.charCodeAt(at - 1)));
const dollarCloses = (str, outerSpace, at) => at + 1 >= str.length || notWord(str[at + 1]);
const lineStart = (str, outerSpace, at) => at === 0 || str[at - 1] === "\n";

// The body of a formula never holds its own unescaped delimiter: "costs $2 and you buy $n$ pens" has the formula n.
const EDGE = String.raw`(?:[^\s$\\]|\\[\s\S])`; // a formula's first and last character: no space, no bare `$`
const BODY = String.raw`(?:[^$\\]|\\[\s\S])`;
// A \(…\) or \[…\] formula ends at its first closing delimiter and never holds another opening one: each try scans
// no further than the next `\(` (or `\[`), so a paragraph of unclosed ones costs linear time, not quadratic.
const NOT_PAREN = String.raw`(?:[^\\]|\\[^()])`;
const NOT_BRACKET = String.raw`(?:[^\\]|\\[^\[\]])`;
// A block's closing line holds nothing else but, perhaps, a short equation number: text after the formula on that
// line ("$$x = vt$$ where v is…") makes it an inline formula of a paragraph, and nothing is lost.
const NUMBER_TO_LINE_END = String.raw`[ \t]*(?:\(([^\s()]{1,12})\)[ \t]*)?(?=\n|$)`;
const sticky = (source) => new RegExp(source, "y"); // texmath matches each rule at one position (lastIndex)

const INLINE_RULES = [
  { name: "math_display_inline", tag: "$$", rex: sticky(String.raw`\$\$(${BODY}+?)\$\$`), pre: dollarOpens,
    post: dollarCloses },
  { name: "math_inline", tag: "$", rex: sticky(String.raw`\$(${EDGE}|${EDGE}${BODY}*?${EDGE})\$`),
    pre: dollarOpens, post: dollarCloses },
  { name: "math_inline", tag: "\\(", rex: sticky(String.raw`\\\((${NOT_PAREN}+?)\\\)`) },
  // \[…\] inside a paragraph, at the start of a line: models write "The formula is:\n\[ x \]" with no blank line,
  // which a block rule cannot take (a block cannot interrupt a paragraph). Elsewhere `\[` is an escaped bracket.
  { name: "math_display_inline", tag: "\\[", rex: sticky(String.raw`\\\[(\s*\S${NOT_BRACKET}*?)\\\]`),
    pre: lineStart },
];
const BLOCK_RULES = [
  { name: "math_block", tag: "$$", rex: sticky(String.raw`\$\$(${BODY}+?)\$\$${NUMBER_TO_LINE_END}`) },
  { name: "math_block", tag: "\\[", rex: sticky(String.raw`\\\[(${NOT_BRACKET}+?)\\\]${NUMBER_TO_LINE_END}`) },
];

let katex = window.parleyKatex ?? null; // loaded with the page when it had formulas to show (assets/math_early.js)
let loading = false;
const drawnCache = new Map(); // `${display} ${tex}` -> the element KaTeX drew (or null: refused), least recent first

/**
 * texmath's block rule, taken only when the formula ends within the lines markdown-it offers it: in a list item or a
 * blockquote those end before the text does, and a formula running past them would show lines twice or lose them.
 */
function withinBlock(rule) {
  const block = texmath.block(rule);
  return (state, begLine, endLine, silent) => {
    const start = state.bMarks[begLine] + state.tShift[begLine];
    if (!state.src.startsWith(rule.tag, start)) return false;
    rule.rex.lastIndex = start;
    if (!rule.rex.exec(state.src) || rule.rex.lastIndex > state.eMarks[endLine - 1]) return false;
    return block(state, begLine, endLine, silent);
  };
}

/** Teach markdown-it `md` the four delimiters; formulas render as placeholders (see the module comment). */
export function useMath(md) {
  for (const rule of INLINE_RULES) md.inline.ruler.before("escape", rule.name, texmath.inline(rule));
  for (const rule of BLOCK_RULES) md.block.ruler.before("fence", rule.name, withinBlock(rule));
  const placeholder = (display) => (tokens, idx) => {
    const cls = display ? "pm-math pm-math-display" : "pm-math";
    return `<code class="${cls}">${md.utils.escapeHtml(tokens[idx].content)}</code>`;
  };
  md.renderer.rules.math_inline = placeholder(false);
  md.renderer.rules.math_display_inline = placeholder(true);
  md.renderer.rules.math_block = (tokens, idx) => {
    const info = tokens[idx].info;
    const number = info ? `<span class="pm-math-number">(${md.utils.escapeHtml(info)})</span>` : "";
    return `<div class="pm-math-block">${placeholder(true)(tokens, idx)}${number}</div>\n`;
  };
}

/** Draw the formulas of a sanitised fragment (all at once: it is one block's worth). */
export function renderMath(fragment) {
  const placeholders = fragment.querySelectorAll("code.pm-math");
  if (placeholders.length === 0) return;
  if (katex === null) {
    loadKatex();
    return;
  }
  for (const code of placeholders) draw(code);
}

/**
 * For the renderer's tail comparison, once it has found two elements with the same attributes: drawn formulas of the
 * same TeX (data-tex, data-display) are the same, and it need not walk KaTeX's tree.
 */
export function sameFormula(a) {
  return a.classList.contains("pm-math-drawn");
}

function draw(code) {
  const tex = code.textContent;
  const display = code.classList.contains("pm-math-display");
  const element = drawn(tex, display);
  if (element !== null) {
    code.replaceWith(element);
  } else {
    code.classList.replace("pm-math", "pm-math-refused"); // stays readable TeX, and is not tried again
  }
}

function drawn(tex, display) {
  const key = `${display} ${tex}`;
  let element = drawnCache.get(key);
  if (element !== undefined) {
    drawnCache.delete(key); // least recently used goes first: a long list redrawn each frame keeps its formulas
  } else {
    element = drawNew(tex, display);
    if (drawnCache.size >= CACHE_SIZE) drawnCache.delete(drawnCache.keys().next().value);
  }
  drawnCache.set(key, element);
  return element === null ? null : element.cloneNode(true);
}

function drawNew(tex, display) {
  if (tex.length > MAX_TEX_CHARS || braceDepth(tex) > MAX_BRACE_DEPTH) return null;
  const element = document.createElement("span");
  element.className = "pm-math-drawn";
  element.dataset.tex = tex;
  element.dataset.display = display;
  try {
    katex.render(tex, element, { ...KATEX_OPTIONS, displayMode: display });
  } catch (error) {
    console.warn("Parley: KaTeX could not draw a formula", error);
    return null;
  }
  return deeperThan(element, MAX_DRAWN_DEPTH) ? null : element;
}

function braceDepth(tex) {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < tex.length; i++) {
    const char = tex[i];
    if (char === "\\") i += 1;
    else if (char === "{") deepest = Math.max(deepest, ++depth);
    else if (char === "}") depth -= 1;
  }
  return deepest;
}

function deeperThan(root, limit) {
  const stack = [[root, 0]];
  while (stack.length > 0) {
    const [element, depth] = stack.pop();
    if (depth > limit) return true;
    for (const child of element.children) stack.push([child, depth + 1]);
  }
  return false;
}

function loadKatex() {
  if (loading) return;
  loading = true;
  if (!document.querySelector("link[data-katex-css]")) { // once: the page may have come with it (ui/theme.py)
    const link = Object.assign(document.createElement("link"), { rel: "stylesheet" });
    link.href = import.meta.resolve("parley-vendor/katex.min.css");
    link.dataset.katexCss = "";
    document.head.append(link);
  }
  // copy-tex only listens for `copy` events: a selection holding formulas copies their TeX between $ signs.
  const modules = [import("parley-vendor/katex.min.js"), import("parley-vendor/katex-copy-tex.min.js")];
  Promise.all(modules).then(([module]) => {
    katex = module.default;
    drawWaiting();
  }, (error) => {
    loading = false; // the next formula tries again; until then formulas stay TeX in code type
    console.warn("Parley: could not load KaTeX", error);
  });
}

/**
 * Draw the placeholders already on the page, a time slice at a time (a long chat can hold thousands). One more pass
 * a second later finds those of a block that was being built off the page while KaTeX loaded.
 */
function drawWaiting(again = true) {
  const timeUp = until(deadline());
  const waiting = document.querySelectorAll("code.pm-math");
  let i = 0;
  for (; i < waiting.length && (i === 0 || !timeUp()); i++) draw(waiting[i]);
  if (i < waiting.length) setTimeout(() => drawWaiting(again), 0);
  else if (again) setTimeout(() => drawWaiting(false), 1000);
}
