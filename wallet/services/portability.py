"""Take it all with you: the full export (one ZIP, optionally sealed) and its restore.

The export holds every original exactly as received (byte-identical, SHA-256 listed in the
manifest), the record around it (derived fields, tags, collections, verification history,
earlier versions, sanitised images, share settings without tokens), the learner-assembled
CLR bundle and a README for a human. Restore checks everything first (the seal, every
checksum, the manifest's shape) and then writes in one transaction, matching credentials by
their identity, so a second restore of the same file changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import crypto
from accounts.dids import did_key_from_public_key, ed25519_public_multibase
from accounts.models import HolderKey
from sharing.presentations import ClrBundle, clr_bundle_build, clr_bundle_png
from wallet.models import (
    Collection,
    Credential,
    CredentialImage,
    CredentialVersion,
    ExportJob,
    Tag,
    VerificationRun,
)
from wallet.services import export_crypto, organise
from wallet.services.audit import audit_record
from wallet.services.derive import dedupe_key
from wallet.services.export_crypto import ExportDecryptionError, SealingKey
from wallet.verification.errors import VerificationInputError

logger = logging.getLogger(__name__)

FORMAT = "satchel-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "README.txt"
HOLDER_KEYS = "keys/holder-key.json"
CLR_JSON = "clr/bundle.json"
CLR_PNG = "clr/bundle.png"
_EXTENSIONS = {"json": "json", "jwt": "jwt", "png": "png", "svg": "svg"}
# Copied to and from the manifest as they are: every one can be rebuilt from the original.
_RECORD_FIELDS = (
    "format",
    "container",
    "credential_id",
    "issuer_id",
    "title",
    "description",
    "issuer_name",
    "issuer_url",
    "issuer_image_url",
    "achievement_type",
    "criteria_narrative",
    "criteria_url",
    "evidence",
    "results",
    "alignments",
    "recipient_match",
    "recipient_hint",
    "verdict",
)
_RECORD_DATES = (
    "issued_at",
    "awarded_at",
    "valid_until",
    "checked_at",
    "verified_at",
    "created_at",
    "updated_at",
    "deleted_at",
)
_MAX_MEMBERS = 100_000
_MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024


class RestoreRefused(ValueError):
    """The file is not restored, and nothing of it was written; the message says why."""


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    filename: str
    encrypted: bool
    credentials: int
    clr_included: int
    clr_excluded: tuple[dict[str, str], ...]
    clr_note: str = ""


@dataclass(frozen=True)
class RestoreOutcome:
    restored: int  # credentials added to the record (each with what is inside it)
    already: int  # credentials the record held already
    tags: int
    collections: int
    holder_keys: int
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        text = (
            f"Restored {self.restored} credential{'s' if self.restored != 1 else ''}; "
            f"{self.already} {'was' if self.already == 1 else 'were'} already in your record."
        )
        if self.holder_keys:
            text += " Your holder key is back: you hold the same DID as before."
        return " ".join((text, *self.notes))


# --- export --------------------------------------------------------------------------------


def export_archive(
    *,
    owner: Any,
    now: datetime,
    credential_ids: list[int] | None = None,
    sealing_key: SealingKey | None = None,
    include_holder_key: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ExportFile:
    """Build the export of `owner`'s record (or of the chosen credentials) as one file.

    The holder's private keys go in only when asked and only into a sealed export.
    """
    if include_holder_key and sealing_key is None:
        raise ValueError("The holder key is only exported inside an encrypted export.")
    credentials = _exported_credentials(owner, credential_ids)
    names = _file_names(credentials)
    bundle = _clr_bundle(owner, credentials, now)
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            entries = _write_credentials(archive, credentials, names, progress)
            clr = _write_bundle(archive, bundle, names)
            if include_holder_key:
                archive.writestr(HOLDER_KEYS, json.dumps(_holder_keys(owner), indent=2))
            manifest = _manifest(
                owner, now, entries, names, clr, credential_ids, sealing_key, include_holder_key
            )
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
            archive.writestr(README, _readme(manifest))
        spool.seek(0)
        data = spool.read()
    stamp = now.strftime("%Y-%m-%d")
    if sealing_key is not None:
        data = export_crypto.seal(data, sealing_key)
    filename = f"satchel-export-{stamp}.zip" + (".enc" if sealing_key is not None else "")
    return ExportFile(
        data=data,
        filename=filename,
        encrypted=sealing_key is not None,
        credentials=len(entries),
        clr_included=len(clr.get("included", [])),
        clr_excluded=tuple(clr.get("excluded", [])),
        clr_note=str(clr.get("note", "")),
    )


def _exported_credentials(owner: Any, credential_ids: list[int] | None) -> list[Credential]:
    """Parents before what they contain, trashed ones too (they are part of the record)."""
    queryset = Credential.objects.filter(owner=owner)
    if credential_ids is not None:
        chosen = queryset.filter(pk__in=credential_ids, parent__isnull=True).values("pk")
        queryset = queryset.filter(pk__in=chosen) | queryset.filter(parent__in=chosen)
    return list(
        queryset.select_related("image")
        .prefetch_related("tags", "collections", "runs", "versions")
        .order_by(F("parent_id").asc(nulls_first=True), "pk")
    )


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40].rstrip("-") or "credential"


def _file_names(credentials: list[Credential]) -> dict[int, str]:
    names = {}
    for number, credential in enumerate(credentials, start=1):
        extension = _EXTENSIONS.get(credential.container, "bin")
        names[credential.pk] = f"credentials/{number:04d}-{_slug(credential.title)}.{extension}"
    return names


def _write_credentials(
    archive: zipfile.ZipFile,
    credentials: list[Credential],
    names: dict[int, str],
    progress: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    entries = []
    for done, credential in enumerate(credentials, start=1):
        original = bytes(credential.original)
        name = names[credential.pk]
        # Stored, not deflated: the member is the original, and a PNG gains nothing anyway.
        archive.writestr(name, original, compress_type=zipfile.ZIP_STORED)
        entry = _credential_entry(credential, name, original, names)
        entry["versions"] = _write_versions(archive, credential, name)
        entry["image"] = _write_image(archive, credential, name)
        entries.append(entry)
        if progress is not None:
            progress(done, len(credentials))
    return entries


def _credential_entry(
    credential: Credential, name: str, original: bytes, names: dict[int, str]
) -> dict[str, Any]:
    record = {key: getattr(credential, key) for key in _RECORD_FIELDS}
    record |= {key: _iso(getattr(credential, key)) for key in _RECORD_DATES}
    return {
        "file": name,
        "sha256": hashlib.sha256(original).hexdigest(),
        "size": len(original),
        "media_type": credential.media_type,
        "source": credential.source,
        "filename": credential.filename,
        "source_url": credential.source_url,
        "parent": names.get(credential.parent_id) if credential.parent_id else None,
        "record": record,
        "tags": sorted(tag.name for tag in credential.tags.all()),
        "collections": sorted(c.name for c in credential.collections.all()),
        "history": [
            {
                "checked_at": _iso(run.checked_at),
                "verdict": run.verdict,
                "trigger": run.trigger,
                "report": run.report,
            }
            for run in sorted(credential.runs.all(), key=lambda r: (r.checked_at, r.pk))
        ],
    }


def _write_versions(
    archive: zipfile.ZipFile, credential: Credential, name: str
) -> list[dict[str, Any]]:
    versions = []
    stem = name.rsplit(".", 1)[0].replace("credentials/", "versions/", 1)
    for number, version in enumerate(sorted(credential.versions.all(), key=lambda v: v.pk), 1):
        original = bytes(version.original)
        file = f"{stem}-v{number}.{_EXTENSIONS.get(version.container, 'bin')}"
        archive.writestr(file, original, compress_type=zipfile.ZIP_STORED)
        versions.append(
            {
                "file": file,
                "sha256": hashlib.sha256(original).hexdigest(),
                "media_type": version.media_type,
                "container": version.container,
                "source": version.source,
                "issued_at": _iso(version.issued_at),
                "received_at": _iso(version.received_at),
                "reason": version.reason,
            }
        )
    return versions


def _write_image(
    archive: zipfile.ZipFile, credential: Credential, name: str
) -> dict[str, Any] | None:
    image = getattr(credential, "image", None) if credential.has_image else None
    if image is None:
        return None
    content = bytes(image.content)
    extension = "svg" if image.media_type == "image/svg+xml" else "png"
    file = name.rsplit(".", 1)[0].replace("credentials/", "images/", 1) + f".{extension}"
    archive.writestr(file, content, compress_type=zipfile.ZIP_STORED)
    return {
        "file": file,
        "sha256": hashlib.sha256(content).hexdigest(),
        "media_type": image.media_type,
        "width": image.width,
        "height": image.height,
        "origin": image.origin,
    }


def _clr_bundle(owner: Any, credentials: list[Credential], now: datetime) -> ClrBundle | str:
    """The bundle of every live credential, or why there is none."""
    chosen = [c for c in credentials if c.parent_id is None and c.deleted_at is None]
    if not chosen:
        return "There is no credential to bundle."
    if _too_many_for_a_bundle(chosen):
        return _TOO_LARGE
    try:
        return clr_bundle_build(owner=owner, credentials=chosen, now=now)
    except VerificationInputError as exc:
        # A very large record exceeds what one signed (and verifiable) document may hold.
        logger.info("no CLR bundle in the export of user %s: %s", owner.pk, exc)
        return _TOO_LARGE


# One signed document must stay within the verifier's limits (and be quick to sign and check):
# past this many Open Badges 3.0 credentials, the canonical form would exceed them.
MAX_BUNDLE_CREDENTIALS = 200
_TOO_LARGE = (
    f"Your record holds more than {MAX_BUNDLE_CREDENTIALS} credentials that could go in a "
    "CLR bundle, too many for one signed document. Assemble bundles of chosen credentials "
    "on the export page instead."
)


def _too_many_for_a_bundle(credentials: list[Credential]) -> bool:
    return sum(c.format == "ob3" for c in credentials) > MAX_BUNDLE_CREDENTIALS


def _write_bundle(
    archive: zipfile.ZipFile, bundle: ClrBundle | str, names: dict[int, str]
) -> dict[str, Any]:
    """The CLR bundle's files, and which credentials it holds or had to leave out."""
    if isinstance(bundle, str):
        return {"included": [], "excluded": [], "note": bundle}
    clr: dict[str, Any] = {
        "included": [names[c.pk] for c in bundle.included],
        "excluded": [
            {"file": names[c.pk], "title": c.title, "reason": reason}
            for c, reason in bundle.excluded
        ],
    }
    if bundle.included:
        archive.writestr(CLR_JSON, json.dumps(bundle.document, indent=2, ensure_ascii=False))
        archive.writestr(CLR_PNG, clr_bundle_png(bundle), compress_type=zipfile.ZIP_STORED)
        clr |= {"json": CLR_JSON, "png": CLR_PNG}
    return clr


