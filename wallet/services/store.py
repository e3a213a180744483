"""Storing what arrived: one verified credential (or many at once) into the owner's record.

A channel in `intake` turns what arrived into verified reports; this module decides what
each one does to the record, in one transaction: a new record (with what is inside a CLR),
a newer issue that replaces the current one (the earlier kept as a version), an older or
unverified copy kept in the history, a duplicate, or a credential back from the trash. The
original bytes are kept exactly as received.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from wallet.bulk import insert_rows
from wallet.images import ImageMemo, SafeImage, find_image, image_row
from wallet.models import (
    UNTITLED,
    VERIFYING,
    AuditEvent,
    Credential,
    CredentialImage,
    CredentialVersion,
    Source,
    VerificationRun,
)
from wallet.services.audit import audit_record
from wallet.services.derive import DerivedFields, dedupe_key, derive_fields
from wallet.verification import Report, Verdict
from wallet.verification import wording as verdict_wording
from wallet.verification.fetch import Fetcher
from wallet.verification.messages import Phrase
from wallet.wording import Said, SaidPlural

IMPORTED, UPDATED, DUPLICATE, FAILED = "imported", "updated", "duplicate", "failed"
_INTEGRITY_FAILURES = (Verdict.MALFORMED, Verdict.UNSUPPORTED, Verdict.INVALID_SIGNATURE)
JSON_MEDIA_TYPE = "application/json"
JWT_MEDIA_TYPE = "application/vc+jwt"
SD_JWT_MEDIA_TYPE = "application/dc+sd-jwt"
# The older media type some OpenID4VCI issuers (eduBadges among them) still send.
LEGACY_SD_JWT_MEDIA_TYPE = "application/vc+sd-jwt"


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one import. `credentials` lists every record touched (a presentation
    yields several); `credential` is the first of them, or None when nothing was stored
    (`FAILED`: the channel refused it before anything reached the record)."""

    status: str  # imported | updated | duplicate | failed
    credential: Credential | None
    message: str
    credentials: tuple[Credential, ...] = field(default=())


@dataclass(frozen=True)
class Stored:
    """What happened to one credential of a batch stored together (`credentials_store`)."""

    status: str  # imported | updated | duplicate
    message: str
    credential_id: int | None


@dataclass(frozen=True)
class Arrival:
    """How and when credentials arrived: what their rows and audit entries record."""

    source: str
    filename: str
    source_url: str
    now: datetime
    fetcher: Fetcher | None


@dataclass(frozen=True)
class Verified:
    """A verified credential on its way into the record, its original as it arrived."""

    report: Report
    original: bytes
    media_type: str
    arrival: Arrival


def embedded_original(report: Report) -> tuple[bytes, str] | None:
    """The bytes an embedded credential (in a CLR or presentation) is kept as.

    Embedded credentials never existed as files of their own: a JWT keeps its exact token;
    a JSON credential is kept as `json.dumps` of the object as decoded from its container
    (key order preserved, no whitespace change that matters to its Data Integrity proof,
    which signs the canonical form, not the text).
    """
    if report.jwt and report.container == "sd-jwt":
        return report.jwt.encode(), sd_jwt_media_type(report)
    if report.jwt:
        return report.jwt.encode(), JWT_MEDIA_TYPE
    if isinstance(report.credential, dict):
        return json.dumps(report.credential, ensure_ascii=False).encode(), JSON_MEDIA_TYPE
    return None


def sd_jwt_media_type(report: Report) -> str:
    """An SD-JWT's media type is its issuer JWT's `typ` (SD-JWT VC §3.1): the older
    `vc+sd-jwt` is kept as what the issuer said, anything else is `dc+sd-jwt`."""
    extras = report.extras.get("sd_jwt") if isinstance(report.extras, dict) else None
    typ = extras.get("typ") if isinstance(extras, dict) else None
    if isinstance(typ, str) and typ.lower().removeprefix("application/") == "vc+sd-jwt":
        return LEGACY_SD_JWT_MEDIA_TYPE
    return SD_JWT_MEDIA_TYPE


def credential_store(
    *, owner: User, verified: Verified, images: ImageMemo | None = None
) -> ImportOutcome:
    """Store one verified credential (see the module's docstring for what that means)."""
    incoming = _incoming(
        verified.report, verified.original, verified.media_type, verified.arrival, images
    )
    return _store_incoming(owner, incoming, verified.arrival)


