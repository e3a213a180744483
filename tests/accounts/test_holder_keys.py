from __future__ import annotations

import base64
from datetime import UTC, datetime

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.db import connection

from accounts import crypto
from accounts.dids import did_key_from_public_key, verification_method_id
from accounts.models import HolderKey, User
from accounts.selectors import holder_dids, holder_key_current, holder_keys_retired
from accounts.services import (
    HolderKeyTaken,
    holder_key_create,
    holder_key_import,
    holder_key_rotate,
    holder_private_key,
    holder_signing_key,
)
from tests.accounts.conftest import KEY_B

# W3C vc-di-eddsa test vector key pair (privateKeyMultibase / publicKeyMultibase).
VECTOR_SEED = bytes.fromhex("c96ef9ea10c5e414c471723aff9de72c35fa5b70fae97e8832ecac7d2e2b8ed6")
VECTOR_DID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
JAN = datetime(2026, 1, 5, tzinfo=UTC)
MAR = datetime(2026, 3, 9, tzinfo=UTC)


def raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def test_it_derives_the_did_key_of_the_w3c_test_vector():
    public = Ed25519PrivateKey.from_private_bytes(VECTOR_SEED).public_key()

    assert did_key_from_public_key(public) == VECTOR_DID
    assert verification_method_id(VECTOR_DID) == (
        VECTOR_DID + "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    )


@pytest.mark.django_db
def test_a_created_key_has_a_did_that_carries_its_public_key(owner):
    key = holder_key_create(user=owner)

    decoded = base58.b58decode(key.did.removeprefix("did:key:z"))
    public = holder_private_key(user=owner).public_key().public_bytes_raw()
    assert decoded == b"\xed\x01" + public
    assert key.public_key_multibase == key.did.removeprefix("did:key:")


@pytest.mark.django_db
def test_creating_twice_keeps_the_one_current_key(owner):
    first = holder_key_create(user=owner)

    assert holder_key_create(user=owner) == first
    assert HolderKey.objects.filter(user=owner).count() == 1


@pytest.mark.django_db
def test_users_made_outside_sign_up_get_a_key_when_it_is_first_needed_to_sign():
    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    assert not HolderKey.objects.filter(user=admin).exists()

    signing = holder_signing_key(user=admin)

    key = holder_key_current(user=admin)
    assert key is not None and key.user == admin and key.is_current
    assert signing.did == key.did


@pytest.mark.django_db
def test_reading_the_current_key_never_makes_one():
    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)

    assert holder_key_current(user=admin) is None
    assert not HolderKey.objects.filter(user=admin).exists()


@pytest.mark.django_db
def test_the_private_key_is_never_stored_in_plaintext(owner):
    holder_key_create(user=owner)
    raw = raw_private(holder_private_key(user=owner))

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_encrypted FROM accounts_holderkey")
        (stored,) = cursor.fetchone()
    stored_bytes = stored.encode() if isinstance(stored, str) else bytes(stored)
    for encoding in (
        raw,
        raw.hex().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
        base58.b58encode(raw),
    ):
        assert encoding not in stored_bytes
    assert crypto.decrypt(stored) == raw


@pytest.mark.django_db
def test_the_stored_key_signs_what_its_did_verifies(owner):
    signing = holder_signing_key(user=owner)

    signature = signing.private_key.sign(b"presentation bytes")

    public = signing.private_key.public_key()
    public.verify(signature, b"presentation bytes")
    assert did_key_from_public_key(public) == signing.did
    assert signing.verification_method == verification_method_id(signing.did)


@pytest.mark.django_db
def test_rotation_retires_the_old_key_and_keeps_it(owner):
    old = holder_key_create(user=owner, now=JAN)

    new = holder_key_rotate(user=owner, now=MAR)

    old.refresh_from_db()
    assert old.retired_at == MAR
    assert new.is_current and new.did != old.did
    assert holder_key_current(user=owner) == new
    assert list(holder_keys_retired(user=owner)) == [old]
    assert holder_dids(user=owner) == [new.did, old.did]
    assert did_key_from_public_key(holder_private_key(user=owner).public_key()) == new.did


@pytest.mark.django_db
def test_a_wrong_encryption_key_makes_signing_fail_clearly(owner, settings):
    holder_key_create(user=owner)
    settings.SATCHEL_ENCRYPTION_KEYS = [KEY_B]

    with pytest.raises(crypto.DecryptionError, match="SATCHEL_ENCRYPTION_KEY"):
        holder_private_key(user=owner)


@pytest.mark.django_db
def test_one_users_keys_are_not_anothers(owner, stranger):
    mine = holder_key_create(user=owner)
    theirs = holder_key_create(user=stranger)

    assert mine.did != theirs.did
    assert holder_dids(user=owner) == [mine.did]


@pytest.mark.django_db
def test_an_imported_key_becomes_current_under_its_own_did_and_retires_the_old_one(owner):
    old = holder_key_create(user=owner, now=JAN)

    imported = holder_key_import(user=owner, private_key_bytes=VECTOR_SEED, now=MAR)

    old.refresh_from_db()
    assert imported.did == VECTOR_DID
    assert imported.is_current and imported.created_at == MAR
    assert old.retired_at == MAR
    assert holder_dids(user=owner) == [VECTOR_DID, old.did]
    assert raw_private(holder_private_key(user=owner)) == VECTOR_SEED
    assert crypto.decrypt(imported.private_key_encrypted) == VECTOR_SEED
    assert VECTOR_SEED.hex() not in imported.private_key_encrypted


@pytest.mark.django_db
def test_a_key_retired_at_export_comes_back_retired_and_leaves_the_current_one(owner):
    current = holder_key_create(user=owner, now=MAR)

    imported = holder_key_import(
        user=owner, private_key_bytes=VECTOR_SEED, created_at=JAN, retired_at=JAN, now=MAR
    )

    assert (imported.created_at, imported.retired_at) == (JAN, JAN)
    assert holder_key_current(user=owner) == current
    assert holder_dids(user=owner) == [current.did, VECTOR_DID]


@pytest.mark.django_db
def test_importing_a_key_twice_changes_nothing(owner):
    first = holder_key_import(user=owner, private_key_bytes=VECTOR_SEED, now=JAN)

    again = holder_key_import(user=owner, private_key_bytes=VECTOR_SEED, now=MAR)

    assert again == first
    assert HolderKey.objects.filter(user=owner).count() == 1
    assert again.retired_at is None


@pytest.mark.django_db
def test_it_refuses_a_key_another_account_holds(owner, stranger):
    theirs = holder_key_import(user=stranger, private_key_bytes=VECTOR_SEED, now=JAN)
    mine = holder_key_create(user=owner, now=JAN)

    with pytest.raises(HolderKeyTaken):
        holder_key_import(user=owner, private_key_bytes=VECTOR_SEED, now=MAR)

    assert holder_key_current(user=owner) == mine
    assert HolderKey.objects.get(did=VECTOR_DID) == theirs


@pytest.mark.django_db
def test_it_refuses_bytes_that_are_not_an_ed25519_private_key(owner):
    with pytest.raises(ValueError):
        holder_key_import(user=owner, private_key_bytes=b"short", now=JAN)

    assert not HolderKey.objects.filter(user=owner).exists()
