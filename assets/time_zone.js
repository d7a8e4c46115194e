// The reader's time zone, for the sidebar's headings by day (ui/time_zone.py): kept in a cookie that every page
// request carries, so the server groups the list by the reader's days from the page's first paint. IANA names
// ("America/Los_Angeles", "Etc/GMT+5") need no quoting in a cookie.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone || '')) {
  document.cookie = `parley_tz=${zone}; path=/; max-age=31536000; SameSite=Lax`;
}