def credentials_store(
    *, owner: User, verified: list[Verified], images: ImageMemo | None = None
) -> list[Stored]:
    """Store several verified credentials as `credential_store` would one by one, in one
    transaction: those new to the record in a few multi-row inserts, anything else (a copy
    already held, a CLR with its contents, a second copy within the batch) through
    `_store_locked` in turn. The outcomes come back in `verified`'s order."""
    images = images if images is not None else ImageMemo()
    incomings = [_incoming(v.report, v.original, v.media_type, v.arrival, images) for v in verified]
    try:
        with transaction.atomic():
            return _store_locked_many(owner, incomings, verified)
    except IntegrityError:
        # Someone else stored one of them meanwhile: settle each on its own.
        return [
            _stored(_store_incoming(owner, incoming, v.arrival))
            for incoming, v in zip(incomings, verified, strict=True)
        ]


def _stored(outcome: ImportOutcome) -> Stored:
    first = outcome.credential
    return Stored(outcome.status, outcome.message, first.pk if first else None)


def _incoming(
    report: Report,
    original: bytes,
    media_type: str,
    arrival: Arrival,
    images: ImageMemo | None = None,
) -> _Incoming:
    derived = derive_fields(report)
    sha = hashlib.sha256(original).hexdigest()
    key = dedupe_key(issuer_id=derived.issuer_id, credential_id=derived.credential_id, sha256=sha)
    find = images.find if images is not None else find_image
    image = find(
        original=original,
        container=report.container,
        image_ref=derived.image_ref,
        fetcher=arrival.fetcher,
    )
    return _Incoming(report, original, media_type, sha, key, derived, image)


def _store_incoming(owner: User, incoming: _Incoming, arrival: Arrival) -> ImportOutcome:
    try:
        with transaction.atomic():
            return _store_locked(owner, incoming, arrival)
    except IntegrityError:
        # A concurrent import of the same credential won the race: it is a duplicate.
        existing = Credential.objects.filter(
            owner=owner, parent=None, dedupe_key=incoming.key
        ).first()
        return ImportOutcome(
            DUPLICATE,
            existing,
            Said("This credential is already in your record."),
            _one(existing),
        )


def _store_locked_many(
    owner: User, incomings: list[_Incoming], verified: list[Verified]
) -> list[Stored]:
    keys = {incoming.key for incoming in incomings}
    taken = set(
        Credential.objects.filter(owner=owner, parent=None, dedupe_key__in=keys).values_list(
            "dedupe_key", flat=True
        )
    )
    fresh: list[int] = []
    for n, incoming in enumerate(incomings):
        if incoming.key not in taken and incoming.report.format != "clr2":
            fresh.append(n)
        taken.add(incoming.key)
    created = _create_many(owner, [(incomings[n], verified[n].arrival) for n in fresh])
    outcomes = {
        n: Stored(IMPORTED, _imported_text(incomings[n].derived.title), pk)
        for n, pk in zip(fresh, created, strict=True)
    }
    return [
        outcomes[n] if n in outcomes else _stored(_store_locked(owner, incoming, v.arrival))
        for n, (incoming, v) in enumerate(zip(incomings, verified, strict=True))
    ]


def _create_many(owner: User, items: list[tuple[_Incoming, Arrival]]) -> list[int]:
    """What `_create` then `_audit` write for top-level credentials without contents, as a
    few multi-row inserts (`insert_rows`); the new credentials' ids, in `items`' order."""
    rows = [_credential_row(owner, incoming, arrival) for incoming, arrival in items]
    ids = dict(
        (key, pk) for pk, key in insert_rows(Credential, rows, returning=("id", "dedupe_key"))
    )
    pks = [ids[incoming.key] for incoming, _arrival in items]
    pairs = list(zip(pks, items, strict=True))
    insert_rows(
        VerificationRun,
        [_run_row(pk, incoming, arrival) for pk, (incoming, arrival) in pairs],
    )
    insert_rows(
        CredentialImage,
        [
            image_row(pk, incoming.image)
            for pk, (incoming, _arrival) in pairs
            if incoming.image is not None
        ],
    )
    insert_rows(
        AuditEvent,
        [
            {
                "user_id": owner.pk,
                "action": "credential.imported",
                "target_type": Credential._meta.label_lower,
                "target_id": str(pk),
                "detail": _audit_detail(arrival),
                "created_at": arrival.now,
            }
            for pk, (_incoming, arrival) in pairs
        ],
    )
    return pks


def _credential_row(
    owner: User, incoming: _Incoming, arrival: Arrival, parent: Credential | None = None
) -> dict[str, Any]:
    """Every column of a new credential (a CLR's child when `parent` is given)."""
    return {
        "owner_id": owner.pk,
        "parent_id": parent.pk if parent is not None else None,
        "source": Source.BUNDLE if parent is not None else arrival.source,
        "filename": arrival.filename if parent is None else "",
        "source_url": arrival.source_url if parent is None else "",
        "created_at": arrival.now,
        "deleted_at": None,
        **_original_values(incoming, arrival.now),
    }


