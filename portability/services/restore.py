"""Restore: check the whole export first (the seal, every checksum, the manifest's shape),
then write it in one transaction, matching credentials by identity so a second restore
changes nothing."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext as _

from accounts.dids import did_key_from_public_key
from accounts.models import User
from accounts.selectors import holder_dids
from accounts.services import HolderKeyTaken, holder_key_import, p256_from_private_bytes
from config.celery import enqueue
from intake import archives
from portability import crypto as export_crypto
from portability.crypto import ExportDecryptionError, SealingKey
from portability.services.archive import (
    FORMAT,
    FORMAT_VERSION,
    HOLDER_KEYS,
    MANIFEST,
    RECORD_DATES,
    RECORD_FIELDS,
    ExportContents,
    export_contents,
)
from wallet import images
from wallet.images import SafeImage
from wallet.models import (
    Collection,
    Credential,
    CredentialVersion,
    Source,
    Tag,
)
from wallet.selectors import collection_named, credential_by_identity, tags_by_name
from wallet.services import organise
from wallet.services.audit import audit_record
from wallet.services.derive import dedupe_key
from wallet.services.reverify import reverify_never_checked
from wallet.services.store import PastRun, PastVersion, credential_put_back

logger = logging.getLogger(__name__)

# What the file says about checks is another wallet's word, in a file anyone can edit: it is
# kept as history (runs marked RESTORED) and never becomes the record's state, which starts
# as "not checked yet" until this wallet has verified the credential itself.
_UNTRUSTED = frozenset({"verdict", "recipient_match", "checked_at", "verified_at"})
# Dates the credential states about itself (signed; derived again from the original on its
# first check here). Every other date is the record's own and cannot lie in the future.
_CLAIMED_DATES = frozenset({"issued_at", "awarded_at", "valid_until"})
# Two wallets' clocks may differ a little: a record date up to this far ahead is taken as
# "now"; further ahead, no wallet wrote it and the file is refused.
CLOCK_SKEW = timedelta(hours=1)
# Restored credentials checked by one task; a task that dies leaves the others' checks alone.
RECHECK_CHUNK = 100
RECHECK_TASK = "portability.tasks.recheck_restored"
_PENDING_NOTE = gettext_noop(
    "This wallet is checking each restored credential itself; until it has, they show as "
    "not checked yet."
)


class RestoreRefused(ValueError):
    """The file is not restored, and nothing of it was written; the message says why."""


@dataclass(frozen=True)
class RestoreOutcome:
    restored: int  # credentials added to the record (each with what is inside it)
    already: int  # credentials the record held already
    tags: int
    collections: int
    holder_keys: int
    notes: tuple[str, ...] = ()
    # The credentials this restore added (not those inside them), to be checked again here.
    credential_ids: tuple[int, ...] = ()
    # What the file holds and what of it was added, counted as the export counted it.
    in_file: ExportContents = field(default_factory=ExportContents)
    added: ExportContents = field(default_factory=ExportContents)

    @property
    def message(self) -> str:
        text = " ".join(
            (
                ngettext("Restored %(n)d credential.", "Restored %(n)d credentials.", self.restored)
                % {"n": self.restored},
                ngettext(
                    "%(n)d was already in your record.",
                    "%(n)d were already in your record.",
                    self.already,
                )
                % {"n": self.already},
            )
        )
        if self.holder_keys:
            text += " " + _("Your holder key is back: you hold the same DID as before.")
        return " ".join((text, *self.notes))


# --- restore ---------------------------------------------------------------------------------


@dataclass
class _Archive:
    """An export read and checked in full, before anything is written."""

    manifest: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    holder_keys: list[dict[str, Any]] = field(default_factory=list)
    # Each listed image file, sanitised again (None: refused); see `_sanitise_images`.
    images: dict[str, SafeImage | None] = field(default_factory=dict)


def export_restore(
    *,
    owner: User,
    data: bytes,
    passphrase: str = "",
    sealing_key: SealingKey | None = None,
    now: datetime | None = None,
) -> RestoreOutcome:
    """Restore an export into `owner`'s record; raises RestoreRefused with a clear message.

    Everything is checked before anything is written, and the writing is one transaction.
    The restored credentials are then verified here: at once for a few (up to
    SATCHEL_RESTORE_INLINE_CHECKS), otherwise by tasks queued on commit; until then each one
    is "not checked yet".
    """
    now = now or timezone.now()
    archive = read_export(data, passphrase=passphrase, sealing_key=sealing_key)
    _check_dates(archive.manifest, archive.holder_keys, now)
    _sanitise_images(archive)
    try:
        with transaction.atomic():
            outcome = _restore(owner, archive, now)
            _audit_restore(owner, archive, outcome, now)
            inline = len(outcome.credential_ids) <= settings.SATCHEL_RESTORE_INLINE_CHECKS
            if not inline:
                _recheck_on_commit(outcome.credential_ids)
    except RestoreRefused:
        raise
    except (DatabaseError, AttributeError, KeyError, TypeError, ValueError) as exc:
        logger.warning("restore refused for user %s: %r", owner.pk, exc)
        raise RestoreRefused(
            _("The export holds something this wallet cannot store. Nothing was restored.")
        ) from exc
    if not outcome.credential_ids:
        return outcome
    if inline:
        _recheck_now(outcome.credential_ids, now)
        return outcome
    return dataclasses.replace(outcome, notes=(*outcome.notes, _(_PENDING_NOTE)))


def _audit_restore(owner: User, archive: _Archive, outcome: RestoreOutcome, now: datetime) -> None:
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


def _recheck_now(credential_ids: tuple[int, ...], now: datetime) -> None:
    try:
        reverify_never_checked(credential_ids=list(credential_ids), now=now)
    except Exception:  # the restore is committed; what is left unchecked, the sweep takes
        logger.exception("re-check of %d restored credentials failed", len(credential_ids))


def _recheck_on_commit(credential_ids: tuple[int, ...]) -> None:
    for start in range(0, len(credential_ids), RECHECK_CHUNK):
        chunk = list(credential_ids[start : start + RECHECK_CHUNK])
        transaction.on_commit(functools.partial(_enqueue_recheck, chunk))


def _enqueue_recheck(credential_ids: list[int]) -> None:
    try:
        # A broker that refuses the task is logged by `enqueue`; an eager run that fails is
        # logged here. Either way the restore is committed and nothing is stranded: a
        # credential never checked here is due for the hourly re-check (`reverify_due`).
        enqueue(RECHECK_TASK, credential_ids)
    except Exception:
        logger.exception("re-check of %d restored credentials failed", len(credential_ids))


def read_export(
    data: bytes, *, passphrase: str = "", sealing_key: SealingKey | None = None
) -> _Archive:
    """Open, unseal (with the passphrase, or a key it derived before) and check an export;
    raises RestoreRefused."""
    if len(data) > archives.max_archive_bytes():
        raise RestoreRefused(_("The file is larger than this wallet accepts for a restore."))
    sealed = export_crypto.is_sealed(data)
    if sealed:
        if not passphrase and sealing_key is None:
            raise RestoreRefused(
                _("This export is encrypted: enter the passphrase it was made with.")
            )
        try:
            if sealing_key is not None:
                data = export_crypto.unseal_with_key(data, sealing_key)
            else:
                data = export_crypto.unseal(data, passphrase)
        except ExportDecryptionError as exc:
            raise RestoreRefused(str(exc)) from exc
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            return _read_members(zipped, sealed)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise RestoreRefused(
            _("This file is not a Satchel export, or it is damaged: it cannot be read.")
        ) from exc


def _read_members(zipped: zipfile.ZipFile, sealed: bool) -> _Archive:
    try:
        infos = {info.filename: info for info in archives.checked_members(archives.files(zipped))}
    except archives.ArchiveRefused as exc:
        raise RestoreRefused(gettext("%(exc)s Nothing was restored.") % {"exc": exc}) from exc
    if MANIFEST not in infos:
        raise RestoreRefused(
            _(
                "This archive is not a Satchel export (it has no manifest.json). To add badges "
                "from a ZIP made elsewhere, use Import instead."
            )
        )
    manifest = _load_manifest(zipped.read(infos[MANIFEST]))
    archive = _Archive(manifest=manifest)
    for name, digest in _listed_files(manifest):
        if name not in infos:
            raise RestoreRefused(
                gettext("The export is incomplete: %(name)s is missing. Nothing was restored.")
                % {"name": name}
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
                _(
                    "This unencrypted export holds private keys, which Satchel only ever puts in "
                    "an encrypted export: it was altered. Nothing was restored."
                )
            )
        archive.holder_keys = _load_holder_keys(zipped.read(infos[HOLDER_KEYS]))
    return archive


def _load_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RestoreRefused(
            _("The export's manifest.json is damaged: it cannot be read.")
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused(_("This archive is not a Satchel export."))
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RestoreRefused(
            _("This export was made by a newer Satchel than this one; update the wallet first.")
        )
    try:
        _check_manifest_shape(manifest)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RestoreRefused(
            gettext(
                "The export's manifest.json is not in the expected shape (%(exc)s). "
                "Nothing was restored."
            )
            % {"exc": str(exc)[:80]}
        ) from exc
    return manifest


def _check_manifest_shape(manifest: dict[str, Any]) -> None:
    files = set()
    for entry in manifest["credentials"]:
        files.add(str(entry["file"]))
        str(entry["sha256"])
        if entry["parent"] is not None and entry["parent"] not in files:
            raise ValueError(f"{entry['file']} is inside a credential listed after it")
        for key in RECORD_DATES:
            _date(entry["record"].get(key))
        for key in ("tags", "collections", "history", "versions"):
            if not isinstance(entry[key], list):
                raise TypeError(f"{key} of {entry['file']} is not a list")
        for run in entry["history"]:
            _required_date(run["checked_at"])
            str(run["verdict"])
        for version in entry["versions"]:
            str(version["file"]) + str(version["sha256"])
            _required_date(version["received_at"])
            _date(version.get("issued_at"))
        if entry.get("image"):
            image = entry["image"]
            str(image["file"]) + str(image["sha256"]) + str(image.get("media_type") or "")
    for item in (*manifest["tags"], *manifest["collections"]):
        str(item["name"])
        _date(item.get("created_at"))


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
            p256: bytes | None = None
            if key.get("p256") is not None:
                # The P-256 companion; an export made before P-256 keys existed has none.
                p256 = bytes.fromhex(key["p256"]["private_key_hex"])
                public = p256_from_private_bytes(p256).public_key()
                if did_key_from_public_key(public) != key["p256"]["did"]:
                    raise ValueError("a P-256 key does not match its DID")
            checked.append(key | {"private": private, "p256_private": p256})
        return checked
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise RestoreRefused(
            _("The holder key in this export is damaged. Nothing was restored.")
        ) from exc


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"the date {str(value)[:40]!r} has no time zone")
    return parsed


def _required_date(value: Any) -> datetime:
    parsed = _date(value)
    if parsed is None:
        raise ValueError("a required date is missing")
    return parsed


def _check_dates(
    manifest: dict[str, Any], holder_keys: list[dict[str, Any]], now: datetime
) -> None:
    """Refuse a file holding a record date no wallet could have written: one in the future."""
    for where, value in _record_dates(manifest, holder_keys):
        try:
            moment = _date(value)
        except (TypeError, ValueError) as exc:
            raise RestoreRefused(
                gettext("The export's %(where)s is not a date (%(exc)s). Nothing was restored.")
                % {"where": where, "exc": str(exc)[:80]}
            ) from exc
        if moment is not None and moment > now + CLOCK_SKEW:
            raise RestoreRefused(
                gettext(
                    "The export's %(where)s is dated in the future (%(moment)s), which no "
                    "wallet writes: the file was altered, or made on a computer whose clock "
                    "was wrong. Nothing was restored."
                )
                % {"where": where, "moment": date_format(moment, "DATE_FORMAT")}
            )


def _record_dates(
    manifest: dict[str, Any], holder_keys: list[dict[str, Any]]
) -> Iterator[tuple[str, Any]]:
    for entry in manifest["credentials"]:
        name = entry["file"]
        for key in RECORD_DATES:
            if key not in _CLAIMED_DATES:
                yield f"{key} of {name}", entry["record"].get(key)
        for run in entry["history"]:
            yield f"check history of {name}", run["checked_at"]
        for version in entry["versions"]:
            yield f"earlier version of {name}", version["received_at"]
    for item in manifest["tags"]:
        yield f"tag {item['name']}", item.get("created_at")
    for item in manifest["collections"]:
        yield f"collection {item['name']}", item.get("created_at")
    for holder_key in holder_keys:
        yield "holder key", holder_key.get("created_at")
        yield "holder key", holder_key.get("retired_at")


def _past(value: Any, now: datetime) -> datetime | None:
    """A record date from the file, never after `now` (see CLOCK_SKEW)."""
    moment = _date(value)
    return None if moment is None else min(moment, now)


def _past_required(value: Any, now: datetime) -> datetime:
    """A date the file must give (checked when it was read), never after `now`."""
    return min(_required_date(value), now)


def _sanitise_images(archive: _Archive) -> None:
    """Every image goes through the sanitiser again, as on any import: the file's bytes and
    media type are whatever its editor wrote (an HTML page, a script, a hostile SVG)."""
    seen: dict[str, SafeImage | None] = {}
    for entry in archive.manifest["credentials"]:
        image = entry.get("image")
        if not image:
            continue
        file = str(image["file"])
        digest = str(image["sha256"])
        if digest not in seen:
            origin = str(image.get("origin") or "")
            try:
                seen[digest] = images.safe_image(
                    archive.files[file],
                    origin=origin if origin in images.ORIGINS else "embedded",
                    media_type=str(image.get("media_type") or ""),
                )
            except images.ImageRefused:
                seen[digest] = None
        archive.images[file] = seen[digest]


# --- restore: writing ------------------------------------------------------------------------


@dataclass
class _Names:
    tags: dict[str, Tag] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)


def _restore(owner: User, archive: _Archive, now: datetime) -> RestoreOutcome:
    manifest = archive.manifest
    names, tags_added, collections_added = _restore_names(owner, manifest, now)
    created: dict[str, Credential] = {}
    already = 0
    for entry in manifest["credentials"]:
        parent_file = entry["parent"]
        if parent_file is not None:
            if parent_file in created:
                created[entry["file"]] = _create(owner, entry, archive, created[parent_file], now)
            continue
        existing = _existing(owner, entry)
        if existing is not None:
            already += 1
            _organise(existing, entry, names)
            continue
        created[entry["file"]] = _create(owner, entry, archive, None, now)
    for entry in manifest["credentials"]:
        if entry["file"] in created:
            _organise(created[entry["file"]], entry, names)
    keys, notes = _restore_holder_keys(owner, archive.holder_keys, now)
    refused = sum(
        1
        for entry in manifest["credentials"]
        if entry["file"] in created and entry.get("image") and not created[entry["file"]].has_image
    )
    if refused:
        notes += (
            ngettext(
                "%(n)d badge image was left out: it was not a picture this wallet can show safely.",
                "%(n)d badge images were left out: they were not a picture this wallet can show "
                "safely.",
                refused,
            )
            % {"n": refused},
        )
    added = tuple(c.pk for c in created.values() if c.parent_id is None)
    return RestoreOutcome(
        len(added),
        already,
        tags_added,
        collections_added,
        keys,
        notes,
        credential_ids=added,
        in_file=export_contents(manifest, holder_keys=len(archive.holder_keys)),
        added=ExportContents(
            credentials=len(added),
            inside=len(created) - len(added),
            versions=sum(
                len(entry["versions"])
                for entry in manifest["credentials"]
                if entry["file"] in created
            ),
            tags=tags_added,
            collections=collections_added,
            holder_keys=keys,
        ),
    )


def _restore_names(owner: User, manifest: dict[str, Any], now: datetime) -> tuple[_Names, int, int]:
    names = _Names()
    tags_before = tags_by_name(owner=owner).count()
    collections_added = 0
    try:
        for item in manifest["tags"]:
            tag = organise.tag_create(
                owner=owner, name=item["name"], now=_past(item.get("created_at"), now) or now
            )
            names.tags[item["name"]] = tag
        for item in manifest["collections"]:
            collection = collection_named(owner=owner, name=item["name"])
            if collection is None:
                collection = organise.collection_create(
                    owner=owner,
                    name=item["name"],
                    description=str(item.get("description") or ""),
                    now=_past(item.get("created_at"), now) or now,
                )
                collections_added += 1
            names.collections[item["name"]] = collection
    except ValidationError as exc:
        raise RestoreRefused(
            gettext("A tag or collection in the export is not valid: %(messages)s")
            % {"messages": exc.messages[0]}
        ) from exc
    tags_added = tags_by_name(owner=owner).count() - tags_before
    return names, tags_added, collections_added


def _identity(entry: dict[str, Any]) -> str:
    record = entry["record"]
    return dedupe_key(
        issuer_id=str(record.get("issuer_id") or ""),
        credential_id=str(record.get("credential_id") or ""),
        sha256=str(entry["sha256"]),
    )


def _existing(owner: User, entry: dict[str, Any]) -> Credential | None:
    return credential_by_identity(owner=owner, dedupe_key=_identity(entry))


def _create(
    owner: User,
    entry: dict[str, Any],
    archive: _Archive,
    parent: Credential | None,
    now: datetime,
) -> Credential:
    """The credential as the file describes it, but not checked yet: what it is shown to be
    comes from this wallet's first check of its original."""
    record = entry["record"]
    values: dict[str, Any] = {
        "original": archive.files[entry["file"]],
        "media_type": str(entry["media_type"]),
        "sha256": str(entry["sha256"]),
        "source": _choice(entry["source"], Source, Source.UPLOAD),
        "source_url": str(entry.get("source_url") or ""),
        "filename": str(entry.get("filename") or ""),
        "dedupe_key": _identity(entry),
    }
    for key in RECORD_FIELDS:
        if key in record and key not in _UNTRUSTED:
            values[key] = record[key]
    for key in RECORD_DATES:
        if key in _UNTRUSTED:
            continue
        values[key] = (
            _date(record.get(key)) if key in _CLAIMED_DATES else _past(record.get(key), now)
        )
    return credential_put_back(
        owner=owner,
        parent=parent,
        values=values,
        runs=[
            PastRun(
                verdict=str(run["verdict"]),
                report=run.get("report") or {},
                checked_at=_past_required(run["checked_at"], now),
            )
            for run in entry["history"]
        ],
        versions=[
            PastVersion(
                original=archive.files[version["file"]],
                media_type=str(version.get("media_type") or ""),
                sha256=str(version["sha256"]),
                container=str(version.get("container") or ""),
                source=_choice(version.get("source"), Source, Source.UPLOAD),
                issued_at=_date(version.get("issued_at")),
                received_at=_past_required(version["received_at"], now),
                reason=_choice(version.get("reason"), CredentialVersion.Reason, "older"),
            )
            for version in entry["versions"]
        ],
        image=_image(entry, archive),
    )


