// Markdown source -> sanitised DocumentFragment: markdown-it (raw HTML off) and a private DOMPurify.
//
// Model output is hostile input: every HTML string goes through DOMPurify before it reaches the page, links
// keep only http(s)/mailto targets and open in a new tab without referrer, and an image's source is parked in
// `data-parley-src` where the browser never looks (markdown_decorate.js decides what to show instead).

import markdownit from "parley-vendor/markdown-it.min.js";
import hljs from "parley-vendor/highlight.min.js";
import DOMPurify from "parley-vendor/purify.min.js";
import { useFootnotes } from "markdown_footnotes";
import { renderMath, useMath } from "markdown_math";

const LINK_PROTOCOLS = ["http:", "https:", "mailto:"];
const IMAGE_PROTOCOLS = ["http:", "https:"];
const HIGHLIGHT_CACHE_SIZE = 64;
// highlight.js takes seconds on a megabyte; past this a code block stays plain text.
export const HIGHLIGHT_MAX_CHARS = 30000;

// One private sanitiser for the process: its hooks must not leak into NiceGUI's or anyone else's DOMPurify.
const purify = DOMPurify(window);
const SANITIZE = {
  USE_PROFILES: { html: true }, // no SVG, no MathML
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "option", "iframe", "frame", "object",
    "embed", "link", "meta", "base", "video", "audio", "source", "track", "picture", "dialog", "template"],
  FORBID_ATTR: ["style", "srcset", "action", "formaction", "background", "poster", "ping"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

function safeUrl(raw, protocols) {
  try {
    const url = new URL(raw, document.baseURI);
    return protocols.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A" && node.hasAttribute("href")) {
    const href = safeUrl(node.getAttribute("href"), LINK_PROTOCOLS);
    if (href === null) {
      node.removeAttribute("href");
    } else {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  } else if (node.nodeName === "IMG") {
    const src = node.getAttribute("src");
    node.removeAttribute("src");
    const url = src === null ? null : safeUrl(src, IMAGE_PROTOCOLS);
    if (url !== null) node.setAttribute("data-parley-src", url);
  }
});

/** Sanitise an HTML string into a DocumentFragment of an inert document (nothing in it loads or runs). */
export function sanitizeToFragment(html) {
  return purify.sanitize(html, SANITIZE);
}

// Markup that needs no sanitiser: these tags bare, with no attribute at all. markdown-it escapes every `<` of the
// text, so in its output each `<` starts a tag; prose (paragraphs, emphasis, code spans, lists, headings) has only
// these, and a growing paragraph is what a streaming answer re-renders every frame. DOMPurify's pass over it was
// the renderers' largest script cost with twenty answers streaming (bench streams-20, CPU profiles).
const BARE_PROSE_TAG = /<(?!\/?(?:p|em|strong|code|s|br|hr|h[1-6]|ul|ol|li|blockquote)>)/;

/** markdown-it's HTML -> a sanitised DocumentFragment; prose with only bare allowed tags skips DOMPurify. */
export function toFragment(html) {
  if (BARE_PROSE_TAG.test(html)) return sanitizeToFragment(html);
  const template = document.createElement("template"); // its content is inert: nothing in it loads or runs
  template.innerHTML = html;
  return template.content;
}

function createMarkdown() {
  const md = markdownit({ html: false, linkify: true, typographer: false });
  const cache = new Map();
  const highlight = (code, language) => {
    const key = `${language}\n${code}`;
    let html = cache.get(key);
    if (html === undefined) {
      html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
      if (cache.size >= HIGHLIGHT_CACHE_SIZE) cache.delete(cache.keys().next().value);
      cache.set(key, html);
    }
    return html;
  };
  md.renderer.rules.fence = (tokens, idx, options, env) => {
    const token = tokens[idx];
    const language = md.utils.unescapeAll(token.info).trim().split(/\s+/)[0];
    // A fence still being written shows plain text; it is highlighted once its closing line has arrived.
    const isOpen = env.openFenceLine === token.map[0];
    const known = language && !isOpen && token.content.length <= HIGHLIGHT_MAX_CHARS && hljs.getLanguage(language);
    const body = known ? highlight(token.content, language) : md.utils.escapeHtml(token.content);
    const cls = language ? `hljs language-${md.utils.escapeHtml(language)}` : "hljs";
    return `<pre><code class="${cls}">${body}</code></pre>\n`;
  };
  // GFM column alignment arrives as style attributes, which the sanitiser forbids: use `align` instead (styled in
  // markdown.css).
  md.core.ruler.push("parley_align", (state) => {
    for (const token of state.tokens) {
      if (token.type !== "th_open" && token.type !== "td_open") continue;
      const align = /text-align:(\w+)/.exec(token.attrGet("style") || "");
      token.attrs = (token.attrs || []).filter(([name]) => name !== "style");
      if (align) token.attrSet("align", align[1]);
    }
  });
  md.core.ruler.push("parley_tasks", taskItems);
  useMath(md);
  useFootnotes(md);
  return md;
}

/**
 * GFM task list items ("- [ ] to do", "- [x] done") get a box in place of their marker and bullet, drawn by
 * markdown.css and named for screen readers as a checkbox that cannot be ticked. Not a form control: the sanitiser
 * forbids inputs, and an answer's checklist is the model's, not the reader's.
 */
function taskItems(state) {
  const tokens = state.tokens;
  for (let i = 2; i < tokens.length; i++) {
    const inline = tokens[i];
    if (inline.type !== "inline" || tokens[i - 1].type !== "paragraph_open" || tokens[i - 2].type !== "list_item_open") {
      continue;
    }
    const first = inline.children?.[0];
    // The whole item's text, not its first token: "- [x] **Step 1**" is the text "[x] ", then the bold.
    const marker = first?.type === "text" && /^\[([ xX])\][ \t]+\S/.exec(inline.content);
    if (!marker || !/^\[[ xX]\]/.test(first.content)) continue;
    const done = marker[1] !== " ";
    first.content = first.content.replace(/^\[[ xX]\][ \t]+/, "");
    const box = new state.Token("html_inline", "", 0);
    box.content = `<span class="pm-task-box" role="checkbox" aria-checked="${done}" aria-disabled="true"></span>`;
    inline.children.unshift(box);
    tokens[i - 2].attrJoin("class", "pm-task");
  }
}

const md = createMarkdown(); // process-wide: configuration only, no per-message state

// A line that may define a link reference ("[label]: https://..."); not a footnote ("[^1]: ...").
const DEFINITION_LINE = /^ {0,3}\[(?!\^)(?:[^\]\\\n]|\\.){1,999}\]:[ \t]*\S.*$/gm;