def _original_values(incoming: _Incoming, now: datetime) -> dict[str, Any]:
    """The columns that come from the original: set on a new credential, replaced on an
    update."""
    return {
        "original": incoming.original,
        "media_type": incoming.media_type,
        "sha256": incoming.sha256,
        "dedupe_key": incoming.key,
        **incoming.derived.model_values(),
        "checked_at": now,
        "verified_at": now if incoming.derived.verdict in VERIFYING else None,
        "has_image": incoming.image is not None,
        "updated_at": now,
    }


def _run_row(credential_id: int, incoming: _Incoming, arrival: Arrival) -> dict[str, Any]:
    return {
        "credential_id": credential_id,
        "verdict": incoming.derived.verdict,
        "report": incoming.report.to_dict(),
        "trigger": VerificationRun.Trigger.IMPORT.value,
        "checked_at": arrival.now,
    }


@dataclass(frozen=True)
class _Incoming:
    report: Report
    original: bytes
    media_type: str
    sha256: str
    key: str
    derived: DerivedFields
    image: SafeImage | None


def _one(credential: Credential | None) -> tuple[Credential, ...]:
    return (credential,) if credential is not None else ()


def _store_locked(owner: User, incoming: _Incoming, arrival: Arrival) -> ImportOutcome:
    existing = (
        Credential.objects.select_for_update()
        .filter(owner=owner, parent=None, dedupe_key=incoming.key)
        .first()
    )
    if existing is None:
        credential = _create(owner, incoming, arrival, parent=None)
        _audit(owner, "credential.imported", credential, arrival)
        return ImportOutcome(IMPORTED, credential, _imported_message(credential), (credential,))
    restored = existing.deleted_at is not None
    if restored:
        # Re-adding what was deleted brings it back rather than refusing it as a duplicate.
        _restore(existing)
    if existing.sha256 == incoming.sha256:
        if restored:
            _audit(owner, "credential.restored", existing, arrival)
            return ImportOutcome(
                IMPORTED,
                existing,
                Said("This credential was in your trash: it is back."),
                (existing,),
            )
        _audit(owner, "credential.duplicate", existing, arrival)
        return ImportOutcome(
            DUPLICATE, existing, Said("This credential is already in your record."), (existing,)
        )
    newer = _is_newer(incoming.derived.issued_at, existing.issued_at)
    if newer and not _may_replace(incoming.report.verdict, existing.verdict):
        _keep_as_version(existing, incoming, arrival, CredentialVersion.Reason.UNVERIFIED)
        _audit(owner, "credential.unverified_version_kept", existing, arrival)
        return ImportOutcome(
            DUPLICATE,
            existing,
            Said(
                "A newer copy of this credential does not verify (%(verdict)s); it is kept "
                "in the credential's history and the one in your record stays current.",
                verdict=Phrase(verdict_wording.verdict_label(incoming.report.verdict)),
            ),
            (existing,),
        )
    if newer:
        _replace(existing, incoming, arrival)
        _audit(owner, "credential.updated", existing, arrival)
        return ImportOutcome(
            UPDATED,
            existing,
            Said(
                "A newer issue of this credential replaced the one in your record; "
                "the earlier one is kept in its history."
            ),
            (existing,),
        )
    _keep_as_version(existing, incoming, arrival, CredentialVersion.Reason.OLDER)
    _audit(owner, "credential.older_version_kept", existing, arrival)
    return ImportOutcome(
        DUPLICATE,
        existing,
        Said(
            "Your record already holds this credential (the same or a newer issue); "
            "this copy is kept in its history."
        ),
        (existing,),
    )


def _imported_message(credential: Credential) -> str:
    return _imported_text(credential.title, credential.children.count())


def _imported_text(title: str, children: int = 0) -> str:
    shown = title or Said(UNTITLED)
    if not children:
        return Said("Imported “%(title)s”.", title=shown)
    return SaidPlural(
        "Imported “%(title)s” with %(count)s credential inside.",
        "Imported “%(title)s” with %(count)s credentials inside.",
        children,
        title=shown,
        count=children,
    )


def _may_replace(incoming: Verdict, current: str) -> bool:
    """A newer issue replaces the current one only if it verifies, or if neither does.

    Otherwise an altered copy with a later date would push a genuine credential aside.
    """
    if incoming.is_ok:
        return True
    if incoming in _INTEGRITY_FAILURES:
        return False
    return current not in VERIFYING


def _is_newer(incoming: datetime | None, current: datetime | None) -> bool:
    return incoming is not None and (current is None or incoming > current)


def _audit(owner: User, action: str, credential: Credential, arrival: Arrival) -> None:
    audit_record(
        user=owner, action=action, target=credential, detail=_audit_detail(arrival), now=arrival.now
    )


