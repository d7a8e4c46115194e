"""Starts Parley for the browser tests by forking a process that has imported it already.

Importing Parley's dependencies is most of a start (about 7 s of 8 on the slow 2-core machine, `-X importtime`),
and the browser tests start about forty Parleys. This launcher imports once; each start is a fork that runs
`app.main()` with its own arguments, environment, working directory and log, as `python app.py ...` would. Nothing
has run at the fork (no thread, event loop, database or server: see `preload`), so every Parley starts as fresh as
a new process. The SDKs are imported too, so a provider's first use (providers/deferred.py) costs no import here;
tests/providers/test_deferred.py and `bench/start_time.py` start Parley the plain way (the other benchmarks
use this launcher too, through `start_parley`).

Protocol: one JSON request per line on stdin ({"argv", "env", "cwd", "log"}), the child's pid per line on stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def preload() -> None:
    """What `app.main()` imports, and the three SDKs; nothing is started."""
    import app  # noqa: F401
    import engine.account_cli
    import engine.chat
    import engine.provider_setup  # noqa: F401
    import providers.anthropic
    import providers.google
    import providers.openai  # noqa: F401
    import storage.repository  # noqa: F401
    import ui
    import ui.team  # noqa: F401
    assert threading.active_count() == 1, 'a thread at the fork would be missing from every Parley'


def serve() -> None:
    preload()
    # Children are reaped by the kernel as they exit; the tests watch them by pid (ForkedParley.poll).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_parley(request)
        sys.stdout.write(f'{pid}\n')
        sys.stdout.flush()


def run_parley(request: dict[str, Any]) -> None:
    """In the child: become `python app.py ARGV` in CWD with ENV, writing to LOG; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setpgrp()  # a Ctrl-C in the test's terminal reaches pytest, which stops its Parleys itself
        os.chdir(request['cwd'])
        os.environ.clear()
        os.environ.update(request['env'])
        log = os.open(request['log'], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        # line by line, as PYTHONUNBUFFERED makes a new process's output: tests read the log while Parley runs
        sys.stdout = open(1, 'w', buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, 'w', buffering=1, closefd=False)  # noqa: SIM115
        sys.argv = [str(ROOT / 'app.py'), *request['argv']]
        import app
        app.main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the log may be gone with the test's temporary directory
                stream.flush()
        os._exit(code)


class ForkedParley:
    """The part of `subprocess.Popen` the tests use, for a Parley the launcher forked (not this process's child).

    It is held by a pidfd, not its pid: the launcher's kernel reaps it as it exits, and a pid can then be reused.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # it failed at once and is gone already: the start reports its log
            self.pidfd = None

    def poll(self) -> int | None:
        """None while it runs; its exit code is not known here (the launcher's kernel reaped it), so 0 after."""
        return None if self.pidfd is not None and not select.select([self.pidfd], [], [], 0)[0] else 0

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        if self.pidfd is not None and not select.select([self.pidfd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(f'parley {self.pid}', timeout or 0)
        return 0

    def _signal(self, number: int) -> None:
        if self.pidfd is not None:
            with contextlib.suppress(ProcessLookupError):  # it has exited already
                signal.pidfd_send_signal(self.pidfd, number)

    def __del__(self) -> None:
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)


class Launcher:
    """The test session's end of the launcher: `start` forks one Parley and returns it at once."""

    def __init__(self, env: dict[str, str]) -> None:
        # NiceGUI opens its app-wide storage as it is imported: in an empty directory of the launcher's own, not in
        # a .nicegui of the checkout that a Parley started by hand may have left (each Parley then opens its own)
        self.storage = tempfile.TemporaryDirectory(prefix='parley-launcher-')
        env = {**env, 'NICEGUI_STORAGE_PATH': self.storage.name}
        self.process = subprocess.Popen([sys.executable, '-m', 'tests.ui.launcher'], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()

    def start(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> ForkedParley:
        request = json.dumps({'argv': argv, 'env': env, 'cwd': str(cwd), 'log': str(log)})
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.lock:
            self.process.stdin.write(request + '\n')
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer.strip().isdigit():
            raise RuntimeError(f'the Parley launcher failed (exit code {self.process.poll()})')
        return ForkedParley(int(answer))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.storage.cleanup()


if __name__ == '__main__':
    serve()
