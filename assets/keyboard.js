// Parley's keyboard shortcuts, decided in the browser: no keystroke reaches the server unless it is a shortcut
// that needs it (search and the help dialog, through NiceGUI's emitEvent; see ui/keyboard.py).
//
//   Ctrl/Cmd+Shift+O  new chat            Esc        close the sidebar's slide-over, else stop the answer
//   Ctrl/Cmd+K        search conversations  Shift+Esc  focus the message box
//   ?                 these shortcuts (outside text fields)
//
// It finds the composer by what ui/composer.py gives it: the textarea's accessible name (names.MESSAGE) and the
// `parley-busy` class its wrapper has while an answer streams (only then is Stop shown).

import { closeSlideOver } from "./slide_over.js";

const MAC = /Mac|iPhone|iPad/.test(navigator.userAgentData?.platform || navigator.platform || '');

function inTextField(target) {
  return target instanceof Element && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])');
}

function dialogOpen() {
  // Esc belongs to an open dialog or menu (Quasar closes it); it must not also stop the answer behind it.
  return document.querySelector('.q-dialog, .q-menu') !== null;
}

function newChat() {
  window.location.assign((window.path_prefix || '') + '/');
}

function stopAnswer() {
  const stop = document.querySelector('.parley-busy .parley-stop');  // shown only while an answer streams
  if (!stop) return false;
  stop.click();
  return true;
}

function focusComposer() {
  const box = document.querySelector('textarea[aria-label="Message"]');
  if (!box) return false;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  return true;
}

document.addEventListener('keydown', (event) => {
  if (event.isComposing || event.defaultPrevented) return;
  const command = MAC ? event.metaKey : event.ctrlKey;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (command && event.shiftKey && !event.altKey && key === 'o') {
    event.preventDefault();
    newChat();
  } else if (command && !event.shiftKey && !event.altKey && key === 'k') {
    event.preventDefault();
    if (!event.repeat) emitEvent('parley-search');
  } else if (key === 'Escape' && event.shiftKey && !command) {
    if (focusComposer()) event.preventDefault();
  } else if (key === 'Escape' && !event.shiftKey && !command && !event.altKey && !dialogOpen()) {
    if (closeSlideOver({ focusToggle: true }) || stopAnswer()) event.preventDefault();
  } else if (event.key === '?' && !command && !event.altKey && !inTextField(event.target) && !dialogOpen()) {
    event.preventDefault();
    emitEvent('parley-help');
  }
});

// Controls that go away once used (Stop, Retry, Regenerate, Jump to latest): a keyboard's focus on one would fall
// to the page, and the next Tab start again from its top. Pressed from the keyboard (a click with no pointer, on
// the control that holds the focus: not Esc's own click on Stop), the focus goes to the message box, where Esc
// stops an answer and typing writes the next message.
const FLEETING = ".parley-stop, .parley-retry, .parley-regenerate, .parley-jump";
document.addEventListener(
  "click",
  (event) => {
    const control = event.detail === 0 && event.target instanceof Element && event.target.closest(FLEETING);
    if (control && control.contains(document.activeElement)) focusComposer();
  },
  true,
);

// Stop also goes when the answer ends by itself: focus the keyboard left on it follows to the message box, unless
// it moved. Only the keyboard's: Quasar keeps the focus in a button after a tap too, and focusing the box would
// open a phone's on-screen keyboard over the answer just stopped to be read.
let byKeyboard = false;
document.addEventListener("keydown", () => (byKeyboard = true), true);
document.addEventListener("pointerdown", () => (byKeyboard = false), true);
document.addEventListener("focusin", (event) => {
  const composer = event.target instanceof Element && event.target.closest(".parley-stop")?.closest(".parley-composer");
  if (!composer || !byKeyboard) return;
  const watch = new MutationObserver(() => {
    if (composer.classList.contains("parley-busy")) return;
    watch.disconnect();
    const focused = document.activeElement;
    if (!focused || focused === document.body || focused.closest(".parley-stop")) focusComposer();
  });
  watch.observe(composer, { attributes: true, attributeFilter: ["class"] });
  event.target.addEventListener("focusout", () => setTimeout(() => watch.disconnect()), { once: true });
});