def _audit_detail(arrival: Arrival) -> dict[str, str]:
    return {"source": arrival.source, "filename": arrival.filename, "url": arrival.source_url}


def _create(
    owner: User, incoming: _Incoming, arrival: Arrival, *, parent: Credential | None
) -> Credential:
    credential = Credential(**_credential_row(owner, incoming, arrival, parent))
    credential.save()
    _after_save(credential, incoming, arrival)
    return credential


def _set_original(credential: Credential, incoming: _Incoming, now: datetime) -> None:
    for name, value in _original_values(incoming, now).items():
        setattr(credential, name, value)


def _after_save(credential: Credential, incoming: _Incoming, arrival: Arrival) -> None:
    VerificationRun(**_run_row(credential.pk, incoming, arrival)).save()
    _save_image(credential, incoming.image)
    if incoming.report.format == "clr2":
        _create_children(credential, incoming.report, arrival)


def _save_image(credential: Credential, image: SafeImage | None) -> None:
    CredentialImage.objects.filter(credential=credential).delete()
    if image is not None:
        # By id: assigning the credential itself would make the two refer to each other (a
        # one-to-one caches both ways), a cycle that keeps every stored original and image in
        # memory until the cycle collector runs.
        CredentialImage(**image_row(credential.pk, image)).save()


def _create_children(parent: Credential, report: Report, arrival: Arrival) -> None:
    for child in report.children:
        original = embedded_original(child)
        if original is None:
            continue
        derived = derive_fields(child)
        sha = hashlib.sha256(original[0]).hexdigest()
        key = dedupe_key(
            issuer_id=derived.issuer_id, credential_id=derived.credential_id, sha256=sha
        )
        image = find_image(
            original=original[0], container="json", image_ref=derived.image_ref, fetcher=None
        )
        incoming = _Incoming(child, original[0], original[1], sha, key, derived, image)
        _create(parent.owner, incoming, arrival, parent=parent)


def _replace(existing: Credential, incoming: _Incoming, arrival: Arrival) -> None:
    CredentialVersion.objects.create(
        credential=existing,
        original=bytes(existing.original),
        media_type=existing.media_type,
        sha256=existing.sha256,
        container=existing.container,
        source=existing.source,
        issued_at=existing.issued_at,
        received_at=existing.created_at,
        reason=CredentialVersion.Reason.REPLACED,
    )
    existing.children.all().delete()
    _set_original(existing, incoming, arrival.now)
    existing.source = arrival.source
    existing.filename = arrival.filename
    existing.source_url = arrival.source_url
    existing.save()
    _after_save(existing, incoming, arrival)


def _keep_as_version(
    existing: Credential, incoming: _Incoming, arrival: Arrival, reason: str
) -> None:
    if existing.versions.filter(sha256=incoming.sha256).exists():
        return
    CredentialVersion.objects.create(
        credential=existing,
        original=incoming.original,
        media_type=incoming.media_type,
        sha256=incoming.sha256,
        container=incoming.derived.container,
        source=arrival.source,
        issued_at=incoming.derived.issued_at,
        received_at=arrival.now,
        reason=reason,
    )


def _restore(credential: Credential) -> None:
    Credential.objects.filter(pk=credential.pk).update(deleted_at=None)
    credential.children.update(deleted_at=None)
    credential.deleted_at = None


# --- putting back what an earlier record held (a restore) ----------------------------------


@dataclass(frozen=True)
class PastRun:
    """A check an earlier record made: kept as history only (`RESTORED`), never as the
    credential's state."""

    verdict: str
    report: dict[str, Any]
    checked_at: datetime


@dataclass(frozen=True)
class PastVersion:
    original: bytes
    media_type: str
    sha256: str
    container: str
    source: str
    issued_at: datetime | None
    received_at: datetime
    reason: str


def credential_put_back(
    *,
    owner: User,
    parent: Credential | None,
    values: dict[str, Any],
    runs: list[PastRun],
    versions: list[PastVersion],
    image: SafeImage | None,
) -> Credential:
    """Put back a credential an earlier record held, in the caller's transaction: its row
    from `values` (the caller decides what of its source to trust), its earlier checks as
    history, its earlier versions and its sanitised image."""
    credential = Credential(owner=owner, parent=parent, has_image=image is not None, **values)
    credential.save()
    VerificationRun.objects.bulk_create(
        VerificationRun(
            credential=credential,
            verdict=run.verdict,
            report=run.report,
            trigger=VerificationRun.Trigger.RESTORED,
            checked_at=run.checked_at,
        )
        for run in runs
    )
    CredentialVersion.objects.bulk_create(
        CredentialVersion(credential=credential, **vars(version)) for version in versions
    )
    if image is not None:
        CredentialImage.objects.create(**image_row(credential.pk, image))
    return credential