def _holder_keys(owner: Any) -> dict[str, Any]:
    keys = []
    for key in HolderKey.objects.filter(user=owner).order_by("created_at", "pk"):
        raw = crypto.decrypt(key.private_key_encrypted)
        keys.append(
            {
                "did": key.did,
                "public_key_multibase": key.public_key_multibase,
                "private_key_hex": raw.hex(),
                "created_at": _iso(key.created_at),
                "retired_at": _iso(key.retired_at),
            }
        )
    return {
        "warning": "These are private keys. Anyone holding them can sign as you.",
        "type": "Ed25519",
        "keys": keys,
    }


def _manifest(
    owner: Any,
    now: datetime,
    entries: list[dict[str, Any]],
    names: dict[int, str],
    clr: dict[str, Any],
    credential_ids: list[int] | None,
    sealing_key: SealingKey | None,
    include_holder_key: bool,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(now),
        "instance": settings.SATCHEL_PUBLIC_ORIGIN,
        "partial": credential_ids is not None,
        "encrypted": sealing_key is not None,
        "holder_key_included": include_holder_key,
        "earner": _earner(owner),
        "tags": [
            {"name": t.name, "created_at": _iso(t.created_at)}
            for t in Tag.objects.filter(owner=owner).order_by("name")
        ],
        "collections": [
            {"name": c.name, "description": c.description, "created_at": _iso(c.created_at)}
            for c in Collection.objects.filter(owner=owner).order_by("name")
        ],
        "credentials": entries,
        "clr_bundle": clr,
        "shares": _shares(owner, names, now),
    }


