"""Settings: flags over the environment over `.env` over defaults; keys never print in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import load_settings

CLEAN = ('OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'PARLEY_HOST', 'PARLEY_PORT',
         'PARLEY_DEFAULT_MODEL', 'PARLEY_DATA_DIR', 'DATABASE_URL', 'OPENAI_BASE_URL')


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in CLEAN:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # `.env` is read from the current folder
    return tmp_path


def test_defaults_bind_loopback_and_open_the_browser() -> None:
    settings = load_settings([])
    assert (settings.host, settings.port, settings.show, settings.native) == ('127.0.0.1', 8080, True, False)
    assert settings.data_dir.name == 'parley'
    assert settings.openai_api_key is None and settings.default_model is None


def test_flags_win_over_environment_which_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / '.env').write_text('PARLEY_PORT=9001\nPARLEY_HOST=10.0.0.1\nOPENAI_API_KEY=from-dotenv\n'
                                   'PARLEY_DEFAULT_MODEL=anthropic/claude-sonnet-5-5\n')
    monkeypatch.setenv('PARLEY_PORT', '9002')
    settings = load_settings(['--host', '127.0.0.2', '--no-show', '--data-dir', str(tmp_path / 'data')])
    assert settings.host == '127.0.0.2'          # flag
    assert settings.port == 9002                 # environment over .env
    assert settings.default_model == 'anthropic/claude-sonnet-5-5'  # .env
    assert settings.show is False and settings.data_dir == tmp_path / 'data'
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == 'from-dotenv'


def test_google_api_key_is_accepted_for_gemini(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('GOOGLE_API_KEY', 'g-key')
    settings = load_settings([])
    assert settings.gemini_api_key is not None and settings.gemini_api_key.get_secret_value() == 'g-key'


def test_keys_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OPENAI_API_KEY', 'very-secret-value')
    settings = load_settings([])
    assert 'very-secret-value' not in repr(settings) and 'very-secret-value' not in str(settings.model_dump())
