"""Export, delete the account, sign up again, restore: the record comes back identical."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from cryptography.fernet import Fernet

from accounts import crypto
from accounts.models import HolderKey, User
from accounts.services import (
    account_delete,
    holder_binding_keys,
    holder_p256_key,
    holder_signing_key,
    p256_private_bytes,
)
from portability import crypto as export_crypto
from portability import services as portability
from portability.services import RestoreRefused, restore
from sharing.services import share_create
from tests.portability.support import (
    LATER,
    build_record,
    checked_here,
    make_earner,
    snapshot,
    verdicts,
)
from tests.support.issuer import EARNER_EMAIL, NOW
from wallet.models import AuditEvent, Collection, Credential, Tag, VerificationRun

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery"


@pytest.fixture
def earner(db) -> User:
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def record(earner, issuer) -> dict[str, Credential]:
    return build_record(earner, issuer)


@pytest.fixture(scope="module")
def sealing_key() -> export_crypto.SealingKey:
    return export_crypto.derive_key(PASSPHRASE)


def _export(owner, **kwargs) -> portability.ExportFile:
    return portability.export_archive(owner=owner, now=LATER, **kwargs)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_export_delete_sign_up_restore_gives_back_the_identical_record(earner, record):
    before, verdicts_before = snapshot(earner), verdicts(earner)
    export = _export(earner)
    account_delete(user=earner)
    assert not Credential.objects.exists()

    again = make_earner(EARNER_EMAIL)
    outcome = portability.export_restore(owner=again, data=export.data, now=LATER)

    assert snapshot(again) == before
    # A small restore is checked here before it answers, and comes to the same verdicts.
    assert checked_here(again)
    assert verdicts(again) == verdicts_before
    assert outcome.restored == len(record)
    assert outcome.already == 0
    assert set(Tag.objects.filter(owner=again).values_list("name", flat=True)) == {"work", "shiny"}
    cv = Collection.objects.get(owner=again, name="CV")
    assert cv.description == "For jobs"
    assert Collection.objects.filter(owner=again, name="Empty").exists()
    clr = Credential.objects.get(owner=again, sha256=record["clr"].sha256)
    assert clr.children.count() == 2
    triggers = sorted(
        VerificationRun.objects.filter(credential=clr).values_list("trigger", flat=True)
    )
    assert triggers == ["restored", "restored", "scheduled"]
    assert AuditEvent.objects.filter(user=again, action="record.restored").count() == 1


def test_every_original_is_in_the_archive_byte_for_byte_with_its_checksum(earner, record):
    members = _members(_export(earner).data)
    manifest = json.loads(members["manifest.json"])

    listed = {entry["sha256"]: entry for entry in manifest["credentials"]}
    for credential in Credential.objects.filter(owner=earner):
        entry = listed[credential.sha256]
        assert members[entry["file"]] == bytes(credential.original)
        assert hashlib.sha256(members[entry["file"]]).hexdigest() == entry["sha256"]
    assert manifest["format"] == "satchel-export"
    assert manifest["earner"]["emails"][0]["email"] == EARNER_EMAIL
    assert "README.txt" in members
    assert "clr/bundle.json" in members and "clr/bundle.png" in members


def test_restoring_the_same_export_twice_changes_nothing(earner, record):
    export = _export(earner)
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)
    portability.export_restore(owner=again, data=export.data, now=LATER)
    first = snapshot(again)
    counts = (Tag.objects.count(), Collection.objects.count(), VerificationRun.objects.count())

    outcome = portability.export_restore(owner=again, data=export.data, now=LATER)

    assert snapshot(again) == first
    assert (Tag.objects.count(), Collection.objects.count(), VerificationRun.objects.count()) == (
        counts
    )
    assert outcome.restored == 0
    assert outcome.already == len(record)


def test_an_encrypted_export_restores_with_its_passphrase(earner, record, sealing_key):
    before = snapshot(earner)
    export = _export(earner, sealing_key=sealing_key)
    assert export.data.startswith(b"SATCHEL-EXPORT-1\n")
    assert b"manifest.json" not in export.data
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)

    portability.export_restore(owner=again, data=export.data, passphrase=PASSPHRASE, now=LATER)

    assert snapshot(again) == before


def test_a_wrong_passphrase_is_refused_and_nothing_is_restored(earner, record, sealing_key):
    export = _export(earner, sealing_key=sealing_key)
    stranger = make_earner("someone@example.org", "someone")

    with pytest.raises(RestoreRefused, match="passphrase is wrong"):
        portability.export_restore(owner=stranger, data=export.data, passphrase="not it at all")

    assert not Credential.objects.filter(owner=stranger).exists()


def test_an_encrypted_export_without_a_passphrase_asks_for_one(earner, record, sealing_key):
    export = _export(earner, sealing_key=sealing_key)

    with pytest.raises(RestoreRefused, match="enter the passphrase"):
        portability.export_restore(owner=earner, data=export.data)


def test_one_flipped_byte_of_ciphertext_is_refused(earner, record, sealing_key):
    data = bytearray(_export(earner, sealing_key=sealing_key).data)
    data[len(data) // 2] ^= 0x01
    stranger = make_earner("someone@example.org", "someone")

    with pytest.raises(RestoreRefused, match="changed or damaged"):
        portability.export_restore(owner=stranger, data=bytes(data), passphrase=PASSPHRASE)

    assert not Credential.objects.filter(owner=stranger).exists()


def test_a_changed_header_is_refused_like_a_changed_byte(earner, record, sealing_key):
    data = _export(earner, sealing_key=sealing_key).data
    forged = data.replace(b'"cipher": "AES-256-GCM"', b'"cipher": "AES-256-GCM" ', 1)

    with pytest.raises(RestoreRefused):
        portability.export_restore(owner=earner, data=forged, passphrase=PASSPHRASE)


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_tampered_original_in_an_unencrypted_export_is_refused(earner, record):
    members = _members(_export(earner).data)
    manifest = json.loads(members["manifest.json"])
    target = next(e["file"] for e in manifest["credentials"] if e["file"].endswith(".json"))
    members[target] = members[target].replace(b"Test Achievement", b"Best Achievement")
    stranger = make_earner("someone@example.org", "someone")

    with pytest.raises(RestoreRefused, match="checksum differs"):
        portability.export_restore(owner=stranger, data=_rezip(members))

    assert not Credential.objects.filter(owner=stranger).exists()
    assert not Tag.objects.filter(owner=stranger).exists()


def test_a_missing_original_is_refused(earner, record):
    members = _members(_export(earner).data)
    manifest = json.loads(members["manifest.json"])
    del members[manifest["credentials"][-1]["file"]]

    with pytest.raises(RestoreRefused, match="is missing"):
        portability.export_restore(owner=earner, data=_rezip(members))


def test_a_zip_that_is_not_an_export_points_to_the_importer(earner, issuer):
    archive = _rezip({"badge.png": issuer.baked_png(issuer.ob3())})

    with pytest.raises(RestoreRefused, match="use Import instead"):
        portability.export_restore(owner=earner, data=archive)


def test_a_file_that_is_not_a_zip_is_refused(earner):
    with pytest.raises(RestoreRefused, match="cannot be read"):
        portability.export_restore(owner=earner, data=b"just some text")


def test_the_holder_key_travels_only_in_an_encrypted_export_when_asked(earner, record, sealing_key):
    assert "keys/holder-key.json" not in _members(_export(earner).data)
    with pytest.raises(ValueError):
        _export(earner, include_holder_key=True)
    sealed_without = _export(earner, sealing_key=sealing_key)
    plain = export_crypto.unseal(sealed_without.data, PASSPHRASE)
    assert "keys/holder-key.json" not in _members(plain)

    sealed_with = _export(earner, sealing_key=sealing_key, include_holder_key=True)

    members = _members(export_crypto.unseal(sealed_with.data, PASSPHRASE))
    keys = json.loads(members["keys/holder-key.json"])["keys"]
    assert [k["did"] for k in keys] == [holder_signing_key(user=earner).did]
    assert json.loads(members["manifest.json"])["holder_key_included"] is True


def test_a_restored_holder_key_is_current_again_and_the_new_one_retired(
    earner, record, sealing_key
):
    did = holder_signing_key(user=earner).did
    export = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    account_delete(user=earner)
    again = User.objects.create_user(email=EARNER_EMAIL)
    fresh = holder_signing_key(user=again).did
    assert fresh != did

    outcome = portability.export_restore(
        owner=again, data=export.data, passphrase=PASSPHRASE, now=LATER
    )

    assert outcome.holder_keys == 1
    assert holder_signing_key(user=again).did == did
    assert HolderKey.objects.get(did=fresh).retired_at == LATER
    assert (
        portability.export_restore(owner=again, data=export.data, passphrase=PASSPHRASE).holder_keys
        == 0
    )


def test_a_private_key_planted_in_an_unencrypted_export_is_refused(earner, record, sealing_key):
    sealed = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    members = _members(export_crypto.unseal(sealed.data, PASSPHRASE))

    with pytest.raises(RestoreRefused, match="only ever puts in an encrypted export"):
        portability.export_restore(owner=earner, data=_rezip(members))


def test_a_holder_key_held_by_another_account_here_is_not_taken(earner, record, sealing_key):
    export = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    other = User.objects.create_user(email="twin@example.org")

    outcome = portability.export_restore(owner=other, data=export.data, passphrase=PASSPHRASE)

    assert outcome.holder_keys == 0
    assert "another account" in outcome.message
    assert HolderKey.objects.get(did=holder_signing_key(user=earner).did).user == earner
    assert (
        Credential.objects.filter(owner=other).count()
        == Credential.objects.filter(owner=earner).count()
    )


def test_a_partial_export_holds_the_chosen_credentials_and_what_is_inside_them(earner, record):
    chosen = [record["clr"].pk, record["jwt"].pk]

    manifest = json.loads(_members(_export(earner, credential_ids=chosen).data)["manifest.json"])

    assert manifest["partial"] is True
    assert len(manifest["credentials"]) == 4  # the CLR, its two credentials, the JWT
    assert {e["sha256"] for e in manifest["credentials"]} >= {
        record["clr"].sha256,
        record["jwt"].sha256,
    }


def _edit_tags(manifest: dict) -> None:
    manifest["credentials"][0]["tags"] = [123]


def _edit_history(manifest: dict) -> None:
    manifest["credentials"][0]["history"] = [{"verdict": "verified"}]


def _edit_dates(manifest: dict) -> None:
    manifest["credentials"][0]["record"]["created_at"] = "yesterday"


def _edit_image(manifest: dict) -> None:
    manifest["credentials"][0]["image"] = ["images/0001.png"]


def _edit_checksum(manifest: dict) -> None:
    del manifest["credentials"][0]["sha256"]


def _edit_versions(manifest: dict) -> None:
    manifest["credentials"][0]["versions"] = [{"received_at": "2026-01-01T00:00:00+00:00"}]


def _edit_parent(manifest: dict) -> None:
    manifest["credentials"][0]["parent"] = "credentials/9999-nowhere.json"


def _edit_version(manifest: dict) -> None:
    manifest["format_version"] = restore.FORMAT_VERSION + 1


@pytest.mark.parametrize(
    "edit",
    [
        _edit_tags,
        _edit_history,
        _edit_dates,
        _edit_image,
        _edit_checksum,
        _edit_versions,
        _edit_parent,
        _edit_version,
    ],
)
def test_a_manifest_in_an_unexpected_shape_is_refused_whole(earner, record, edit):
    members = _members(_export(earner).data)
    manifest = json.loads(members["manifest.json"])
    edit(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    stranger = make_earner("someone@example.org", "someone")

    with pytest.raises(RestoreRefused):
        portability.export_restore(owner=stranger, data=_rezip(members))

    assert not Credential.objects.filter(owner=stranger).exists()
    assert not Tag.objects.filter(owner=stranger).exists()
    assert not Collection.objects.filter(owner=stranger).exists()


def test_share_settings_are_exported_without_their_links(earner, record):
    share, token = share_create(
        owner=earner, audience="Acme, data analyst", credential_ids=[record["ob3"].pk], now=NOW
    )

    data = _export(earner).data

    members = _members(data)
    manifest = json.loads(members["manifest.json"])
    [exported] = manifest["shares"]
    assert exported["audience"] == "Acme, data analyst"
    assert exported["state"] == "active"
    assert exported["credentials"] == [
        e["file"] for e in manifest["credentials"] if e["sha256"] == record["ob3"].sha256
    ]
    assert token.encode() not in data
    assert all(token.encode() not in content for content in members.values())
    assert share.token_hash.encode() not in members["manifest.json"]


def test_another_instance_with_its_own_secrets_restores_the_record_and_the_key(
    earner, record, sealing_key, settings
):
    did = holder_signing_key(user=earner).did
    before = snapshot(earner)
    export = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    account_delete(user=earner)
    settings.SATCHEL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.SATCHEL_PUBLIC_ORIGIN = "https://another-satchel.example"
    again = User.objects.create_user(email=EARNER_EMAIL)

    portability.export_restore(owner=again, data=export.data, passphrase=PASSPHRASE)

    assert snapshot(again) == before
    assert holder_signing_key(user=again).did == did


def test_restored_credentials_are_checked_again_here_so_an_edited_verdict_does_not_stick(
    earner, record, settings, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0  # left to the task queued on commit
    members = _members(_export(earner).data)
    manifest = json.loads(members["manifest.json"])
    revoked = next(e for e in manifest["credentials"] if e["sha256"] == record["revoked"].sha256)
    revoked["record"]["verdict"] = "verified"  # the file is the earner's: anyone can edit it
    revoked["record"]["title"] = "Doctorate in Everything"
    child = next(e for e in manifest["credentials"] if e["parent"] is not None)
    child["record"]["title"] = "Honorary Degree"
    members["manifest.json"] = json.dumps(manifest).encode()
    stranger = make_earner("someone@example.org", "someone")

    with django_capture_on_commit_callbacks(execute=True):
        outcome = portability.export_restore(owner=stranger, data=_rezip(members), now=LATER)

    restored = Credential.objects.get(owner=stranger, sha256=record["revoked"].sha256)
    assert restored.verdict == "revoked"
    assert restored.title == "Test Achievement"
    assert not Credential.objects.filter(owner=stranger, title="Honorary Degree").exists()
    latest = restored.runs.order_by("-checked_at", "-pk").first()
    assert latest.trigger == VerificationRun.Trigger.SCHEDULED
    assert latest.verdict == "revoked"
    # The file's checks are history only, marked as another wallet's.
    assert set(restored.runs.exclude(pk=latest.pk).values_list("trigger", flat=True)) == {
        VerificationRun.Trigger.RESTORED
    }
    # Every restored live credential was checked once more; the trashed one was not.
    assert checked_here(stranger)
    assert len(outcome.credential_ids) == outcome.restored == len(record)


def test_a_second_restore_checks_nothing_again(earner, record, django_capture_on_commit_callbacks):
    export = _export(earner)
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)
    portability.export_restore(owner=again, data=export.data, now=LATER)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        portability.export_restore(owner=again, data=export.data, now=LATER)

    assert callbacks == []


def test_the_p256_holder_key_travels_with_the_ed25519_key_and_comes_back_with_it(
    earner, record, sealing_key
):
    p256 = holder_p256_key(user=earner)
    scalar = p256_private_bytes(p256.private_key)
    export = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    members = _members(export_crypto.unseal(export.data, PASSPHRASE))
    (entry,) = json.loads(members["keys/holder-key.json"])["keys"]
    assert entry["p256"] == {"type": "P-256", "did": p256.did, "private_key_hex": scalar.hex()}
    account_delete(user=earner)
    assert not HolderKey.objects.exists()
    again = User.objects.create_user(email=EARNER_EMAIL)
    fresh = holder_p256_key(user=again).did

    portability.export_restore(owner=again, data=export.data, passphrase=PASSPHRASE, now=LATER)

    restored = holder_p256_key(user=again)
    assert restored.did == p256.did and p256_private_bytes(restored.private_key) == scalar
    assert [k.did for k in holder_binding_keys(user=again)][2:] == [p256.did, fresh]
    stored = HolderKey.objects.get(user=again, retired_at__isnull=True)
    assert scalar.hex() not in stored.p256_private_key_encrypted
    assert crypto.decrypt(stored.p256_private_key_encrypted) == scalar


def test_an_export_made_before_p256_keys_restores_and_the_key_gets_a_new_one(
    earner, record, sealing_key
):
    did = holder_signing_key(user=earner).did
    export = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    members = _members(export_crypto.unseal(export.data, PASSPHRASE))
    assert "p256" not in json.loads(members["keys/holder-key.json"])["keys"][0]
    account_delete(user=earner)
    again = User.objects.create_user(email=EARNER_EMAIL)

    portability.export_restore(owner=again, data=export.data, passphrase=PASSPHRASE, now=LATER)

    assert holder_signing_key(user=again).did == did
    assert HolderKey.objects.get(did=did).p256_did == ""
    assert holder_p256_key(user=again).did == HolderKey.objects.get(did=did).p256_did != ""


def test_a_p256_key_that_does_not_match_its_did_is_refused(earner, record, sealing_key):
    holder_p256_key(user=earner)
    export = _export(earner, sealing_key=sealing_key, include_holder_key=True)
    members = _members(export_crypto.unseal(export.data, PASSPHRASE))
    keys = json.loads(members["keys/holder-key.json"])
    keys["keys"][0]["p256"]["private_key_hex"] = "11" * 32
    members["keys/holder-key.json"] = json.dumps(keys).encode()
    resealed = export_crypto.seal(_rezip(members), export_crypto.derive_key(PASSPHRASE))
    account_delete(user=earner)
    again = User.objects.create_user(email=EARNER_EMAIL)

    with pytest.raises(RestoreRefused, match="holder key in this export is damaged"):
        portability.export_restore(owner=again, data=resealed, passphrase=PASSPHRASE)
