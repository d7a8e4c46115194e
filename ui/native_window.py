"""Parley in a native window: NiceGUI's native mode on pywebview (its Qt backend on Linux).

`configure` checks that the GUI backend imports, points pywebview at Parley's icon and data dir, restores the last
window size and saves it on every resize; it returns the `ui.run` arguments of a native window.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from nicegui import app
from nicegui.events import NativeEventArguments

from engine.settings import Settings

log = logging.getLogger(__name__)

ICON = Path(__file__).resolve().parents[1] / 'assets' / 'icon.png'  # PNG: GTK and Qt both read it
SIZE_FILE = 'window.json'
DEFAULT_SIZE = (1100, 800)
MIN_SIZE = (480, 360)
MAX_SIZE = (10_000, 10_000)
LOOPBACK = '127.0.0.1'
# Linux has no system web view that pywebview can use from a virtualenv, so Parley uses Qt WebEngine there.
LINUX_PACKAGE = 'pywebview[qt]'
OTHER_PACKAGE = 'pywebview'


def backend_package() -> str:
    """The PyPI requirement that gives pywebview a GUI backend on this platform."""
    return LINUX_PACKAGE if sys.platform.startswith('linux') else OTHER_PACKAGE


def missing_backend() -> str | None:
    """Why the native window cannot open, with the command that fixes it; None when the backend imports."""
    try:
        import webview  # noqa: F401
        if sys.platform.startswith('linux'):
            from qtpy import QtWebEngineWidgets  # noqa: F401
    except Exception as error:  # qtpy raises its own errors (not ImportError) when no Qt binding is installed
        return backend_message(error)
    return None


def backend_message(error: BaseException) -> str:
    """The plain-words message for a backend that failed to import."""
    package = backend_package()
    if '.so' in str(error):  # the Python packages are there but a system library is not
        return (f'Native mode cannot load Qt WebEngine: {error}.\n'
                'Install the missing system library (on Debian/Ubuntu see .ci/run for the list), '
                'or run Parley in the browser without --native.')
    return (f'Native mode needs the GUI backend "{package}", which is not installed ({error}).\n'
            f"Install it with: .venv/bin/pip install '{package}'   (the extra: pip install -e '.[native]'; "
            './parley --native installs it by itself), or run Parley in the browser without --native.')


def missing_display() -> str | None:
    """On Linux a window needs an X11 or Wayland session; without one Qt would abort after Parley started."""
    if not sys.platform.startswith('linux') or any(
            os.environ.get(name) for name in ('DISPLAY', 'WAYLAND_DISPLAY', 'QT_QPA_PLATFORM')):
        return None
    return ('Native mode needs a desktop session: neither DISPLAY nor WAYLAND_DISPLAY is set.\n'
            'Start Parley from the desktop, or run it in the browser without --native.')


def load_size(data_dir: Path) -> tuple[int, int]:
    """The window size saved by the last run, within sane bounds; the default when there is none."""
    try:
        saved = json.loads((data_dir / SIZE_FILE).read_text())
        width, height = int(saved['width']), int(saved['height'])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_SIZE
    return (min(max(width, MIN_SIZE[0]), MAX_SIZE[0]), min(max(height, MIN_SIZE[1]), MAX_SIZE[1]))


def save_size(data_dir: Path, width: int, height: int) -> None:
    """Keep the window size for the next start (written whole, so a crash never leaves half a file)."""
    path = data_dir / SIZE_FILE
    temporary = path.with_suffix('.tmp')
    try:
        temporary.write_text(json.dumps({'width': int(width), 'height': int(height)}))
        temporary.replace(path)
    except OSError as error:
        log.warning('could not save the window size: %s', error)


def allow_running_as_root() -> None:
    """Chromium (inside Qt WebEngine) refuses to start its sandbox as root; containers often run as root."""
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        os.environ['QTWEBENGINE_DISABLE_SANDBOX'] = '1'
        flags = os.environ.get('QTWEBENGINE_CHROMIUM_FLAGS', '')
        if '--no-sandbox' not in flags:
            os.environ['QTWEBENGINE_CHROMIUM_FLAGS'] = f'{flags} --no-sandbox'.strip()


def configure(settings: Settings) -> dict[str, Any]:
    """Prepare the native window and return its `ui.run` arguments; exits with the fix if the backend is missing."""
    if problem := missing_backend() or missing_display():
        raise SystemExit(problem)
    if settings.host not in {LOOPBACK, 'localhost'}:
        log.warning('a native window serves this machine only: listening on %s, not %s', LOOPBACK, settings.host)
    allow_running_as_root()
    data_dir = settings.data_dir
    app.native.window_args.update(min_size=MIN_SIZE)
    app.native.start_args.update(icon=str(ICON), private_mode=False, storage_path=str(data_dir / 'webview'))
    if sys.platform.startswith('linux'):
        app.native.start_args['gui'] = 'qt'  # pywebview would try GTK first, which a virtualenv rarely has

    def remember_size(event: NativeEventArguments) -> None:
        save_size(data_dir, event.args['width'], event.args['height'])

    app.native.on('resized', remember_size)
    app.native.on('closed', lambda: log.info('the window was closed; stopping'))
    # Without --port a free port is used, so a native window never collides with Parley running in a browser.
    port = settings.port if 'port' in settings.model_fields_set else None
    return {'native': True, 'window_size': load_size(data_dir), 'host': LOOPBACK, 'port': port, 'show': False}
