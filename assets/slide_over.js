// The sidebar as a slide-over, in a window narrower than Quasar's drawer breakpoint (a phone, a zoomed-in desktop).

const BREAKPOINT = 1024; // Quasar's: wider, the drawer stands beside the chat
const OPEN = "aside.q-drawer--mobile:not(.q-layout--prevent-focus)";

// Closes the open slide-over, as a click on its backdrop does; with `focusToggle`, the focus goes back to the menu
// button that opened it (Esc, from assets/keyboard.js). False when none is open.
export function closeSlideOver({ focusToggle = false } = {}) {
  const backdrop = document.querySelector(OPEN) && document.querySelector(".q-drawer__backdrop:not(.hidden)");
  if (!backdrop) return false;
  backdrop.click();
  if (focusToggle) document.querySelector(".parley-sidebar-toggle")?.focus();
  return true;
}

// Quasar does not notice a window made wide while the slide-over is open (it holds the page's scroll), and leaves
// it over the page with its backdrop. Closed as the width passes the breakpoint (window's resize comes before
// Quasar measures the layout), Quasar then stands the sidebar beside the chat, as in any wide window.
window.addEventListener("resize", () => {
  if (window.innerWidth >= BREAKPOINT) closeSlideOver();
});

// The focus leaving the slide-over (Tab past its last entry) would go on behind its backdrop, to controls the
// reader cannot see: the slide-over closes with it. Its menus and dialogs are not leaving it: Quasar puts them
// outside the drawer's element.
document.addEventListener("focusin", (event) => {
  const open = document.querySelector(OPEN);
  const target = event.target instanceof Element ? event.target : null;
  if (!open || !target || open.contains(target) || target.closest(".q-menu, .q-dialog, .q-notifications")) return;
  closeSlideOver();
});
