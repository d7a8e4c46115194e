"""API keys at rest and in logs: Fernet encryption for the database, masks for the page, redaction for the logs.

The encryption key comes from PARLEY_SECRET_KEY when set (needed when several servers share one database);
otherwise from `secret.key` in the data dir, created on first use with mode 0600. Losing that key loses the
saved provider keys (they are re-entered on the Settings page), never the conversations.
"""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_FILE = 'secret.key'
MIN_PASSPHRASE = 32  # a passphrase is stretched with HKDF, which is only sound for high-entropy input
MASK_TAIL = 4  # at most this many trailing characters of a key are ever shown
MASK_MIN_LENGTH = 16  # shorter keys show nothing at all: four characters would be a quarter of them
GENERATE_HINT = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class SecretKeyError(RuntimeError):
    """The encryption key is unusable (too short, or the key file cannot be read or written)."""


class UndecryptableError(ValueError):
    """A stored key was encrypted with another secret key (PARLEY_SECRET_KEY changed or the key file was lost)."""


class SecretBox:
    """Encrypts and decrypts short secrets (API keys) with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def load(cls, data_dir: Path, configured: str | None = None) -> SecretBox:
        """The box for PARLEY_SECRET_KEY (`configured`) if given, else for the data dir's key file."""
        if configured:
            return cls(key_from_setting(configured))
        return cls(key_file(data_dir))

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode('ascii')

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode('ascii')).decode()
        except (InvalidToken, ValueError) as error:
            raise UndecryptableError('This key was saved with another secret key (PARLEY_SECRET_KEY or '
                                     f'{KEY_FILE} changed); enter it again.') from error


def key_from_setting(value: str) -> bytes:
    """A Fernet key as generated, or a long passphrase stretched into one."""
    raw = value.strip().encode()
    try:
        Fernet(raw)
        return raw
    except ValueError:
        pass
    if len(raw) < MIN_PASSPHRASE:
        raise SecretKeyError(f'PARLEY_SECRET_KEY must be a Fernet key or at least {MIN_PASSPHRASE} characters; '
                             f'make one with: {GENERATE_HINT}')
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b'parley provider keys').derive(raw)
    return base64.urlsafe_b64encode(derived)


def key_file(data_dir: Path) -> bytes:
    """Read the data dir's key file, creating it (owner-only, 0600) the first time."""
    path = data_dir / KEY_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once never both write a key; the loser reads the winner's.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            return key_from_setting(path.read_text())
        except OSError as error:
            raise SecretKeyError(f'cannot read {path}: {error.strerror}') from error
    except OSError as error:
        raise SecretKeyError(f'cannot create {path}: {error.strerror}') from error
    key = Fernet.generate_key()
    with os.fdopen(descriptor, 'wb') as file:
        file.write(key + b'\n')
    return key


def mask(key: str | None) -> str:
    """What the page shows of a saved key: its vendor prefix and at most the last four characters ("sk-…a1b2")."""
    if not key:
        return ''
    if len(key) < MASK_MIN_LENGTH:
        return '••••'
    prefix = key.split('-', 1)[0] + '-' if '-' in key[:5] else ''
    return f'{prefix}…{key[-MASK_TAIL:]}'


class _Redactor:
    """A process-wide registry (on purpose) of the keys in use, so no log record can carry one."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.installed = False
        self.factory = logging.getLogRecordFactory()

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 4:  # a tiny "key" (a placeholder) would redact ordinary words
            return
        self.secrets.add(secret)
        if not self.installed:
            self.installed = True
            self.factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(self._record)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, mask(secret) or '…')
        return text

    def _record(self, *args: object, **kwargs: object) -> logging.LogRecord:
        # At creation, before any handler or formatter sees it: every logger and handler is covered, even ones
        # added later (uvicorn's, NiceGUI's). SDKs log requests only at DEBUG, but an exception text might quote
        # a header or URL.
        record = self.factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a call with mismatched arguments: leave it to logging's own error report
            return record
        if (clean := self.redact(message)) != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if (clean := self.redact(text)) != text:
                record.exc_text = clean  # formatters use exc_text as is when it is set
        return record


_redactor = _Redactor()


def keep_out_of_logs(secret: str | None) -> None:
    """From now on, `secret` is replaced by its mask in every log record of this process."""
    _redactor.add(secret)


def redact(text: str) -> str:
    """`text` with every registered secret masked (for messages shown or stored elsewhere)."""
    return _redactor.redact(text)
