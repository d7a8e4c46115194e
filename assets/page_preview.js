// Removes the server-rendered preview (ui/page_preview.py) once NiceGUI's app has mounted into #app, within the
// same task as the mount (a MutationObserver runs before the next paint), so the two never show together.
const preview = document.getElementById("parley-preview");
const app = document.getElementById("app");
if (preview && app) {
  const removeOnceMounted = () => {
    if (!app.firstElementChild) return false;
    preview.remove();
    return true;
  };
  if (!removeOnceMounted()) {
    const observer = new MutationObserver(() => removeOnceMounted() && observer.disconnect());
    observer.observe(app, { childList: true });
  }
}