def _earner(owner: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    from accounts.selectors import holder_dids

    emails = EmailAddress.objects.filter(user=owner).order_by("-primary", "email")
    return {
        "display_name": getattr(owner, "display_name", ""),
        "emails": [
            {"email": e.email, "verified": e.verified, "primary": e.primary} for e in emails
        ],
        "holder_dids": holder_dids(user=owner),
    }


def _shares(owner: Any, names: dict[int, str], now: datetime) -> list[dict[str, Any]]:
    """Each link's settings and what it shows, never its token (the link is not portable)."""
    from sharing.selectors import share_credentials, share_list

    shares = []
    for share in share_list(owner=owner):
        shown = share_credentials(share=share)
        shares.append(
            {
                "audience": share.audience,
                "display_name": share.display_name,
                "created_at": _iso(share.created_at),
                "expires_at": _iso(share.expires_at),
                "revoked_at": _iso(share.revoked_at),
                "state": str(share.state(now)),
                "max_views": share.max_views,
                "view_count": share.view_count,
                "collection": share.collection.name if share.collection else None,
                "follow_collection": share.follow_collection,
                "credentials": [names.get(c.pk, c.title) for c in shown],
            }
        )
    return shares


def _readme(manifest: dict[str, Any]) -> str:
    count = len(manifest["credentials"])
    clr = manifest["clr_bundle"]
    lines = [
        "Your Satchel export",
        "===================",
        "",
        f"Exported {manifest['exported_at']} from {manifest['instance']}.",
        f"It holds {count} credential{'s' if count != 1 else ''}"
        + (" (the ones you chose)." if manifest["partial"] else " (your whole record)."),
        "",
        "credentials/   every credential exactly as you received it, byte for byte. These are",
        "               the files an employer or another wallet can verify.",
        "versions/      earlier or later copies of a credential your record kept.",
        "images/        the badge images Satchel showed.",
        "clr/           a CLR 2.0 bundle you assembled: bundle.json and the same baked into",
        "               bundle.png. Its signature says only that you put it together; each",
        "               credential inside keeps its issuer's own signature.",
        "manifest.json  everything else: tags, collections, verification history, the SHA-256",
        "               of every file, and your share links' settings (without their links).",
    ]
    if clr.get("note"):
        lines += ["", f"No CLR bundle: {clr['note']}"]
    if clr.get("excluded"):
        lines += ["", "Left out of the CLR bundle (they travel in credentials/ instead):"]
        lines += [
            f"  - {item['title'] or item['file']}: {item['reason']}" for item in clr["excluded"]
        ]
    if manifest["holder_key_included"]:
        lines += ["", "keys/          YOUR PRIVATE HOLDER KEYS. Keep this file secret."]
    lines += [
        "",
        "To bring everything back, sign in to a Satchel wallet and use Restore from export.",
        "",
    ]
    return "\n".join(lines)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- the CLR bundle on its own ---------------------------------------------------------------


def clr_bundle_for(
    *, owner: Any, credential_ids: list[int] | None, now: datetime, name: str | None = None
) -> ClrBundle:
    """The learner-assembled CLR of the chosen live credentials (all when None).

    Raises ValidationError when a chosen credential is not the owner's, or there is none.
    """
    live = Credential.objects.filter(owner=owner, parent__isnull=True, deleted_at__isnull=True)
    if credential_ids is not None:
        live = live.filter(pk__in=credential_ids)
    chosen = list(live.order_by(F("issued_at").desc(nulls_last=True), "-pk"))
    if credential_ids is not None and len(chosen) != len(set(credential_ids)):
        raise ValidationError("Some of the chosen credentials are not in your record.")
    if not chosen:
        raise ValidationError("Your record holds no credential to put in a bundle.")
    if _too_many_for_a_bundle(chosen):
        raise ValidationError(
            f"A CLR bundle holds at most {MAX_BUNDLE_CREDENTIALS} credentials: choose fewer."
        )
    try:
        return clr_bundle_build(owner=owner, credentials=chosen, now=now, name=name or None)
    except VerificationInputError as exc:
        raise ValidationError(
            "These credentials are too many for one CLR bundle: choose fewer."
        ) from exc


def clr_bundle_filename(now: datetime, extension: str) -> str:
    return f"clr-bundle-{now:%Y-%m-%d}.{extension}"


# --- export jobs: built by a task, downloaded through an expiring link ---------------------

EXPORT_LINK_LIFETIME = timedelta(hours=24)
# Expired jobs are kept (empty) a while so their old link says "expired", not "not found".
EXPORT_JOB_RETENTION = timedelta(days=30)


def export_job_create(
    *,
    owner: Any,
    passphrase: str = "",
    include_holder_key: bool = False,
    credential_ids: list[int] | None = None,
    now: datetime | None = None,
) -> ExportJob:
    """Record an export request and build it in a task once committed.

    Raises ValidationError for a passphrase that is too short, or a holder key asked for
    without one. The passphrase itself is never stored: only the key derived from it.
    """
    from wallet import tasks

    now = now or timezone.now()
    if credential_ids is not None:
        _check_chosen(owner, credential_ids)
    if include_holder_key and not passphrase:
        raise ValidationError("Your holder key is only exported inside an encrypted export.")
    if passphrase and len(passphrase) < export_crypto.MIN_PASSPHRASE:
        raise ValidationError(
            f"Choose a passphrase of at least {export_crypto.MIN_PASSPHRASE} characters."
        )
    sealing = ""
    if passphrase:
        key = export_crypto.derive_key(passphrase)
        sealing = crypto.encrypt(json.dumps(key.to_dict()).encode())
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=owner,
            credential_ids=sorted(set(credential_ids)) if credential_ids is not None else None,
            encrypted=bool(passphrase),
            include_holder_key=include_holder_key,
            sealing_key_encrypted=sealing,
            token_hash=export_token_hash(token),
            token_encrypted=crypto.encrypt(token.encode()),
            created_at=now,
            expires_at=now + EXPORT_LINK_LIFETIME,
        )
        audit_record(
            user=owner,
            action="export.requested",
            target=job,
            detail={"encrypted": job.encrypted, "holder_key": include_holder_key},
            now=now,
        )
        transaction.on_commit(lambda: tasks.export_build.delay(job.pk))
    return job


