"""Behind TLS the session cookie is marked Secure, so a browser never sends it over plain http."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.fakes.server import FakeServer

from .accounts import start_team_parley


@pytest.mark.parametrize('https_only', [True, False])
def test_session_cookie_is_secure_when_asked(fake_server: FakeServer, tmp_path: Path, https_only: bool) -> None:
    app = start_team_parley(fake_server, tmp_path / 'data', [('ann', 'a long enough password', True)],
                            env={'PARLEY_HTTPS_ONLY_COOKIES': str(https_only).lower()})
    try:
        response = httpx.get(f'{app.url}/login', timeout=30)
    finally:
        app.stop()
    cookies = [value for name, value in response.headers.multi_items() if name == 'set-cookie']
    assert cookies, 'the sign-in page starts a session'
    assert all(('; secure' in cookie.lower()) == https_only for cookie in cookies), cookies
