"""Parley as a real process pointed at the fake providers, for the browser tests (forked by tests/ui/launcher.py from
a process that has imported it already)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.server import FakeServer, free_port

from .launcher import ForkedParley, Launcher

ROOT = Path(__file__).resolve().parents[2]
_launcher: Launcher | None = None


@dataclass
class ParleyApp:
    url: str
    data_dir: Path
    process: ForkedParley | subprocess.Popen[bytes]
    log: Path

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def base_env() -> dict[str, str]:
    """This environment without what must not reach Parley: NiceGUI takes PYTEST_CURRENT_TEST to mean it runs inside
    its own test harness, and the developer's keys and URLs must not leak into the app under test."""
    return {key: value for key, value in os.environ.items()
            if not key.endswith(('_API_KEY', '_BASE_URL'))
            and key not in {'DATABASE_URL', 'PARLEY_DEFAULT_MODEL', 'PYTEST_CURRENT_TEST'}}


@pytest.fixture(scope='session', autouse=True)
def launcher_closed() -> Iterator[None]:
    """The launcher goes with the test session (its Parleys are each stopped by their tests)."""
    yield
    if _launcher is not None:
        _launcher.close()


def start_parley(fake: FakeServer, data_dir: Path, *, port: int | None = None,
                 env: dict[str, str] | None = None) -> ParleyApp:
    """Start Parley (`app.py`) in its own process and wait until it answers; its cwd is the data dir so no `.env`
    leaks in."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    full_env = base_env()
    full_env.update(fake.env)
    full_env.update({'PARLEY_OLLAMA_URL': '', 'PARLEY_DEFAULT_MODEL': 'openai/gpt-4o-mini',
                     'PYTHONUNBUFFERED': '1'})
    full_env.update(env or {})
    log = data_dir / 'parley.log'
    global _launcher
    if _launcher is None or _launcher.process.poll() is not None:
        _launcher = Launcher(base_env())
    process = _launcher.start(['--port', str(port), '--no-show', '--data-dir', str(data_dir)], full_env,
                              data_dir, log)
    app = ParleyApp(f'http://127.0.0.1:{port}', data_dir, process, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'Parley exited at start:\n{log.read_text()[-3000:]}')
        try:
            if httpx.get(f'{app.url}/healthz', timeout=1).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    app.stop(kill=True)
    raise RuntimeError(f'Parley did not answer within 90 s:\n{log.read_text()[-3000:]}')


@pytest.fixture(scope='session')
def parley(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """One Parley for the session; tests that need a clean slate or a restart start their own."""
    app = start_parley(fake_server, tmp_path_factory.mktemp('parley'))
    yield app
    app.stop()


@pytest.fixture(scope='session')
def team_parley(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """One team-mode Parley (PARLEY_AUTH=local) for the session, shared by the sign-in and admin tests; its only
    account at start is the administrator from PARLEY_ADMIN_USER/PASSWORD (tests/ui/accounts.py: TEAM_ADMIN)."""
    from .accounts import TEAM_ADMIN, start_team_parley

    name, password = TEAM_ADMIN
    app = start_team_parley(fake_server, tmp_path_factory.mktemp('team'), [],
                            env={'PARLEY_ADMIN_USER': name, 'PARLEY_ADMIN_PASSWORD': password})
    yield app
    app.stop()
