"""Parley's settings: command-line flags over the environment over a `.env` file over defaults."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 8080


class Settings(BaseSettings):
    """Every setting Parley reads; `.env.example` documents each variable."""

    model_config = SettingsConfigDict(env_file='.env', env_file_encoding='utf-8', extra='ignore',
                                      populate_by_name=True)

    host: str = Field('127.0.0.1', validation_alias='PARLEY_HOST')
    port: int = Field(DEFAULT_PORT, validation_alias='PARLEY_PORT')
    data_dir: Path = Field(Path(user_data_dir('parley', appauthor=False)), validation_alias='PARLEY_DATA_DIR')
    show: bool = Field(True, validation_alias='PARLEY_SHOW')
    native: bool = Field(False, validation_alias='PARLEY_NATIVE')
    database_url: str | None = Field(None, validation_alias='DATABASE_URL')
    default_model: str | None = Field(None, validation_alias='PARLEY_DEFAULT_MODEL')
    max_message_chars: int = Field(200_000, validation_alias='PARLEY_MAX_MESSAGE_CHARS')
    max_import_mb: int = Field(1024, ge=1, validation_alias='PARLEY_MAX_IMPORT_MB')  # an export file on /import
    retry_attempts: int = Field(4, ge=1, validation_alias='PARLEY_RETRY_ATTEMPTS')
    idle_timeout: float = Field(90.0, gt=0, validation_alias='PARLEY_IDLE_TIMEOUT')
    # Per-user limits (engine/limits.py); unset: 20 a minute and 2 at once in team mode, none in personal mode; 0: off.
    messages_per_minute: int | None = Field(None, ge=0, validation_alias='PARLEY_MESSAGES_PER_MINUTE')
    answers_at_once: int | None = Field(None, ge=0, validation_alias='PARLEY_ANSWERS_AT_ONCE')
    daily_token_budget: int | None = Field(None, ge=0, validation_alias='PARLEY_DAILY_TOKEN_BUDGET')
    # The path prefix Parley is served under behind a reverse proxy that strips it, e.g. /parley (README).
    root_path: str = Field('', validation_alias='PARLEY_ROOT_PATH')
    # Behind TLS: the session cookie is sent over https only, so it never crosses the network in the clear.
    https_only_cookies: bool = Field(False, validation_alias='PARLEY_HTTPS_ONLY_COOKIES')

    openai_api_key: SecretStr | None = Field(None, validation_alias='OPENAI_API_KEY')
    openai_base_url: str | None = Field(None, validation_alias='OPENAI_BASE_URL')
    anthropic_api_key: SecretStr | None = Field(None, validation_alias='ANTHROPIC_API_KEY')
    anthropic_base_url: str | None = Field(None, validation_alias='ANTHROPIC_BASE_URL')
    gemini_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices('GEMINI_API_KEY', 'GOOGLE_API_KEY'))
    gemini_base_url: str | None = Field(None, validation_alias='GOOGLE_GEMINI_BASE_URL')

    # One OpenAI-compatible server (LM Studio, vLLM, OpenRouter, ...) named by the user; Ollama is found by itself.
    compatible_base_url: str | None = Field(None, validation_alias='PARLEY_OPENAI_COMPATIBLE_BASE_URL')
    compatible_api_key: SecretStr | None = Field(None, validation_alias='PARLEY_OPENAI_COMPATIBLE_API_KEY')
    compatible_name: str = Field('local', validation_alias='PARLEY_OPENAI_COMPATIBLE_NAME')
    ollama_url: str = Field('http://127.0.0.1:11434', validation_alias='PARLEY_OLLAMA_URL')
    # Encrypts keys saved on the Settings page (engine/secrets.py); unset: a 0600 key file in the data dir.
    secret_key: SecretStr | None = Field(None, validation_alias='PARLEY_SECRET_KEY')

    # Team mode (engine/accounts.py): 'none' is the personal app with no sign-in; 'local' or 'proxy' need accounts.
    auth: str = Field('none', validation_alias='PARLEY_AUTH')
    session_secret: SecretStr | None = Field(None, validation_alias='PARLEY_SESSION_SECRET')
    admin_user: str | None = Field(None, validation_alias='PARLEY_ADMIN_USER')  # first admin, made if no user exists
    admin_password: SecretStr | None = Field(None, validation_alias='PARLEY_ADMIN_PASSWORD')
    proxy_user_header: str = Field('X-Forwarded-User', validation_alias='PARLEY_PROXY_USER_HEADER')
    proxy_sign_out_url: str = Field('', validation_alias='PARLEY_PROXY_SIGN_OUT_URL')  # e.g. /oauth2/sign_out
    trusted_proxies: str = Field('', validation_alias='PARLEY_TRUSTED_PROXIES')  # IPs or CIDRs, comma-separated
    login_rate_limit: str = Field('5/minute', validation_alias='PARLEY_LOGIN_RATE_LIMIT')  # per address and name

    @property
    def team_mode(self) -> bool:
        return self.auth.strip().lower() != 'none'

    @field_validator('root_path')
    @classmethod
    def _one_leading_slash(cls, value: str) -> str:
        """'parley/', '/parley/' and '/parley' all mean '/parley'; '/' and '' mean no prefix."""
        value = value.strip().strip('/')
        return f'/{value}' if value else ''


def secret(value: SecretStr | None) -> str | None:
    """The clear text of a key, read only where a provider client is built."""
    return value.get_secret_value() if value else None
