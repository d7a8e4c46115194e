"""Keys at rest and in logs: encryption round-trips, the key file, masks, and redaction of every log record."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from engine.secrets import (
    KEY_FILE,
    SecretBox,
    SecretKeyError,
    UndecryptableError,
    keep_out_of_logs,
    mask,
)

KEY = 'sk-proj-Zq81LmT0pXc4vB9nW2eRr7yU5iO3a1b2'


def test_round_trip_and_ciphertext_hides_the_key(tmp_path: Path) -> None:
    box = SecretBox.load(tmp_path)
    token = box.encrypt(KEY)
    assert KEY not in token and KEY[-8:] not in token
    assert box.decrypt(token) == KEY
    assert box.encrypt(KEY) != token  # a fresh IV each time: equal keys do not look equal at rest


def test_key_file_is_created_once_owner_only_and_reused(tmp_path: Path) -> None:
    token = SecretBox.load(tmp_path).encrypt(KEY)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    assert SecretBox.load(tmp_path).decrypt(token) == KEY  # a restart reads the same key
    assert path.read_bytes() == first


def test_configured_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    configured = Fernet.generate_key().decode()
    token = SecretBox.load(tmp_path, configured).encrypt(KEY)
    assert not (tmp_path / KEY_FILE).exists()
    assert SecretBox.load(tmp_path / 'elsewhere', configured).decrypt(token) == KEY


def test_a_long_passphrase_works_and_a_short_one_is_refused(tmp_path: Path) -> None:
    passphrase = 'correct horse battery staple, and then some more words'
    token = SecretBox.load(tmp_path, passphrase).encrypt(KEY)
    assert SecretBox.load(tmp_path, passphrase).decrypt(token) == KEY
    with pytest.raises(SecretKeyError, match='PARLEY_SECRET_KEY'):
        SecretBox.load(tmp_path, 'hunter2')


def test_another_secret_key_cannot_decrypt(tmp_path: Path) -> None:
    token = SecretBox.load(tmp_path / 'a').encrypt(KEY)
    with pytest.raises(UndecryptableError, match='enter it again'):
        SecretBox.load(tmp_path / 'b').decrypt(token)


@pytest.mark.parametrize(('key', 'shown'), [
    (KEY, 'sk-…a1b2'),
    ('AIzaSyD-0123456789abcdefWXYZ', '…WXYZ'),
    ('short-key', '••••'),
    ('', ''),
])
def test_mask_shows_at_most_the_last_four_characters(key: str, shown: str) -> None:
    assert mask(key) == shown


def test_no_log_record_carries_a_registered_key(caplog: pytest.LogCaptureFixture) -> None:
    secret = 'sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0'
    keep_out_of_logs(secret)
    log = logging.getLogger('tests.secrets')
    with caplog.at_level(logging.INFO):
        log.info('calling with Authorization: Bearer %s', secret)
        try:
            raise RuntimeError(f'refused key {secret}')
        except RuntimeError:
            log.exception('request failed')
    text = caplog.text
    assert secret not in text
    assert 'Bearer sk-…b1a0' in text and 'refused key sk-…b1a0' in text
