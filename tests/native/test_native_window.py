"""`python app.py --native`: the chat page in a native window on a virtual display, its size kept, a clean exit.

The window is driven from outside, as a person and a window manager would: X11 finds, resizes and closes it
(tests/native/x11.py); the page inside is read through Qt WebEngine's DevTools port (tests/native/cdp.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from engine.settings import Settings
from tests.conftest import missing_prerequisite
from tests.fakes.server import FakeServer, free_port
from ui import native_window
from ui.native_window import DEFAULT_SIZE, MIN_SIZE, load_size, missing_backend, save_size

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / 'test-results' / 'native-window.png'  # kept by CI as an artifact

pytestmark = pytest.mark.native


def test_a_missing_webview_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'webview', None)  # makes `import webview` fail like an absent package
    message = missing_backend()
    assert message is not None
    assert f"pip install '{native_window.backend_package()}'" in message
    assert "'.[native]'" in message


def test_a_missing_qt_binding_names_the_qt_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, 'platform', 'linux')
    monkeypatch.setitem(sys.modules, 'webview', type(sys)('webview'))
    monkeypatch.setitem(sys.modules, 'qtpy', None)
    assert "pip install 'pywebview[qt]'" in (missing_backend() or '')


def test_without_a_desktop_session_it_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, 'platform', 'linux')
    monkeypatch.setattr(native_window, 'missing_backend', lambda: None)
    for name in ('DISPLAY', 'WAYLAND_DISPLAY', 'QT_QPA_PLATFORM'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match='DISPLAY nor WAYLAND_DISPLAY'):
        native_window.configure(Settings(data_dir=tmp_path))


def test_app_exits_with_the_install_command_before_touching_storage(tmp_path: Path) -> None:
    hide_webview = ("import runpy, sys; sys.modules['webview'] = None; sys.argv = sys.argv[1:]; "
                    "runpy.run_path(sys.argv[0], run_name='__main__')")
    result = subprocess.run(
        [sys.executable, '-c', hide_webview, str(ROOT / 'app.py'), '--native', '--data-dir', str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=app_env({'PYTHONPATH': str(ROOT)}))
    assert result.returncode == 1, result.stderr
    assert f"pip install '{native_window.backend_package()}'" in result.stderr
    assert not (tmp_path / 'parley.db').exists()


def test_the_window_size_is_kept_within_bounds(tmp_path: Path) -> None:
    assert load_size(tmp_path) == DEFAULT_SIZE
    save_size(tmp_path, 1234, 777)
    assert load_size(tmp_path) == (1234, 777)
    save_size(tmp_path, 10, 10)
    assert load_size(tmp_path) == MIN_SIZE
    (tmp_path / native_window.SIZE_FILE).write_text('{"width": "wide"')
    assert load_size(tmp_path) == DEFAULT_SIZE


@pytest.mark.timeout(300)
def test_native_window_shows_the_chat_keeps_its_size_and_closes_cleanly(fake_server: FakeServer,
                                                                         tmp_path: Path) -> None:
    if not shutil.which('Xvfb'):
        missing_prerequisite('Xvfb is not installed (Debian: apt install xvfb)')
    if problem := missing_backend():
        missing_prerequisite(problem)
    from Xlib import display as xlib_display

    from tests.native.cdp import page_at
    from tests.native.x11 import find_window, request_close, resize, screenshot, virtual_display, window_icon_size

    data_dir = tmp_path / 'data'
    data_dir.mkdir()
    save_size(data_dir, 1200, 800)  # as the last run left it (wide enough to show the sidebar)
    port, debug_port = free_port(), free_port()
    log = data_dir / 'parley.log'
    with virtual_display() as display_name:
        env = app_env({**fake_server.env, 'DISPLAY': display_name, 'QT_QPA_PLATFORM': 'xcb',
                       'QTWEBENGINE_REMOTE_DEBUGGING': f'127.0.0.1:{debug_port}'})
        process = subprocess.Popen(
            [sys.executable, str(ROOT / 'app.py'), '--native', '--port', str(port), '--data-dir', str(data_dir)],
            cwd=data_dir, env=env, stdout=log.open('ab'), stderr=subprocess.STDOUT)
        try:
            # Generous limits: on a loaded 2-core machine the app and Qt WebEngine can take a minute to start.
            wait_until(lambda: answers(f'http://127.0.0.1:{port}/healthz') or process.poll() is not None, timeout=90)
            assert process.poll() is None, 'Parley exited at start'
            display = xlib_display.Display(display_name)
            window = find_window(display, 'Parley', timeout=60)
            assert window_icon_size(display, window) == (256, 256)  # assets/icon.png
            geometry = window.get_geometry()
            assert (geometry.width, geometry.height) == (1200, 800)

            with page_at(debug_port, f'http://127.0.0.1:{port}/', timeout=60) as page:
                page.wait_for('textbox', 'Message')
                page.wait_for('button', 'New chat')
                page.type_and_enter('[aria-label="Message"]', 'Hello from the window [[tokens=3000]] [[delay=20]]')
                page.wait_for('button', 'Stop')  # the answer is streaming
                wait_until(lambda: page.evaluate(
                    'document.querySelector(\'[aria-label="Assistant message"]\')?.innerText.length || 0') > 80)
                screenshot(display_name, SCREENSHOT)

            resize(display, window, 1100, 760)
            wait_until(lambda: load_size(data_dir) == (1100, 760))

            listening = {c.laddr for c in psutil.Process(process.pid).net_connections('tcp') if c.status == 'LISTEN'}
            assert listening == {('127.0.0.1', port)}  # this machine only

            children = psutil.Process(process.pid).children(recursive=True)
            assert any('QtWebEngineProcess' in ' '.join(child.cmdline()) for child in children)
            request_close(display, window)
            assert process.wait(timeout=60) == 0
        except BaseException:
            print(log.read_text()[-4000:])
            raise
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    _, orphans = psutil.wait_procs(children, timeout=10)
    assert not orphans, f'left running after the window closed: {[p.cmdline() for p in orphans]}'
    assert 'the window was closed' in log.read_text()
    # ChatEngine.shutdown ran: the answer cut off by closing the window was saved as interrupted, with its text.
    with sqlite3.connect(data_dir / 'parley.db') as database:
        status, length = database.execute(
            "select status, length(content) from message where role = 'assistant'").fetchone()
    assert status == 'interrupted'
    assert length > 80


def app_env(extra: dict[str, str]) -> dict[str, str]:
    """The test's environment without the developer's keys, Parley settings or display, plus `extra`."""
    env = {key: value for key, value in os.environ.items()
           if not key.endswith(('_API_KEY', '_BASE_URL')) and not key.startswith('PARLEY_')
           and key not in {'DATABASE_URL', 'PYTEST_CURRENT_TEST', 'DISPLAY', 'WAYLAND_DISPLAY'}}
    env.update({'PARLEY_OLLAMA_URL': '', 'PARLEY_DEFAULT_MODEL': 'openai/gpt-4o-mini', 'PYTHONUNBUFFERED': '1'})
    env.update(extra)
    return env


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'still not true after {timeout} s')
        time.sleep(0.1)
