// The chat page records its address as the person leaves it (for Settings, say): "Back to chat" there returns to
// this conversation (ui/theme.py BACK_TO_LAST_CHAT), not to a new chat. Read when the page is left, so a new chat
// whose first message gave it an address (history.replaceState) is recorded with it. Per tab (sessionStorage).
addEventListener("pagehide", () => sessionStorage.setItem("parley-last-chat", location.pathname));