def _check_chosen(owner: Any, credential_ids: list[int]) -> None:
    owned = Credential.objects.filter(owner=owner, parent__isnull=True, pk__in=credential_ids)
    if not credential_ids or owned.count() != len(set(credential_ids)):
        raise ValidationError("Some of the chosen credentials are not in your record.")


def export_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def export_job_token(job: ExportJob) -> str:
    """The job's download token, for its owner's page (stored encrypted, found by hash)."""
    return crypto.decrypt(job.token_encrypted).decode()


def export_job_run(*, job_id: int, now: datetime | None = None) -> ExportJob:
    """Build a job's export, recording progress. Idempotent once finished."""
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    if job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    sealing = None
    if job.sealing_key_encrypted:
        sealing = SealingKey.from_dict(json.loads(crypto.decrypt(job.sealing_key_encrypted)))

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        export = export_archive(
            owner=job.owner,
            now=now or timezone.now(),
            credential_ids=job.credential_ids,
            sealing_key=sealing,
            include_holder_key=job.include_holder_key,
            progress=progress,
        )
    except Exception:  # the earner sees a failed job, not a page stuck on "building"
        logger.exception("export job %s failed", job.pk)
        return _finish_job(job, None, now)
    return _finish_job(job, export, now)


def _finish_job(job: ExportJob, export: ExportFile | None, now: datetime | None) -> ExportJob:
    finished = now or timezone.now()
    job.refresh_from_db(fields=["done", "total"])
    job.sealing_key_encrypted = ""  # the key is not kept once the file is sealed
    job.finished_at = finished
    job.expires_at = finished + EXPORT_LINK_LIFETIME
    if export is None:
        job.status = ExportJob.Status.FAILED
        job.message = "The export could not be built. Try again, or ask for help if it persists."
    else:
        job.status = ExportJob.Status.DONE
        job.data = export.data
        job.filename = export.filename
        job.size = len(export.data)
        job.sha256 = hashlib.sha256(export.data).hexdigest()
        job.total = job.done = export.credentials
        job.message = _job_message(export)
    with transaction.atomic():
        job.save()
        if export is not None:
            audit_record(
                user=job.owner,
                action="record.exported",
                target=job,
                detail={"credentials": export.credentials, "encrypted": export.encrypted},
                now=finished,
            )
    return job


