// A message typed but not sent is kept per conversation in this browser (localStorage), as the chat apps people know
// do: switching to another chat, reloading or closing the tab loses nothing, and the box holds it again on return.
// Keyed by the page's address, which a new chat's first message changes (history.replaceState): a draft is saved
// under the address it is typed at, and an accepted message clears it there and where the page opened
// (ui/composer.py CLEAR_AND_FOCUS calls `parleyDrafts.clear(text)`), and in the other open tabs of that chat which
// hold the same text. In team mode each person's drafts are their own (the page names its user by a hash,
// ui/drafts.py): a page removes everyone else's as it opens, the sign-in page removes
// them all (assets/forget_drafts.js), and so does Sign out (ui/account_controls.py), which also stops every other
// open tab from saving one.

const PREFIX = "parley-draft:";
const KEEP = 50; // drafts kept at most; the oldest go first (a deleted chat's draft is never opened again)
const SAVE_AFTER_MS = 300;
const BOX = 'textarea[aria-label="Message"]'; // ui/names.py MESSAGE

const openedAt = location.pathname;
let timer = 0;
let stopped = false;
let lastSaved = ""; // this tab's latest draft: another tab of a new chat (the same address) may have saved over it

const STOP = "parley-drafts-stop"; // set by Sign out: every tab hears it (the storage event) and stops saving
// An accepted message, told to the other tabs (the storage event): the same text in their box of that chat goes too.
const SENT = "parley-drafts-sent";
const RESTORE_TRIES = 300; // every 50 ms: a slow phone or a busy server may mount the page seconds after this runs

const scope = document.querySelector('meta[name="parley-drafts"]')?.content || "local";
const keyOf = (path) => `${PREFIX}${scope}:${path}`;

function forgetOthers() {
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(PREFIX) && !key.startsWith(`${PREFIX}${scope}:`)) localStorage.removeItem(key);
    }
  } catch {
    // storage switched off: nothing was kept
  }
}

function cancelSave() {
  clearTimeout(timer);
  timer = 0;
}

/** The draft stored under `key`, or "". */
function read(key) {
  try {
    return JSON.parse(localStorage.getItem(key))?.text ?? "";
  } catch {
    return "";
  }
}

function save() {
  cancelSave();
  if (stopped) return;
  const box = document.querySelector(BOX);
  if (!box) return;
  const key = keyOf(location.pathname);
  try {
    if (!box.value.trim()) {
      if (read(key) === lastSaved) localStorage.removeItem(key); // not another tab's draft
      lastSaved = "";
      return;
    }
    const fresh = localStorage.getItem(key) === null;
    localStorage.setItem(key, JSON.stringify({ text: box.value, at: Date.now() }));
    lastSaved = box.value;
    if (fresh) prune();
  } catch {
    // storage full or switched off: the draft is simply not kept
  }
}

function prune() {
  const drafts = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    let at = 0;
    try {
      at = JSON.parse(localStorage.getItem(key))?.at ?? 0;
    } catch {
      at = 0;
    }
    drafts.push([at, key]);
  }
  drafts.sort((a, b) => a[0] - b[0]);
  for (const [, key] of drafts.slice(0, Math.max(0, drafts.length - KEEP))) localStorage.removeItem(key);
}

/**
 * Put this address's draft in the box once the page's components exist (the box reports it to the server); then
 * mark the page (`data-parley-drafts="restored"` on <html>, for tests and devtools: an empty box means no draft).
 */
function restore(triesLeft = RESTORE_TRIES) {
  const box = document.querySelector(BOX);
  const component = box && window.getElement?.(box); // NiceGUI gives the textarea its element id
  if (!component) {
    if (triesLeft > 0) setTimeout(() => restore(triesLeft - 1), 50);
    return;
  }
  const text = read(keyOf(location.pathname));
  if (text && !component.inputValue) { // never over what is being typed
    component.inputValue = text;
    lastSaved = text; // this tab's draft now
    requestAnimationFrame(() => box.setSelectionRange(text.length, text.length));
  }
  document.documentElement.dataset.parleyDrafts = "restored";
}

document.addEventListener("input", (event) => {
  if (!event.target.matches?.(BOX)) return;
  clearTimeout(timer);
  timer = setTimeout(save, SAVE_AFTER_MS);
});
addEventListener("pagehide", () => timer && save());
addEventListener("storage", (event) => {
  if (event.key === STOP) window.parleyDrafts.stop();
  else if (event.key === SENT && event.newValue) sentElsewhere(event.newValue);
});

/** Another tab of this chat sent a message: if this box holds that very text, it is no draft any more either. */
function sentElsewhere(told) {
  let sent = null;
  try {
    sent = JSON.parse(told);
  } catch {
    return;
  }
  if (!sent?.text || !sent.keys?.includes(keyOf(location.pathname))) return;
  const box = document.querySelector(BOX);
  const component = box && window.getElement?.(box);
  if (component && component.inputValue === sent.text) {
    cancelSave();
    component.inputValue = "";
  }
}

window.parleyDrafts = {
  /** Sign out (ui/account_controls.py FORGET_DRAFTS): nothing more is saved from this page, not even on its way out. */
  stop() {
    cancelSave();
    stopped = true;
  },
  /**
   * The chat open here was deleted elsewhere and the page goes to a new chat (ui/chat_page.py): what the box holds
   * goes with it, as the new chat's draft (after one waiting there already).
   */
  carryToNewChat() {
    cancelSave();
    const text = document.querySelector(BOX)?.value || read(keyOf(location.pathname));
    const key = keyOf(`${window.path_prefix || ""}/`);
    try {
      if (text.trim()) {
        const waiting = read(key); // a new chat's draft from before: both are kept, the older first
        const carried = waiting && waiting !== text ? `${waiting}\n\n${text}` : text;
        localStorage.setItem(key, JSON.stringify({ text: carried, at: Date.now() }));
      }
      localStorage.removeItem(keyOf(location.pathname));
    } catch {
      // storage full or switched off: the draft is simply not kept
    }
    stopped = true; // leaving: nothing more is saved under the deleted chat's address
  },
  /** `sent` was accepted: it is no draft here, nor in the other tabs of this chat that hold the same text. */
  clear(sent) {
    cancelSave();
    const keys = [...new Set([openedAt, location.pathname])].map(keyOf);
    try {
      for (const key of keys) {
        // Not another tab's different draft, saved over this one's at the same address (two new chats)
        const stored = read(key);
        if (stored === sent || stored === lastSaved) localStorage.removeItem(key);
      }
      localStorage.setItem(SENT, JSON.stringify({ keys, text: sent }));
      localStorage.removeItem(SENT);
    } catch {
      // storage switched off: nothing was kept
    }
    lastSaved = "";
  },
};

forgetOthers();
restore();
