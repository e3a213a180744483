from __future__ import annotations

import pytest

from accounts import crypto
from tests.accounts.conftest import KEY_A, KEY_B


def test_it_round_trips_bytes_through_encryption():
    token = crypto.encrypt(b"\x00secret\xff")

    assert isinstance(token, str)
    assert b"secret" not in token.encode()
    assert crypto.decrypt(token) == b"\x00secret\xff"


def test_old_ciphertexts_still_open_after_a_new_key_is_put_first(settings):
    settings.SATCHEL_ENCRYPTION_KEYS = [KEY_A]
    token = crypto.encrypt(b"made with the old key")

    settings.SATCHEL_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    assert crypto.decrypt(token) == b"made with the old key"


def test_it_fails_clearly_when_no_configured_key_fits(settings):
    token = crypto.encrypt(b"made with key A")
    settings.SATCHEL_ENCRYPTION_KEYS = [KEY_B]

    with pytest.raises(crypto.DecryptionError, match="none of the keys in SATCHEL_ENCRYPTION_KEY"):
        crypto.decrypt(token)


def test_it_fails_clearly_on_a_tampered_ciphertext():
    token = crypto.encrypt(b"payload")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)
