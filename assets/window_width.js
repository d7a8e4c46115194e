// Tells the server, for the next page it builds, whether this window is wide enough to show the sidebar beside the
// chat (a cookie, 1 or 0): where it is a slide-over, the page then starts on the chat with the sidebar closed, and
// a wide window starts it as the person left it, both from the page's HTML on (ui/sidebar.py).
const WIDE_PX = 1024; // above Quasar's drawer breakpoint (1023 px), as IS_WIDE in ui/theme.py
const path = (window.path_prefix || "") + "/";
let last = null;

function note() {
  const wide = document.documentElement.clientWidth >= WIDE_PX ? "1" : "0";
  if (wide === last) return;
  last = wide;
  document.cookie = `parley_wide=${wide}; path=${path}; max-age=31536000; SameSite=Lax`;
}

note();
window.addEventListener("resize", note, { passive: true });