def _job_message(export: ExportFile) -> str:
    text = f"{export.credentials} credential{'s' if export.credentials != 1 else ''} exported."
    if export.clr_excluded:
        text += (
            f" {len(export.clr_excluded)} could not go into the CLR bundle "
            "and travel in the export's credentials/ folder instead."
        )
    if export.clr_note:
        text += f" {export.clr_note}"
    return text


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """Empty every export whose link expired; forget jobs long past it. Returns files emptied."""
    now = now or timezone.now()
    ExportJob.objects.filter(expires_at__lt=now - EXPORT_JOB_RETENTION).delete()
    return (
        ExportJob.objects.filter(expires_at__lte=now)
        .exclude(data=b"")
        .update(data=b"", sealing_key_encrypted="")
    )


# --- restore ---------------------------------------------------------------------------------


@dataclass
class _Archive:
    """An export read and checked in full, before anything is written."""

    manifest: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    holder_keys: list[dict[str, Any]] = field(default_factory=list)


def export_restore(
    *, owner: Any, data: bytes, passphrase: str = "", now: datetime | None = None
) -> RestoreOutcome:
    """Restore an export into `owner`'s record; raises RestoreRefused with a clear message.

    Everything is checked before anything is written, and the writing is one transaction.
    """
    now = now or timezone.now()
    archive = read_export(data, passphrase=passphrase)
    try:
        with transaction.atomic():
            outcome = _restore(owner, archive, now)
            _audit_restore(owner, archive, outcome, now)
    except RestoreRefused:
        raise
    except (DatabaseError, KeyError, TypeError, ValueError) as exc:
        logger.warning("restore refused for user %s: %r", owner.pk, exc)
        raise RestoreRefused(
            "The export holds something this wallet cannot store. Nothing was restored."
        ) from exc
    return outcome


