"""What every page loads: Parley's stylesheets, the scroll follower, and the shared static route.

Behind a reverse proxy under a sub-path (PARLEY_ROOT_PATH, or an X-Forwarded-Prefix header), every URL Parley
writes itself starts with `page_prefix()`; NiceGUI prefixes its own (scripts, socket, ui.link, ui.navigate).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from nicegui import app, ui
from starlette.requests import Request
from starlette.responses import RedirectResponse

from .streaming_markdown import renderer_module_urls, vendor_url

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
ASSETS_ROUTE = '/assets'
# markdown.css is also what StreamingMarkdown loads itself: linked here it is there for the first paint, and the
# element's loader (NiceGUI's loadResource) sees the `data-markdown-css` attribute and does not load it twice.
STYLESHEETS = ('parley.css', 'chat_scroll.css', 'markdown.css')
MODULES = ('chat_scroll.js', 'load_more.js', 'model_picker.js', 'page_preview.js', 'time_zone.js')


def serve_assets() -> None:
    """Serve assets/ (CSS, scripts, vendored libraries) from this app: nothing loads from a CDN."""
    app.add_static_files(ASSETS_ROUTE, ASSETS)


def page_prefix(request: Request | None = None) -> str:
    """The path prefix the browser sees this app under ('' at the root), worked out as NiceGUI does for its own
    URLs (nicegui/client.py), so Parley's links and redirects always agree with NiceGUI's."""
    request = request or ui.context.client.request
    # Quoted with only path-legal characters kept: the header comes from the client and ends up in HTML.
    forwarded = quote(request.headers.get('X-Forwarded-Prefix', ''), safe="/:@!$&'()*+,;=%")
    return (forwarded + request.scope.get('root_path', '')).rstrip('/')


def redirect_to(path: str, request: Request) -> RedirectResponse:
    """A redirect to `path` (e.g. '/') inside this app, wherever it is served.

    Only root_path is added here: NiceGUI's RedirectWithPrefixMiddleware already puts X-Forwarded-Prefix in front
    of every redirect that starts with '/', so adding it here too would double it.
    """
    return RedirectResponse(request.scope.get('root_path', '') + path, status_code=303)


def asset_url(name: str) -> str:
    """The URL of a file in assets/ for the current page (its prefix included)."""
    return f'{page_prefix()}{ASSETS_ROUTE}/{name}'


# "Back to chat" (Settings, Admin): to the chat the person left, recorded by assets/last_chat.js as the chat page was
# left (a new chat's address changes with its first message), else a new chat. Only a path of this site is taken.
BACK_TO_LAST_CHAT = ('(e) => { const p = sessionStorage.getItem("parley-last-chat"); e && e.preventDefault();'
                     ' location.assign(p && p.startsWith("/") && !p.startsWith("//") ? p'
                     ' : (window.path_prefix || "") + "/"); }')


def add_head() -> None:
    """Link the stylesheets and scripts into the current page."""
    links = [f'<link rel="stylesheet" href="{asset_url(name)}" data-{name.replace(".", "-")}>' for name in STYLESHEETS]
    scripts = [f'<script type="module" src="{asset_url(name)}"></script>' for name in MODULES]
    # The renderer's modules are found one import level at a time; listed here they load alongside the page's.
    preloads = [f'<link rel="modulepreload" href="{url}">' for url in renderer_module_urls(page_prefix())]
    ui.add_head_html('\n'.join(links + scripts + preloads))


def math_preloads() -> str:
    """Head HTML for a page that has formulas to show: KaTeX and its stylesheet load with the page, and
    assets/math_early.js hands KaTeX to the renderer before the first answer is rendered (see there)."""
    prefix = page_prefix()
    return (f'<link rel="stylesheet" href="{vendor_url(prefix, "katex.min.css")}" data-katex-css>'
            f'<script type="module" src="{asset_url("math_early.js")}"></script>')
