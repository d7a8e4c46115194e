"""Parley as a real process pointed at the fake providers, for the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.server import FakeServer, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ParleyApp:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_parley(fake: FakeServer, data_dir: Path, *, port: int | None = None,
                 env: dict[str, str] | None = None) -> ParleyApp:
    """Start `app.py` in its own process and wait until it answers; its cwd is the data dir so no `.env` leaks in."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    # NiceGUI takes PYTEST_CURRENT_TEST to mean it runs inside its own test harness; keys and URLs of the
    # developer's environment must not leak into the app under test either.
    full_env = {key: value for key, value in os.environ.items()
                if not key.endswith(('_API_KEY', '_BASE_URL'))
                and key not in {'DATABASE_URL', 'PARLEY_DEFAULT_MODEL', 'PYTEST_CURRENT_TEST'}}
    full_env.update(fake.env)
    full_env.update({'PARLEY_OLLAMA_URL': '', 'PARLEY_DEFAULT_MODEL': 'openai/gpt-4o-mini',
                     'PYTHONUNBUFFERED': '1'})
    full_env.update(env or {})
    log = data_dir / 'parley.log'
    process = subprocess.Popen(
        [sys.executable, str(ROOT / 'app.py'), '--port', str(port), '--no-show', '--data-dir', str(data_dir)],
        cwd=data_dir, env=full_env, stdout=log.open('ab'), stderr=subprocess.STDOUT)
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