def _choice(value: Any, choices: type[models.TextChoices], default: str) -> str:
    """One of a column's closed set of values: a label the record shows is never the file's."""
    return str(value) if str(value) in choices.values else default


def _image(entry: dict[str, Any], archive: _Archive) -> SafeImage | None:
    return archive.images.get(str(entry["image"]["file"])) if entry.get("image") else None


def _organise(credential: Credential, entry: dict[str, Any], names: _Names) -> None:
    for name in entry["tags"]:
        tag = names.tags.get(name) or organise.tag_create(owner=credential.owner, name=name)
        organise.credential_tag(credential=credential, tag=tag)
    for name in entry["collections"]:
        collection = names.collections.get(name)
        if collection is not None:
            organise.collection_add(collection=collection, credential=credential)


def _restore_holder_keys(
    owner: User, keys: list[dict[str, Any]], now: datetime
) -> tuple[int, tuple[str, ...]]:
    """Bring back the exported holder keys; the one current at export becomes current again.

    The key this account was given at sign-up is retired, not deleted, as a rotation would.
    """
    held = set(holder_dids(user=owner))
    restored, notes = 0, []
    for key in keys:
        if key["did"] in held:
            continue
        private: Ed25519PrivateKey = key["private"]
        retired_at = _past(key.get("retired_at"), now)
        try:
            holder_key_import(
                user=owner,
                private_key_bytes=private.private_bytes(
                    Encoding.Raw, PrivateFormat.Raw, NoEncryption()
                ),
                created_at=_past(key["created_at"], now) or now,
                retired_at=retired_at,
                now=now,
                p256_private_key_bytes=key["p256_private"],
            )
        except HolderKeyTaken:
            notes.append(
                _("Your holder key was not restored: another account on this wallet holds it.")
            )
            continue
        restored += 1
    return restored, tuple(dict.fromkeys(notes))
