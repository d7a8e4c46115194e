"""A virtual X display for the native-window test, and what a person or a window manager does to a window on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import ImageGrab
from Xlib import X, error
from Xlib import display as xlib_display
from Xlib.protocol import event
from Xlib.xobject.drawable import Window


@contextmanager
def virtual_display(size: str = '1280x900x24') -> Iterator[str]:
    """Start Xvfb on a free display number (Xvfb picks it and writes it to a pipe) and yield its name, e.g. ':3'."""
    xvfb = shutil.which('Xvfb')
    assert xvfb, 'Xvfb is not installed'
    read_end, write_end = os.pipe()
    process = subprocess.Popen([xvfb, '-displayfd', str(write_end), '-screen', '0', size, '-nolisten', 'tcp'],
                               pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()  # written once the server accepts connections
        assert number, 'Xvfb did not start'
        yield f':{number}'
    finally:
        process.terminate()
        process.wait(timeout=10)


def find_window(display: xlib_display.Display, title: str, timeout: float = 30) -> Window:
    """The top-level window with this title, once it is mapped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for window in display.screen().root.query_tree().children:
            try:
                if window.get_wm_name() == title and window.get_attributes().map_state == X.IsViewable:
                    return window
            except (error.BadWindow, error.BadDrawable):
                continue  # a window Qt made for a moment while starting, gone before we asked its name
        time.sleep(0.1)
    raise AssertionError(f'no window titled {title!r} appeared within {timeout} s')


def window_icon_size(display: xlib_display.Display, window: Window) -> tuple[int, int] | None:
    """Width and height of the first image in the window's _NET_WM_ICON, or None when it has no icon."""
    prop = window.get_full_property(display.intern_atom('_NET_WM_ICON'), X.AnyPropertyType)
    return (int(prop.value[0]), int(prop.value[1])) if prop and len(prop.value) > 2 else None


def resize(display: xlib_display.Display, window: Window, width: int, height: int) -> None:
    """Resize the window as a window manager does when a person drags its border."""
    window.configure(width=width, height=height)
    display.sync()


def request_close(display: xlib_display.Display, window: Window) -> None:
    """Ask the window to close, as a window manager does for the title bar's close button (WM_DELETE_WINDOW)."""
    protocols = display.intern_atom('WM_PROTOCOLS')
    delete = display.intern_atom('WM_DELETE_WINDOW')
    window.send_event(event.ClientMessage(window=window, client_type=protocols,
                                          data=(32, [delete, X.CurrentTime, 0, 0, 0])))
    display.sync()


def screenshot(display_name: str, path: Path) -> None:
    """Save what the whole virtual screen shows as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ImageGrab.grab(xdisplay=display_name).save(path)