def _audit_restore(owner: Any, archive: _Archive, outcome: RestoreOutcome, now: datetime) -> None:
    audit_record(
        user=owner,
        action="record.restored",
        detail={
            "exported_at": archive.manifest.get("exported_at"),
            "instance": archive.manifest.get("instance"),
            "restored": outcome.restored,
            "already": outcome.already,
            "holder_keys": outcome.holder_keys,
        },
        now=now,
    )


def restore_size_cap() -> int:
    """The largest export file a restore reads (the bulk-import archive cap)."""
    return int(getattr(settings, "SATCHEL_MAX_ZIP_BYTES", 20 * settings.SATCHEL_MAX_UPLOAD_BYTES))


def read_export(data: bytes, *, passphrase: str = "") -> _Archive:
    """Open, unseal and check an export; raises RestoreRefused."""
    if len(data) > restore_size_cap():
        raise RestoreRefused("The file is larger than this wallet accepts for a restore.")
    sealed = export_crypto.is_sealed(data)
    if sealed:
        if not passphrase:
            raise RestoreRefused("This export is encrypted: enter the passphrase it was made with.")
        try:
            data = export_crypto.unseal(data, passphrase)
        except ExportDecryptionError as exc:
            raise RestoreRefused(str(exc)) from exc
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            return _read_members(zipped, sealed)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise RestoreRefused(
            "This file is not a Satchel export, or it is damaged: it cannot be read."
        ) from exc


def _read_members(zipped: zipfile.ZipFile, sealed: bool) -> _Archive:
    infos = {info.filename: info for info in zipped.infolist() if not info.is_dir()}
    _check_sizes(list(infos.values()))
    if MANIFEST not in infos:
        raise RestoreRefused(
            "This archive is not a Satchel export (it has no manifest.json). To add badges "
            "from a ZIP made elsewhere, use Import instead."
        )
    manifest = _load_manifest(zipped.read(infos[MANIFEST]))
    archive = _Archive(manifest=manifest)
    for name, digest in _listed_files(manifest):
        if name not in infos:
            raise RestoreRefused(
                f"The export is incomplete: {name} is missing. Nothing was restored."
            )
        content = zipped.read(infos[name])
        if hashlib.sha256(content).hexdigest() != digest:
            raise RestoreRefused(
                f"{name} is not the file that was exported (its checksum differs): the export "
                "was changed or damaged. Nothing was restored."
            )
        archive.files[name] = content
    if HOLDER_KEYS in infos:
        if not sealed:
            raise RestoreRefused(
                "This unencrypted export holds private keys, which Satchel only ever puts in an "
                "encrypted export: it was altered. Nothing was restored."
            )
        archive.holder_keys = _load_holder_keys(zipped.read(infos[HOLDER_KEYS]))
    return archive


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    uncompressed_cap = getattr(
        settings, "SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES", 40 * settings.SATCHEL_MAX_UPLOAD_BYTES
    )
    if len(infos) > _MAX_MEMBERS or sum(i.file_size for i in infos) > uncompressed_cap:
        raise RestoreRefused("The archive unpacks to more than this wallet accepts.")
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise RestoreRefused("The archive looks like a ZIP bomb and was refused.")


