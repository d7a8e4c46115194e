// Footnotes as models write them: "a claim[^1]" in the text, "[^1]: the source" further down, usually at the end.
//
// The renderer parses an answer one block at a time, so a reference never sees its definition (markdown-it-footnote
// numbers and collects them over one parse of the whole text). Each is drawn where it stands instead, which is where
// a reader expects them since models put the definitions last: a reference as its label raised, a definition as a
// small paragraph led by its label. Labels are shown as written ("1", "note"); a model's labels are its numbering.

const MAX_LABEL = 40;
const LABEL = String.raw`\[\^([^\]\s\\]{1,${MAX_LABEL}})\]`;
const REFERENCE = new RegExp(`^${LABEL}`);
const DEFINITION = new RegExp(`^${LABEL}:[ \\t]*`);
const OPEN_BRACKET = 0x5b;
const CARET = 0x5e;

/** Add footnote references and definitions to markdown-it `md`. */
export function useFootnotes(md) {
  const escape = md.utils.escapeHtml;
  md.inline.ruler.before("link", "parley_footnote_ref", (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== OPEN_BRACKET || state.src.charCodeAt(state.pos + 1) !== CARET) return false;
    const match = REFERENCE.exec(state.src.slice(state.pos, state.pos + MAX_LABEL + 3)); // "[^", the label, "]"
    if (match === null) return false;
    if (!silent) state.push("parley_footnote_ref", "sup", 0).meta = { label: match[1] };
    state.pos += match[0].length;
    return true;
  });
  md.block.ruler.before("reference", "parley_footnote_def", definition, { alt: ["paragraph", "reference"] });
  md.renderer.rules.parley_footnote_ref = (tokens, idx) =>
    `<sup class="pm-fn-ref">${escape(tokens[idx].meta.label)}</sup>`;
  md.renderer.rules.parley_footnote_open = (tokens, idx) =>
    `<p class="pm-fn-def"><sup class="pm-fn-label">${escape(tokens[idx].meta.label)}</sup> `;
  md.renderer.rules.parley_footnote_close = () => "</p>\n";
}

/** A definition: its first line, and the lines after it up to a blank line or the next definition. */
function definition(state, startLine, endLine, silent) {
  if (state.sCount[startLine] - state.blkIndent >= 4) return false; // indented code
  const first = state.bMarks[startLine] + state.tShift[startLine];
  const match = DEFINITION.exec(state.src.slice(first, state.eMarks[startLine]));
  if (match === null) return false;
  if (silent) return true;
  let next = startLine + 1;
  while (next < endLine && !state.isEmpty(next)
    && !DEFINITION.test(state.src.slice(state.bMarks[next] + state.tShift[next], state.eMarks[next]))) next++;
  const open = state.push("parley_footnote_open", "p", 1);
  open.meta = { label: match[1] };
  open.map = [startLine, next];
  const inline = state.push("inline", "", 0);
  inline.content = state.getLines(startLine, next, state.blkIndent, false).trim().slice(match[0].length);
  inline.map = [startLine, next];
  inline.children = [];
  state.push("parley_footnote_close", "p", -1);
  state.line = next;
  return true;
}
