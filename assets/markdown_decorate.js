// What markdown-it does not make: code blocks with a language header and a copy button, long code split into
// chunks that skip layout off screen, tables that scroll sideways, images that load only when asked, and the copy
// button of a whole answer.
//
// Remote images never load by themselves. An https: image becomes a "Load image" button; an http: image becomes
// a plain link that opens it in a new tab, because the Content-Security-Policy (ui/csp.py) blocks http: images
// in the page, and loading one would leak the request to anyone on the way.

const COPY_LABEL = "Copy code"; // ui/names.py COPY_CODE
const COPY_ANSWER_LABEL = "Copy answer"; // ui/names.py COPY_ANSWER
const COPIED = "Copied"; // ui/names.py COPIED
const COPY_FAILED = "Copy failed"; // ui/names.py COPY_FAILED
const COPY_STATUS = "Copy status"; // ui/names.py COPY_STATUS
const REGENERATE_LABEL = "Regenerate"; // ui/names.py REGENERATE
const SVG = "http://www.w3.org/2000/svg";
const COPY_ICON = "M16 1H4c-1.1 0-2 .9-2 2v14h2V3h12V1zm3 4H8c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h11c1.1 0 2-.9 2-2V7c0-1.1"
  + "-.9-2-2-2zm0 16H8V7h11v14z";
// Material's "refresh", as the server's Retry button shows it.
const REGENERATE_ICON =
  "M17.65 6.35A7.958 7.958 0 0 0 12 4c-4.42 0-7.99 3.58-7.99 8s3.57 8 7.99 8c3.73 0 6.84-2.55 7.73-6h-2.08A5.99 5.99 0 0 " +
  "1 12 18c-3.31 0-6-2.69-6-6s2.69-6 6-6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z";
const DONE_ICON = "M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z";
// A longer code block is split into line-aligned chunks that skip layout while off screen.
export const CODE_CHUNK_CHARS = 16384;
// Plain code is appended in pieces of this size, so a megabyte costs many short steps, not one long one.
const FILL_CHARS = 65536;

export function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Wrap every <pre> of `fragment` in a block with a language header and a copy button. */
export function decorateCode(fragment) {
  for (const pre of fragment.querySelectorAll("pre")) {
    const code = pre.querySelector("code");
    const language = [...(code?.classList || [])].find((c) => c.startsWith("language-"))?.slice(9) || "";
    const block = element("div", "pm-code");
    const header = element("div", "pm-code-header");
    header.append(element("span", "pm-code-lang", language || "code"), copyButton());
    pre.replaceWith(block);
    block.append(header, pre);
    if (code && !code.firstElementChild && code.textContent.length > CODE_CHUNK_CHARS) {
      code.replaceChildren(...codeChunks(code.textContent));
    }
  }
}

/** Put every table of `fragment` in a box that scrolls sideways when the table is wider than the message. */
export function wrapTables(fragment) {
  for (const table of fragment.querySelectorAll("table")) {
    const scroller = element("div", "pm-table-scroll");
    table.replaceWith(scroller);
    scroller.append(table);
  }
}

/** Replace every image by what the reader may do with it (`approved`: sources they chose to load). */
export function decorateImages(fragment, approved) {
  for (const img of fragment.querySelectorAll("img")) {
    const url = img.getAttribute("data-parley-src");
    if (url === null) img.replaceWith(element("span", "pm-image-blocked", img.alt || "image"));
    else if (url.startsWith("http:")) img.replaceWith(img.closest("a") ? element("span", "pm-image-blocked",
      img.alt || "image") : imageLink(url, img.alt));
    else if (approved.has(url)) img.replaceWith(loadedImage(url, img.alt));
    else img.replaceWith(loadImageButton(url, img.alt));
  }
}

function codeChunks(text) {
  const chunks = [];
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf("\n", start + CODE_CHUNK_CHARS);
    const end = newline < 0 ? text.length : newline + 1;
    const chunk = element("span", "pm-code-chunk", text.slice(start, end));
    // Off screen, a chunk is skipped by layout and paint; as wide as its longest line, so nothing is clipped.
    Object.assign(chunk.style, { display: "block", width: "max-content", minWidth: "100%",
      contentVisibility: "auto", containIntrinsicHeight: `auto ${chunk.textContent.split("\n").length * 1.5}em` });
    chunks.push(chunk);
    start = end;
  }
  return chunks;
}

/** Append text to a plain code element, chunking it once it is long (the last chunk is re-cut, never more). */
function appendCode(code, text) {
  const last = code.lastElementChild;
  if (last === null) {
    if (code.textContent.length + text.length <= CODE_CHUNK_CHARS) code.append(text);
    else code.replaceChildren(...codeChunks(code.textContent + text));
    return;
  }
  const rest = last.textContent + text;
  last.remove();
  code.append(...codeChunks(rest));
}

/**
 * Append `text[from, to)` to a plain code element in pieces until `timeUp()`; return how far it got.
 * The chunks come out exactly as decorateCode cuts the same text at once.
 */
export function fillCode(code, text, from, to, timeUp) {
  let at = from;
  while (at < to) {
    const next = Math.min(to, at + FILL_CHARS);
    appendCode(code, text.slice(at, next));
    at = next;
    if (timeUp()) break;
  }
  return at;
}

function copyButton() {
  const button = element("button", "pm-copy", "Copy");
  button.type = "button";
  button.setAttribute("aria-label", COPY_LABEL);
  copyStatus(); // in the page before the first copy: a live region made as it speaks is not heard
  return button;
}

