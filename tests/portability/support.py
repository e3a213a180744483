"""A lived-in record to export and restore, and a snapshot of it to compare afterwards."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from accounts import crypto
from accounts.dids import ed25519_public_multibase
from accounts.models import HolderKey, User
from intake.services import arrival
from tests.support.issuer import EARNER_DID_LABEL, NOW, TestIssuer
from tests.support.keys import ed25519_key
from tests.wallet.conftest import make_user
from tests.wallet.helpers import as_bytes
from wallet.models import Credential, VerificationRun
from wallet.services import organise, reverify, trash
from wallet.verification.keys import did_key_from_public_key

LATER = NOW + timedelta(days=3)


def give_holder_key(user: User, label: str = EARNER_DID_LABEL) -> HolderKey:
    """A real, fixed-seed holder key: the one the test issuer names as the recipient."""
    private = ed25519_key(label)
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return HolderKey.objects.create(
        user=user,
        did=did_key_from_public_key(private.public_key()),
        public_key_multibase=ed25519_public_multibase(private.public_key()),
        private_key_encrypted=crypto.encrypt(raw),
        created_at=NOW - timedelta(days=100),
    )


def make_earner(email: str, key_label: str = EARNER_DID_LABEL) -> User:
    user = make_user(email)
    user.display_name = "Ada Learner"
    user.save()
    give_holder_key(user, key_label)
    return user


def _import(owner: User, data: bytes, filename: str) -> Credential:
    outcome = arrival.credential_import(
        owner=owner, data=data, source="upload", filename=filename, now=NOW
    )
    assert outcome.credential is not None, outcome.message
    return outcome.credential


def build_record(owner: User, issuer: TestIssuer) -> dict[str, Credential]:
    """One of each kind: OB 3.0 (JSON, JWT, baked PNG), OB 2.0, a CLR with two inside,
    a revoked one, one in the trash; tags, collections, and a second check for some."""
    record = {
        "ob3": _import(owner, as_bytes(issuer.ob3(large=True)), "course.json"),
        "jwt": _import(owner, issuer.ob3_jwt().encode(), "token.jwt"),
        "png": _import(owner, issuer.baked_png(issuer.ob3()), "badge.png"),
        "ob2": _import(owner, as_bytes(issuer.ob2_hosted()), "legacy.json"),
        "clr": _import(owner, as_bytes(issuer.clr()), "transcript.json"),
        "revoked": _import(owner, as_bytes(issuer.ob3("revoked")), "revoked.json"),
        "binned": _import(owner, as_bytes(issuer.ob3()), "binned.json"),
    }
    work = organise.tag_create(owner=owner, name="work", now=NOW)
    shiny = organise.tag_create(owner=owner, name="shiny", now=NOW)
    cv = organise.collection_create(owner=owner, name="CV", description="For jobs", now=NOW)
    organise.collection_create(owner=owner, name="Empty", now=NOW)
    for key in ("ob3", "clr", "png"):
        organise.credential_tag(credential=record[key], tag=work)
    organise.credential_tag(credential=record["jwt"], tag=shiny)
    for key in ("ob3", "ob2"):
        organise.collection_add(collection=cv, credential=record[key])
    for key in ("ob3", "clr"):
        reverify.credential_reverify(credential=record[key], now=LATER)
    trash.credential_delete(credential=record["binned"], now=LATER)
    return record


def snapshot(owner: User) -> dict[str, Any]:
    """What must survive a round trip, keyed by each original's SHA-256.

    Not the verification state: a restored credential is checked again by the wallet it is
    restored into (see `checked_here`), and the file's checks come back as history only.
    """
    state = {}
    for credential in Credential.objects.filter(owner=owner).prefetch_related(
        "tags", "collections", "runs", "versions"
    ):
        original = bytes(credential.original)
        assert hashlib.sha256(original).hexdigest() == credential.sha256
        parent = credential.parent.sha256 if credential.parent_id else None
        state[credential.sha256] = {
            "bytes": original,
            "media_type": credential.media_type,
            "filename": credential.filename,
            "parent": parent,
            "title": credential.title,
            "format": credential.format,
            "issued_at": credential.issued_at,
            "deleted_at": credential.deleted_at,
            "has_image": credential.has_image,
            "tags": sorted(t.name for t in credential.tags.all()),
            "collections": sorted(c.name for c in credential.collections.all()),
            "history": sorted(
                (r.checked_at, r.verdict, r.report["format"])
                for r in credential.runs.all()
                if r.trigger != VerificationRun.Trigger.SCHEDULED
            ),
            "versions": sorted(v.sha256 for v in credential.versions.all()),
        }
    return state


def verdicts(owner: User) -> dict[str, str]:
    """Each live credential's current verdict, by the SHA-256 of its original."""
    live = Credential.objects.filter(owner=owner, deleted_at=None)
    return dict(live.values_list("sha256", "verdict"))


def checked_here(owner: User) -> bool:
    """Whether every live credential was checked by this wallet since the restore, and every
    one in the trash is still "not checked yet" (the file's verdicts were not taken)."""
    credentials = list(Credential.objects.filter(owner=owner).prefetch_related("runs"))
    for credential in credentials:
        latest = max(credential.runs.all(), key=lambda r: (r.checked_at, r.pk), default=None)
        if credential.deleted_at is not None:
            if credential.verdict or credential.checked_at is not None:
                return False
        elif latest is None or latest.trigger == VerificationRun.Trigger.RESTORED:
            return False
        elif (latest.verdict, latest.checked_at) != (credential.verdict, credential.checked_at):
            return False
    return bool(credentials)