def _load_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RestoreRefused("The export's manifest.json is damaged: it cannot be read.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused("This archive is not a Satchel export.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RestoreRefused(
            "This export was made by a newer Satchel than this one; update the wallet first."
        )
    try:
        _check_manifest_shape(manifest)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RestoreRefused(
            f"The export's manifest.json is not in the expected shape ({exc!s:.80}). "
            "Nothing was restored."
        ) from exc
    return manifest


def _check_manifest_shape(manifest: dict[str, Any]) -> None:
    files = set()
    for entry in manifest["credentials"]:
        files.add(str(entry["file"]))
        if entry["parent"] is not None and entry["parent"] not in files:
            raise ValueError(f"{entry['file']} is inside a credential listed after it")
        for key in _RECORD_DATES:
            _date(entry["record"].get(key))
        for key in ("tags", "collections", "history", "versions"):
            if not isinstance(entry[key], list):
                raise TypeError(f"{key} of {entry['file']} is not a list")
        for run in entry["history"]:
            _required_date(run["checked_at"])
            str(run["verdict"])
        for version in entry["versions"]:
            _required_date(version["received_at"])
    for item in (*manifest["tags"], *manifest["collections"]):
        str(item["name"])


def _listed_files(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for entry in manifest["credentials"]:
        yield str(entry["file"]), str(entry["sha256"])
        for version in entry["versions"]:
            yield str(version["file"]), str(version["sha256"])
        if entry.get("image"):
            yield str(entry["image"]["file"]), str(entry["image"]["sha256"])


def _load_holder_keys(raw: bytes) -> list[dict[str, Any]]:
    try:
        keys = json.loads(raw)["keys"]
        checked = []
        for key in keys:
            private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["private_key_hex"]))
            if did_key_from_public_key(private.public_key()) != key["did"]:
                raise ValueError("a key does not match its DID")
            checked.append(key | {"private": private})
        return checked
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise RestoreRefused(
            "The holder key in this export is damaged. Nothing was restored."
        ) from exc


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value))


def _required_date(value: Any) -> datetime:
    parsed = _date(value)
    if parsed is None:
        raise ValueError("a required date is missing")
    return parsed


# --- restore: writing ------------------------------------------------------------------------


@dataclass
class _Names:
    tags: dict[str, Tag] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)


def _restore(owner: Any, archive: _Archive, now: datetime) -> RestoreOutcome:
    manifest = archive.manifest
    names, tags_added, collections_added = _restore_names(owner, manifest, now)
    created: dict[str, Credential] = {}
    skipped: set[str] = set()
    restored = already = 0
    for entry in manifest["credentials"]:
        parent_file = entry["parent"]
        if parent_file is not None:
            if parent_file in created:
                created[entry["file"]] = _create(owner, entry, archive, created[parent_file])
            continue
        existing = _existing(owner, entry)
        if existing is not None:
            already += 1
            skipped.add(entry["file"])
            _organise(existing, entry, names)
            continue
        created[entry["file"]] = _create(owner, entry, archive, None)
        restored += 1
    for entry in manifest["credentials"]:
        if entry["file"] in created:
            _organise(created[entry["file"]], entry, names)
    keys, notes = _restore_holder_keys(owner, archive.holder_keys, now)
    return RestoreOutcome(restored, already, tags_added, collections_added, keys, notes)


def _restore_names(owner: Any, manifest: dict[str, Any], now: datetime) -> tuple[_Names, int, int]:
    names = _Names()
    tags_before = Tag.objects.filter(owner=owner).count()
    collections_added = 0
    try:
        for item in manifest["tags"]:
            tag = organise.tag_create(
                owner=owner, name=item["name"], now=_date(item.get("created_at")) or now
            )
            names.tags[item["name"]] = tag
        for item in manifest["collections"]:
            collection = Collection.objects.filter(owner=owner, name__iexact=item["name"]).first()
            if collection is None:
                collection = organise.collection_create(
                    owner=owner,
                    name=item["name"],
                    description=str(item.get("description") or ""),
                    now=_date(item.get("created_at")) or now,
                )
                collections_added += 1
            names.collections[item["name"]] = collection
    except ValidationError as exc:
        raise RestoreRefused(
            f"A tag or collection in the export is not valid: {exc.messages[0]}"
        ) from exc
    tags_added = Tag.objects.filter(owner=owner).count() - tags_before
    return names, tags_added, collections_added


