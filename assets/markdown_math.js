// Math in answers: $…$ and \(…\) inline, $$…$$ and \[…\] displayed, as models write them.
//
// markdown-it-texmath finds the formulas while markdown-it parses, and each leaves markdown_html.js as a placeholder,
// <code class="pm-math">, holding its TeX as plain text, sanitised with the rest of the answer. KaTeX then draws each
// placeholder into the sanitised fragment. KaTeX is trusted code given hostile TeX: `trust: false` refuses \href,
// \url, \includegraphics and \html…, and maxSize and maxExpand bound what one formula can cost. The style attributes
// KaTeX sets (heights, struts, colours) come from its own layout code, never from the answer's markup.
//
// KaTeX (270 KB) loads with the first formula a page meets; until then a formula shows as its TeX in code type, and
// once it has loaded every formula already on the page is drawn where it stands. A formula KaTeX cannot parse shows
// its source, marked as an error, and a very long one stays code.

import texmath from "parley-vendor/texmath.js";

const MAX_TEX_CHARS = 20000;
const CACHE_SIZE = 256;
// errorColor: a command refused (\href) reads in the text's colour, light or dark; a formula that does not parse is
// red by markdown.css (.katex-error).
const KATEX_OPTIONS = {
  throwOnError: false, trust: false, strict: "ignore", maxSize: 30, maxExpand: 500, errorColor: "currentColor",
};

let katex = null;
let loading = false;
const drawnCache = new Map(); // `${display} ${tex}` -> the element KaTeX drew, cloned for each use

/** Teach markdown-it `md` the four delimiters; formulas render as placeholders (see the module comment). */
export function useMath(md) {
  md.use(texmath, { engine: { renderToString: (tex) => tex }, delimiters: ["dollars", "brackets"] });
  // \[…\] inside a paragraph: models write "The formula is:\n\[ x \]" with no blank line, which texmath's block
  // rule (a block cannot interrupt a paragraph) would leave as "[ x ]".
  md.inline.ruler.before("escape", "math_inline_bracket", texmath.inline({
    name: "math_inline_double", rex: /\\\[([\s\S]+?)\\\]/gy, tag: "\\[", displayMode: true,
  }));
  const placeholder = (display) => (tokens, idx) => {
    const cls = display ? "pm-math pm-math-display" : "pm-math";
    return `<code class="${cls}">${md.utils.escapeHtml(tokens[idx].content)}</code>`;
  };
  const block = (tokens, idx) => {
    const number = tokens[idx].type === "math_block_eqno"
      ? `<span class="pm-math-number">(${md.utils.escapeHtml(tokens[idx].info)})</span>` : "";
    return `<div class="pm-math-block">${placeholder(true)(tokens, idx)}${number}</div>\n`;
  };
  md.renderer.rules.math_inline = placeholder(false);
  md.renderer.rules.math_inline_double = placeholder(true);
  md.renderer.rules.math_block = block;
  md.renderer.rules.math_block_eqno = block;
}

/** Draw the formulas of `root` (a sanitised fragment, or the document once KaTeX has loaded). */
export function renderMath(root) {
  const placeholders = root.querySelectorAll("code.pm-math");
  if (placeholders.length === 0) return;
  if (katex === null) {
    loadKatex();
    return;
  }
  for (const code of placeholders) {
    const tex = code.textContent;
    if (tex.length <= MAX_TEX_CHARS) code.replaceWith(drawn(tex, code.classList.contains("pm-math-display")));
  }
}

function drawn(tex, display) {
  const key = `${display} ${tex}`;
  let element = drawnCache.get(key);
  if (element === undefined) {
    element = document.createElement("span");
    element.className = "pm-math-drawn";
    katex.render(tex, element, { ...KATEX_OPTIONS, displayMode: display });
    if (drawnCache.size >= CACHE_SIZE) drawnCache.delete(drawnCache.keys().next().value);
    drawnCache.set(key, element);
  }
  return element.cloneNode(true);
}

function loadKatex() {
  if (loading) return;
  loading = true;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = import.meta.resolve("parley-vendor/katex.min.css");
  document.head.append(link);
  import("parley-vendor/katex.min.js").then((module) => {
    katex = module.default;
    renderMath(document);
  }, (error) => {
    loading = false; // the next formula tries again; until then formulas stay TeX in code type
    console.warn("Parley: could not load KaTeX", error);
  });
}
