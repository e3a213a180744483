"""Building the export: every original byte for byte, the manifest, the CLR bundle, a README."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts import crypto
from accounts.models import HolderKey, User
from portability import crypto as export_crypto
from portability.clr import (
    MAX_BUNDLE_CREDENTIALS,
    ClrBundle,
    clr_bundle_build,
    clr_bundle_png,
    too_many_for_a_bundle,
)
from portability.crypto import SealingKey
from wallet.models import Credential, file_extension
from wallet.selectors import collections_by_name, record_with_contents, tags_by_name
from wallet.verification.errors import VerificationInputError

logger = logging.getLogger(__name__)

FORMAT = "satchel-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "README.txt"
HOLDER_KEYS = "keys/holder-key.json"
CLR_JSON = "clr/bundle.json"
CLR_PNG = "clr/bundle.png"
# Copied to and from the manifest as they are: every one can be rebuilt from the original.
RECORD_FIELDS = (
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
RECORD_DATES = (
    "issued_at",
    "awarded_at",
    "valid_until",
    "checked_at",
    "verified_at",
    "created_at",
    "updated_at",
    "deleted_at",
)


@dataclass(frozen=True)
class ExportContents:
    """What an export holds, counted from its manifest: the export's page says it, and the
    restore counts what it added in the same terms, so the two agree."""

    credentials: int = 0  # in the record itself (the trash included)
    inside: int = 0  # inside those (a CLR's achievements)
    versions: int = 0  # earlier versions kept beside them
    tags: int = 0
    collections: int = 0
    holder_keys: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Any) -> ExportContents:
        values = values if isinstance(values, dict) else {}
        return cls(**{f.name: int(values.get(f.name) or 0) for f in dataclasses.fields(cls)})


def export_contents(manifest: dict[str, Any], *, holder_keys: int = 0) -> ExportContents:
    """Count what a (checked) manifest lists."""
    entries = manifest["credentials"]
    return ExportContents(
        credentials=sum(1 for entry in entries if entry["parent"] is None),
        inside=sum(1 for entry in entries if entry["parent"] is not None),
        versions=sum(len(entry["versions"]) for entry in entries),
        tags=len(manifest["tags"]),
        collections=len(manifest["collections"]),
        holder_keys=holder_keys,
    )


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    filename: str
    encrypted: bool
    credentials: int
    clr_included: int
    clr_excluded: tuple[dict[str, str], ...]
    clr_note: str = ""
    contents: ExportContents = ExportContents()


# --- export --------------------------------------------------------------------------------


def export_archive(
    *,
    owner: User,
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
    queryset = _exported_credentials(owner, credential_ids)
    # Names and the bundle's choice need no bytes: originals are read a chunk at a time.
    credentials = list(queryset.defer("original"))
    names = _file_names(credentials)
    bundle = _clr_bundle(owner, credentials, now)
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            entries = _write_credentials(archive, queryset, len(credentials), names, progress)
            clr = _write_bundle(archive, bundle, names)
            keys = _holder_keys(owner) if include_holder_key else None
            if keys is not None:
                archive.writestr(HOLDER_KEYS, json.dumps(keys, indent=2))
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
        contents=export_contents(manifest, holder_keys=len(keys["keys"]) if keys else 0),
    )


def _exported_credentials(owner: User, credential_ids: list[int] | None) -> QuerySet[Credential]:
    """Parents before what they contain, trashed ones too (they are part of the record)."""
    return record_with_contents(owner=owner, pks=credential_ids)


_CHUNK = 100


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40].rstrip("-") or "credential"


def _file_names(credentials: list[Credential]) -> dict[int, str]:
    names = {}
    for number, credential in enumerate(credentials, start=1):
        extension = credential.file_extension
        names[credential.pk] = f"credentials/{number:04d}-{_slug(credential.title)}.{extension}"
    return names


def _write_credentials(
    archive: zipfile.ZipFile,
    queryset: QuerySet[Credential],
    total: int,
    names: dict[int, str],
    progress: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    entries = []
    rows = (
        queryset.select_related("image")
        .prefetch_related("tags", "collections", "runs", "versions")
        .iterator(chunk_size=_CHUNK)
    )
    for done, credential in enumerate(rows, start=1):
        if credential.pk not in names:
            continue  # arrived while the export was being built: the next export has it
        original = bytes(credential.original)
        name = names[credential.pk]
        # Stored, not deflated: the member is the original, and a PNG gains nothing anyway.
        archive.writestr(name, original, compress_type=zipfile.ZIP_STORED)
        entry = _credential_entry(credential, name, original, names)
        entry["versions"] = _write_versions(archive, credential, name)
        entry["image"] = _write_image(archive, credential, name)
        entries.append(entry)
        if progress is not None:
            progress(done, total)
    return entries


def _credential_entry(
    credential: Credential, name: str, original: bytes, names: dict[int, str]
) -> dict[str, Any]:
    record = {key: getattr(credential, key) for key in RECORD_FIELDS}
    record |= {key: _iso(getattr(credential, key)) for key in RECORD_DATES}
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
        file = f"{stem}-v{number}.{file_extension(version.container)}"
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


def _clr_bundle(owner: User, credentials: list[Credential], now: datetime) -> ClrBundle | str:
    """The bundle of every live credential, or why there is none."""
    chosen = [c for c in credentials if c.parent_id is None and c.deleted_at is None]
    if not chosen:
        return "There is no credential to bundle."
    if too_many_for_a_bundle(chosen):
        return _TOO_LARGE
    try:
        return clr_bundle_build(owner=owner, credentials=chosen, now=now)
    except VerificationInputError as exc:
        # A very large record exceeds what one signed (and verifiable) document may hold.
        logger.info("no CLR bundle in the export of user %s: %s", owner.pk, exc)
        return _TOO_LARGE


_TOO_LARGE = (
    f"Your record holds more than {MAX_BUNDLE_CREDENTIALS} credentials that could go in a "
    "CLR bundle, too many for one signed document. Assemble bundles of chosen credentials "
    "on the export page instead."
)


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


def _holder_keys(owner: User) -> dict[str, Any]:
    keys = []
    for key in HolderKey.objects.filter(user=owner).order_by("created_at", "pk"):
        raw = crypto.decrypt(key.private_key_encrypted)
        entry: dict[str, Any] = {
            "did": key.did,
            "public_key_multibase": key.public_key_multibase,
            "private_key_hex": raw.hex(),
            "created_at": _iso(key.created_at),
            "retired_at": _iso(key.retired_at),
        }
        if key.p256_did:
            # The P-256 companion (ES256), which SD-JWT VCs may be bound to: its 32-byte
            # private scalar, big-endian.
            entry["p256"] = {
                "type": "P-256",
                "did": key.p256_did,
                "private_key_hex": crypto.decrypt(key.p256_private_key_encrypted).hex(),
            }
        keys.append(entry)
    return {
        "warning": "These are private keys. Anyone holding them can sign as you.",
        "type": "Ed25519",
        "keys": keys,
    }


def _manifest(
    owner: User,
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
            {"name": t.name, "created_at": _iso(t.created_at)} for t in tags_by_name(owner=owner)
        ],
        "collections": [
            {"name": c.name, "description": c.description, "created_at": _iso(c.created_at)}
            for c in collections_by_name(owner=owner)
        ],
        "credentials": entries,
        "clr_bundle": clr,
        "shares": _shares(owner, names, now),
    }


def _earner(owner: User) -> dict[str, Any]:
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


def _shares(owner: User, names: dict[int, str], now: datetime) -> list[dict[str, Any]]:
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
