// The sign-in page: whoever signs in next finds no one's unsent messages in this browser (assets/drafts.js), even when
// the last person's session ended without Sign out (it expired, an administrator ended it, the window was closed).
try {
  for (const key of Object.keys(localStorage)) if (key.startsWith("parley-draft:")) localStorage.removeItem(key);
} catch {
  // storage switched off: nothing was kept
}
