"""base58 decoding: our quick path must agree with the base58 package on every input."""

from __future__ import annotations

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.verification.errors import MalformedInput
from wallet.verification.multiformats import b58_decode, b58_encode

_MIXED = st.text(alphabet=st.sampled_from(list(base58.BITCOIN_ALPHABET.decode() + "0OIl \t\né+")))


def _package(text: str) -> bytes | None:
    try:
        return base58.b58decode(text, alphabet=base58.BITCOIN_ALPHABET)
    except ValueError:
        return None


def _ours(text: str) -> bytes | None:
    try:
        return b58_decode(text)
    except MalformedInput:
        return None


@settings(max_examples=500)
@given(text=_MIXED)
def test_decoding_any_text_agrees_with_the_base58_package(text: str) -> None:
    assert _ours(text) == _package(text)


@given(data=st.binary(max_size=80))
def test_encoded_bytes_decode_back_with_their_leading_zeros(data: bytes) -> None:
    assert b58_decode(b58_encode(data)) == data


def test_a_character_outside_the_alphabet_is_refused() -> None:
    with pytest.raises(MalformedInput) as caught:
        b58_decode("3mJr0")
    assert caught.value.code == "multibase.invalid"


def test_a_base58_value_longer_than_any_key_or_signature_is_refused_before_decoding() -> None:
    # Base58 decoding is quadratic: this would take over a second, a megabyte minutes.
    with pytest.raises(MalformedInput) as raised:
        b58_decode("2" * 100_000)
    assert raised.value.code == "multibase.too_long"
