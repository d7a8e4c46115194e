// Edit beside the user's last message: made here, so no exchange carries it (tests/ui/test_wire_budget.py), for every
// user message as it joins the log; parley.css shows it only on the last question while its answer is not being
// written. A click asks the server (ui/conversation_view.py) to open the editor, which checks it is the last question.

const LABEL = "Edit message"; // ui/names.py EDIT_MESSAGE
const SVG = "http://www.w3.org/2000/svg";
const ICON = "M3 17.25V21h3.75L17.81 9.94l-3.75-3.75L3 17.25zM20.71 7.04a.996.996 0 0 0 0-1.41l-2.34-2.34a.996.996 "
  + "0 0 0-1.41 0l-1.83 1.83 3.75 3.75 1.83-1.83z";

function decorate(article) {
  if (!article.matches?.("article.parley-user") || article.querySelector(":scope > .parley-edit-message")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "parley-edit-message";
  button.title = LABEL;
  button.setAttribute("aria-label", LABEL);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICON);
  svg.append(path);
  button.append(svg);
  button.addEventListener("click", () => {
    if (!button.getClientRects().length) return; // hidden (not the last question): only a script could click it
    article.dispatchEvent(new CustomEvent("parley-edit", { bubbles: true, detail: { id: article.dataset.messageId } }));
  });
  article.append(button);
}

// The log's own children only (no subtree): a streaming answer's changes never wake this.
function watch(log) {
  for (const article of log.children) decorate(article);
  new MutationObserver((records) => {
    for (const record of records) for (const node of record.addedNodes) decorate(node);
  }).observe(log, { childList: true });
}

function findLog(tries = 0) {
  const log = document.querySelector(".parley-log");
  if (log) watch(log);
  else if (tries < 600) setTimeout(() => findLog(tries + 1), 50); // the app mounts after this module runs
}

findLog();
