from __future__ import annotations

import base64
from datetime import UTC, datetime

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import connection

from accounts import crypto
from accounts.dids import did_key_from_public_key, verification_method_id
from accounts.models import HolderKey, User
from accounts.selectors import holder_dids, holder_key_current, holder_keys_retired
from accounts.services import (
    HolderKeyTaken,
    account_delete,
    holder_binding_keys,
    holder_key_create,
    holder_key_import,
    holder_key_rotate,
    holder_p256_key,
    holder_private_key,
    holder_signing_key,
    p256_private_bytes,
)
from tests.accounts.conftest import KEY_B
from tests.sharing.conftest import give_holder_key
from wallet.verification.keys import resolve_verification_method, same_key

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


# --- the P-256 companion key (ES256), for SD-JWT VC issuers and verifiers without EdDSA -------


def _stored_p256(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p256_private_key_encrypted FROM accounts_holderkey WHERE id = %s", [pk]
        )
        (stored,) = cursor.fetchone()
    return stored


@pytest.mark.django_db
def test_a_new_key_comes_with_a_p256_key_named_by_its_compressed_did_key(owner):
    key = holder_key_create(user=owner)
    p256 = holder_p256_key(user=owner)

    assert key.p256_did == p256.did
    decoded = base58.b58decode(p256.did.removeprefix("did:key:z"))
    point = p256.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    assert decoded == b"\x80\x24" + point and len(point) == 33  # p256-pub, 0x1200
    assert p256.did.startswith("did:key:zDn")
    assert p256.verification_method == verification_method_id(p256.did)
    # The verifier resolves it to the same key.
    method = resolve_verification_method(
        p256.verification_method, fetcher=None, purpose="authentication"
    )
    assert same_key(method.public_key, p256.private_key.public_key())


@pytest.mark.django_db
def test_the_p256_private_key_is_never_stored_in_plaintext(owner):
    key = holder_key_create(user=owner)
    scalar = p256_private_bytes(holder_p256_key(user=owner).private_key)

    stored = _stored_p256(key.pk)
    stored_bytes = stored.encode() if isinstance(stored, str) else bytes(stored)
    for encoding in (
        scalar,
        scalar.hex().encode(),
        base64.b64encode(scalar),
        base64.urlsafe_b64encode(scalar).rstrip(b"="),  # a JWK's `d`
        base58.b58encode(scalar),
    ):
        assert encoding not in stored_bytes
    assert crypto.decrypt(stored) == scalar


@pytest.mark.django_db
def test_a_key_made_before_p256_keys_gets_one_when_first_needed_and_keeps_it(owner):
    key = give_holder_key(owner, "made-before")
    assert key.p256_did == "" and key.p256_private_key_encrypted == ""

    first = holder_p256_key(user=owner)

    key.refresh_from_db()
    assert key.p256_did == first.did
    assert holder_p256_key(user=owner).did == first.did
    assert HolderKey.objects.filter(user=owner).count() == 1


@pytest.mark.django_db
def test_rotation_gives_a_new_p256_key_and_keeps_the_old_one_for_what_is_bound_to_it(owner):
    holder_key_create(user=owner, now=JAN)
    old = holder_p256_key(user=owner)

    holder_key_rotate(user=owner, now=MAR)

    new = holder_p256_key(user=owner)
    assert new.did != old.did
    dids = [k.did for k in holder_binding_keys(user=owner)]
    assert dids[-2:] == [new.did, old.did]


@pytest.mark.django_db
def test_an_imported_key_keeps_the_p256_key_it_came_with(owner):
    p256 = ec.generate_private_key(ec.SECP256R1())

    holder_key_import(
        user=owner, private_key_bytes=VECTOR_SEED, p256_private_key_bytes=p256_private_bytes(p256)
    )

    assert holder_p256_key(user=owner).did == did_key_from_public_key(p256.public_key())
    with pytest.raises(ValueError):
        holder_key_import(
            user=owner, private_key_bytes=b"\x01" * 32, p256_private_key_bytes=b"short"
        )


@pytest.mark.django_db
def test_deleting_the_account_deletes_both_keys(owner):
    holder_p256_key(user=owner)

    account_delete(user=owner)

    assert not HolderKey.objects.exists()