/**
 * The link references `text` defines ("[label]: url"), as markdown-it keeps them in its env, or null. Blocks are
 * rendered one at a time, so a block using "[text][label]" learns of a definition further down only from here.
 * Only lines that look like definitions are parsed, a few hundred bytes even for a long answer.
 */
export function referencesIn(text) {
  const lines = text.match(DEFINITION_LINE);
  if (lines === null) return null;
  const env = {};
  md.parse(lines.join("\n\n"), env);
  return env.references ?? null;
}

/**
 * Render markdown `source` (whose fence opening at `openFenceLine` is still open, or -1) to a sanitised fragment,
 * with the link `references` (see referencesIn) of the whole text it is part of.
 */
export function renderFragment(source, openFenceLine = -1, references = null) {
  const env = { openFenceLine };
  if (references !== null) env.references = { ...references }; // markdown-it adds the block's own to its env
  const tokens = md.parse(source, env);
  // Past maxNesting markdown-it silently drops the rest of the block: show such a block as plain text instead.
  const tooDeep = tokens.some((token) => token.level >= md.options.maxNesting - 1);
  const html = tooDeep ? `<p>${md.utils.escapeHtml(source).replace(/\n/g, "<br>\n")}</p>`
    : md.renderer.render(tokens, md.options, env);
  const fragment = toFragment(html);
  if (html.includes("pm-task-box")) nameTaskBoxes(fragment); // before math, which would add its MathML's text
  if (html.includes("pm-math")) renderMath(fragment);
  return fragment;
}

// What ends a task item's own line: a nested list or another block of the item.
const ITEM_BLOCK = /^(UL|OL|P|PRE|DIV|BLOCKQUOTE|TABLE|H[1-6])$/;

/** Name each task box by its item's text, as a checkbox is by its label (a nested list's text is not its own). */
function nameTaskBoxes(fragment) {
  for (const box of fragment.querySelectorAll(".pm-task-box")) {
    let text = "";
    for (let node = box.nextSibling; node && !ITEM_BLOCK.test(node.nodeName); node = node.nextSibling) {
      text += node.textContent;
    }
    box.setAttribute("aria-label", text.replace(/\s+/g, " ").trim());
  }
}