function loadImageButton(url, alt) {
  const host = new URL(url).host;
  const button = element("button", "pm-load-image", alt ? `Load image: ${alt}` : "Load image");
  button.type = "button";
  button.dataset.src = url;
  button.dataset.alt = alt;
  button.title = alt ? `${alt} (${host})` : host;
  button.setAttribute("aria-label", `Load image from ${host}`);
  return button;
}

function imageLink(url, alt) {
  const host = new URL(url).host;
  const link = element("a", "pm-image-link", alt ? `Open image: ${alt}` : "Open image");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.title = alt ? `${alt} (${host}, opens in a new tab)` : `${host} (opens in a new tab)`;
  link.setAttribute("aria-label", `Open image from ${host} in a new tab`);
  return link;
}

function loadedImage(url, alt) {
  const img = document.createElement("img");
  img.referrerPolicy = "no-referrer";
  img.alt = alt;
  img.src = url;
  return img;
}

/** What a click on a control inside rendered markdown does (one delegated listener, no inline handlers). */
export function handleClick(button, approved) {
  if (button.classList.contains("pm-copy")) {
    copyCode(button);
  } else if (button.classList.contains("pm-load-image")) {
    const url = button.dataset.src;
    approved.add(url);
    button.replaceWith(loadedImage(url, button.dataset.alt || ""));
  }
}

async function copyCode(button) {
  const copied = await copyText(button.closest(".pm-code")?.querySelector("pre code")?.textContent ?? "");
  button.textContent = copied ? COPIED : COPY_FAILED;
  // Said through the live region: the name stays "Copy code" (a focused button whose name changed would be said
  // twice by some screen readers, and not at all by others).
  announce(button.textContent);
  setTimeout(() => (button.textContent = "Copy"), 1500);
}

/**
 * The page's one polite live region for what a copy did: a changed title or icon is not spoken, and a focused
 * button's new name is spoken by some screen readers only. Visually hidden (parley.css), outside the Vue app.
 */
function copyStatus() {
  let region = document.getElementById("parley-copy-status");
  if (region === null) {
    region = element("div", "parley-sr-only");
    region.id = "parley-copy-status";
    region.setAttribute("role", "status"); // polite, and atomic
    region.setAttribute("aria-label", COPY_STATUS);
    document.body.append(region);
  }
  return region;
}

function announce(text) {
  const region = copyStatus();
  clearTimeout(region.parleyClear);
  // Emptied first, then written in a later task: the same words twice in a row are a change, and said twice.
  region.textContent = "";
  setTimeout(() => (region.textContent = text), 100);
  // Then emptied again, so a reader moving through the page later does not come upon a stale "Copied".
  region.parleyClear = setTimeout(() => (region.textContent = ""), 3000);
}

/**
 * A copy button for the answer in `article`, in its footer, as in the chat apps people know: it copies the answer's
 * markdown source, which the renderer holds. Made here rather than on the server, where it would add a few hundred
 * bytes to every answer on the wire; parley.css shows it only once the answer is finished and has text.
 */
export function addAnswerCopy(article) {
  const footer = article.querySelector(":scope > .parley-message-footer");
  if (!footer || footer.querySelector(":scope > .parley-copy-answer")) return; // a remount keeps the one it has
  const button = element("button", "parley-copy-answer");
  button.type = "button";
  button.title = COPY_ANSWER_LABEL;
  button.setAttribute("aria-label", COPY_ANSWER_LABEL);
  copyStatus();
  const path = icon(button, COPY_ICON);
  button.addEventListener("click", async () => {
    const text = article.querySelector(":scope > .parley-markdown")?.parleyRenderer?.text ?? "";
    const copied = await copyText(text);
    button.title = copied ? COPIED : COPY_FAILED;
    announce(button.title); // a title is not spoken
    if (copied) path.setAttribute("d", DONE_ICON);
    setTimeout(() => {
      button.title = COPY_ANSWER_LABEL;
      path.setAttribute("d", COPY_ICON);
    }, 1500);
  });
  // First in the footer, then Regenerate: Vue adds the server's switch, notes and Retry after nodes it did not make,
  // so the order seen is the order Tab follows.
  footer.prepend(button, regenerateButton(article));
}

/**
 * Regenerate, beside the copy button and made here for the same reason. Every answer has one, but parley.css shows
 * it only on the conversation's last answer once it is complete; the log's listener (ui/conversation_view.py) takes
 * the click, and the server keeps the answer it replaces as an earlier version.
 */
function regenerateButton(article) {
  const button = element("button", "parley-regenerate");
  button.type = "button";
  button.title = REGENERATE_LABEL;
  button.setAttribute("aria-label", REGENERATE_LABEL);
  icon(button, REGENERATE_ICON);
  button.addEventListener("click", () => {
    if (!button.getClientRects().length || button.disabled) return; // hidden (not the last answer): a script's click
    button.disabled = true; // a double click asks once; the answer starts streaming long before this ends
    setTimeout(() => (button.disabled = false), 2000);
    const detail = { id: article.dataset.messageId };
    article.dispatchEvent(new CustomEvent("parley-regenerate", { bubbles: true, detail }));
    // The button hides while the answer is written again: assets/keyboard.js gives a keyboard's focus to the box.
  });
  return button;
}

function icon(parent, d) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  svg.append(path);
  parent.append(svg);
  return path;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall back to the selection below (a denied permission, a page not focused)
    }
  }
  return copyWithTextarea(text);
}

// Plain http on a LAN address is not a secure context: the Clipboard API is missing there.
function copyWithTextarea(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}