def _identity(entry: dict[str, Any]) -> str:
    record = entry["record"]
    return dedupe_key(
        issuer_id=str(record.get("issuer_id") or ""),
        credential_id=str(record.get("credential_id") or ""),
        sha256=str(entry["sha256"]),
    )


def _existing(owner: Any, entry: dict[str, Any]) -> Credential | None:
    return Credential.objects.filter(owner=owner, parent=None, dedupe_key=_identity(entry)).first()


def _create(
    owner: Any, entry: dict[str, Any], archive: _Archive, parent: Credential | None
) -> Credential:
    record = entry["record"]
    original = archive.files[entry["file"]]
    credential = Credential(
        owner=owner,
        parent=parent,
        original=original,
        media_type=str(entry["media_type"]),
        sha256=str(entry["sha256"]),
        source=str(entry["source"]),
        source_url=str(entry.get("source_url") or ""),
        filename=str(entry.get("filename") or ""),
        dedupe_key=_identity(entry),
        has_image=bool(entry.get("image")),
    )
    for key in _RECORD_FIELDS:
        if key in record:
            setattr(credential, key, record[key])
    for key in _RECORD_DATES:
        setattr(credential, key, _date(record.get(key)))
    credential.save()
    _restore_history(credential, entry, archive)
    return credential


def _restore_history(credential: Credential, entry: dict[str, Any], archive: _Archive) -> None:
    VerificationRun.objects.bulk_create(
        VerificationRun(
            credential=credential,
            verdict=str(run["verdict"]),
            report=run.get("report") or {},
            trigger=str(run.get("trigger") or VerificationRun.Trigger.IMPORT),
            checked_at=_required_date(run["checked_at"]),
        )
        for run in entry["history"]
    )
    CredentialVersion.objects.bulk_create(
        CredentialVersion(
            credential=credential,
            original=archive.files[version["file"]],
            media_type=str(version.get("media_type") or ""),
            sha256=str(version["sha256"]),
            container=str(version.get("container") or ""),
            source=str(version.get("source") or ""),
            issued_at=_date(version.get("issued_at")),
            received_at=_required_date(version["received_at"]),
            reason=str(version.get("reason") or CredentialVersion.Reason.OLDER),
        )
        for version in entry["versions"]
    )
    image = entry.get("image")
    if image:
        CredentialImage.objects.create(
            credential=credential,
            content=archive.files[image["file"]],
            media_type=str(image["media_type"]),
            sha256=str(image["sha256"]),
            width=image.get("width"),
            height=image.get("height"),
            origin=str(image.get("origin") or ""),
        )


def _organise(credential: Credential, entry: dict[str, Any], names: _Names) -> None:
    for name in entry["tags"]:
        tag = names.tags.get(name) or organise.tag_create(owner=credential.owner, name=name)
        organise.credential_tag(credential=credential, tag=tag)
    for name in entry["collections"]:
        collection = names.collections.get(name)
        if collection is not None:
            organise.collection_add(collection=collection, credential=credential)


def _restore_holder_keys(
    owner: Any, keys: list[dict[str, Any]], now: datetime
) -> tuple[int, tuple[str, ...]]:
    """Bring back the exported holder keys; the one current at export becomes current again.

    The key this account was given at sign-up is retired, not deleted, as a rotation would.
    """
    restored, notes = 0, []
    for key in keys:
        holder = HolderKey.objects.filter(did=key["did"]).first()
        if holder is not None:
            if holder.user_id != owner.pk:
                notes.append(
                    "Your holder key was not restored: another account on this wallet holds it."
                )
            continue
        current = key.get("retired_at") is None
        if current:
            HolderKey.objects.filter(user=owner, retired_at__isnull=True).update(retired_at=now)
        private: Ed25519PrivateKey = key["private"]
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        HolderKey.objects.create(
            user=owner,
            did=key["did"],
            public_key_multibase=ed25519_public_multibase(private.public_key()),
            private_key_encrypted=crypto.encrypt(raw),
            created_at=_required_date(key["created_at"]),
            retired_at=None if current else _date(key["retired_at"]),
        )
        restored += 1
    return restored, tuple(dict.fromkeys(notes))
