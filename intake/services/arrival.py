"""One credential arriving: an uploaded file, pasted text (JSON, a JWT, or a link), a link.

Every import verifies first (outside any transaction: it may fetch), then the record stores
it in one transaction (`wallet.services.store`), so the database never holds half a
credential (a CLR and its children land together). What verifies and what does not are both
kept: the record says which, and the learner decides. What is not a credential at all is
refused and nothing is stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from config.outbound import make_fetcher
from intake.archives import megabytes
from wallet import verifier
from wallet.models import Source
from wallet.services.audit import audit_record
from wallet.services.store import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    JSON_MEDIA_TYPE,
    JWT_MEDIA_TYPE,
    UPDATED,
    Arrival,
    ImportOutcome,
    Verified,
    credential_store,
    embedded_original,
    sd_jwt_media_type,
)
from wallet.verification import Report, VerifyOptions, verify_bytes, verify_document
from wallet.verification.errors import VerificationInputError
from wallet.verification.fetch import FetchError, FetchRefused
from wallet.verification.messages import Message
from wallet.verification.parse import parse_input
from wallet.wording import Said

# The verifier's "nothing at this address" checks; their detail names the address and status
# ("<url>: HTTP 404" for a baked link, "GET <url> -> HTTP 404" for a bare one).
_NOTHING_HOSTED_CODES = ("ob2.not_found", "fetch.http_error")
_HTTP_DETAIL = re.compile(r"(?:GET )?(?P<url>https?://\S+?)(?::| ->) HTTP (?P<status>\d{3})")
_URL_ACCEPT = (
    "application/ld+json, application/json, application/vc+jwt, application/dc+sd-jwt, "
    "application/vc+sd-jwt, image/png, image/svg+xml"
)


# --- one credential ----------------------------------------------------------------------


def credential_import(
    *,
    owner: User,
    data: bytes,
    source: str,
    filename: str = "",
    media_type: str | None = None,
    source_url: str = "",
    now: datetime | None = None,
    options: VerifyOptions | None = None,
) -> ImportOutcome:
    """Verify and store one credential (or each credential of a presentation).

    `data` is kept byte for byte. Pass `options` to share a fetcher and canon cache across
    several imports (bulk); otherwise they are built for `owner`.
    """
    result = arrive(
        owner=owner,
        data=data,
        source=source,
        filename=filename,
        media_type=media_type,
        source_url=source_url,
        now=now,
        options=options,
    )
    if isinstance(result, Verified):
        return credential_store(owner=owner, verified=result)
    return result


def arrive(
    *,
    owner: User,
    data: bytes,
    source: str,
    filename: str,
    media_type: str | None,
    source_url: str,
    now: datetime | None,
    options: VerifyOptions | None,
) -> ImportOutcome | Verified:
    """`credential_import` up to storing: a single verified credential comes back ready to
    store (on its own, or with others through `credentials_store`); anything else is settled
    (refused, or stored here: the contents of a presentation or a list)."""
    now = now or timezone.now()
    cap = settings.SATCHEL_MAX_UPLOAD_BYTES
    if len(data) > cap:
        return _refuse(
            owner,
            gettext("The file is larger than the %(limit)s limit.") % {"limit": megabytes(cap)},
            filename,
        )
    if not data.strip():
        return _refuse(owner, gettext("The file is empty."), filename)
    url = _pasted_url(data)
    if url is not None:
        return credential_import_url(owner=owner, url=url, now=now)
    options = options or verifier.make_verify_options(owner=owner, now=now)
    arrival = Arrival(source, filename, source_url, now, options.fetcher)
    documents = _listed_documents(data, options)
    if documents:
        return _import_listed(owner, documents, options, arrival)
    report = verify_bytes(data, options=options, media_type=media_type)
    missing = _nothing_hosted(report)
    if missing is not None:
        return _refuse(owner, missing, filename)
    if report.format == "unknown":
        return _refuse(owner, _not_a_credential(report, data, source), filename)
    if report.format == "vp":
        return _import_presentation(owner, report, arrival)
    # The declared media type is the sender's claim; what the bytes turned out to be is kept.
    return Verified(report, data, _media_for(report), arrival)


def credential_import_url(*, owner: User, url: str, now: datetime | None = None) -> ImportOutcome:
    """Fetch `url` through the guarded fetcher and import what it serves."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        return _refuse(owner, gettext("Only a web address (https://...) can be imported."), url)
    fetcher = make_fetcher()
    try:
        result = fetcher.fetch(url, accept=_URL_ACCEPT)
    except FetchRefused as exc:
        return _refuse(
            owner,
            gettext("The wallet does not fetch from that address (%(reason)s).") % {"reason": exc},
            url,
        )
    except FetchError:
        return _refuse(owner, gettext("That address could not be reached. Try again later."), url)
    if result.status == 410:
        return _refuse(
            owner, gettext("The issuer has withdrawn the credential at that address."), url
        )
    if not result.ok:
        return _refuse(owner, _unhosted_message(url, result.status), url)
    if _pasted_url(result.body) is not None:
        # Following it would let one address send the wallet on from link to link.
        return _refuse(owner, gettext("That address serves another link, not a credential."), url)
    media = result.content_type.split(";")[0].strip().lower() or None
    options = verifier.make_verify_options(owner=owner, now=now, fetcher=fetcher)
    return credential_import(
        owner=owner,
        data=result.body,
        source=Source.URL,
        source_url=url,
        media_type=media,
        now=now,
        options=options,
    )


def _refuse(owner: User, message: str, name: str = "") -> ImportOutcome:
    with transaction.atomic():
        audit_record(
            user=owner, action="credential.import_refused", detail={"name": name, "reason": message}
        )
    return ImportOutcome(FAILED, None, message)


def _pasted_url(data: bytes) -> str | None:
    if len(data) > 2100:
        return None
    text = data.decode("utf-8", "replace").strip()
    if text.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return text
    return None


def _nothing_hosted(report: Report) -> str | None:
    """Why nothing can be stored when the input is only a link (a bare URL, or a legacy
    baked image pointing at a hosted assertion) and its address serves nothing.

    Storing such an import would keep a link, not a credential; an image that also carries
    the assertion never gets here: its verdict says the issuer's copy is gone.
    """
    for check in report.failures:
        if check.code not in _NOTHING_HOSTED_CODES:
            continue
        found = _HTTP_DETAIL.match(check.detail or "")
        if found is not None:
            return _unhosted_message(found["url"], int(found["status"]))
    return None


def _unhosted_message(url: str, status: int) -> str:
    values = {"url": url, "status": status}
    if status in (404, 410):
        return gettext(
            "The issuer no longer hosts this badge at %(url)s; nothing was imported."
        ) % (values)
    if status >= 500:
        return (
            gettext(
                "The issuer's server could not serve this badge at %(url)s (HTTP %(status)s); "
                "nothing was imported. Try again later."
            )
            % values
        )
    return gettext("The address %(url)s answered with HTTP %(status)s; nothing was imported.") % (
        values
    )


# Files people pick by mistake, told by their first bytes.
# Each says what was picked, as pasted text and as a file.
_KNOWN_FILES = (
    (
        b"\xff\xd8\xff",
        gettext_noop("This text is a JPEG photo, not a credential."),
        gettext_noop("This file is a JPEG photo, not a credential."),
    ),
    (
        b"GIF8",
        gettext_noop("This text is a GIF image, not a credential."),
        gettext_noop("This file is a GIF image, not a credential."),
    ),
    (
        b"%PDF-",
        gettext_noop("This text is a PDF document, not a credential."),
        gettext_noop("This file is a PDF document, not a credential."),
    ),
    (
        b"RIFF",
        gettext_noop("This text is a WebP image or other media file, not a credential."),
        gettext_noop("This file is a WebP image or other media file, not a credential."),
    ),
    (
        b"\xd0\xcf\x11\xe0",
        gettext_noop("This text is an Office document, not a credential."),
        gettext_noop("This file is an Office document, not a credential."),
    ),
)
_WHAT_SATCHEL_READS = gettext_noop(
    "Satchel reads credential JSON, a signed token (JWT), a PNG or SVG badge with a "
    "credential baked in, or a link to one."
)
# The verifier's catch-all sentences, which say no more than the first sentence does.
_GENERIC_REASONS = ("This is not a credential this wallet", "The file is not valid UTF-8")


def _not_a_credential(report: Report, data: bytes, source: str) -> str:
    """Why what arrived was refused, in one message written for the learner."""
    if data.startswith(b"PK\x03\x04"):
        return Said("This is a ZIP archive: use the bulk import for archives.")
    # Said, not gettext: in a ZIP import's task the message is stored, and shown later in
    # the reader's language (wallet.wording.stored_message).
    pasted = source == Source.PASTE
    reads = Said(_WHAT_SATCHEL_READS)
    for magic, as_text, as_file in _KNOWN_FILES:
        if data.startswith(magic):
            return Said(
                "%(what)s %(reads)s", what=Said(as_text if pasted else as_file), reads=reads
            )
    if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        if pasted:
            return Said(
                "This text is a web page, not a credential. If the issuer shows your badge on "
                "a page, download the badge from there, or import the page's link."
            )
        return Said(
            "This file is a web page, not a credential. If the issuer shows your badge on a "
            "page, download the badge from there, or import the page's link."
        )
    head = (
        Said("This text is not a credential the wallet recognises.")
        if pasted
        else Said("This file is not a credential the wallet recognises.")
    )
    failure = next(iter(report.failures), None)
    if failure is None or failure.message.startswith(_GENERIC_REASONS):
        return Said("%(what)s %(reads)s", what=head, reads=reads)
    reason = failure.message if isinstance(failure.message, Message) else Said(failure.message)
    return Said("%(what)s %(reads)s", what=head, reads=reason)


def _media_for(report: Report) -> str:
    if report.container == "sd-jwt":
        return sd_jwt_media_type(report)
    return {
        "json": JSON_MEDIA_TYPE,
        "jwt": JWT_MEDIA_TYPE,
        "png": "image/png",
        "svg": "image/svg+xml",
    }.get(report.container, "application/octet-stream")


def _import_presentation(owner: User, report: Report, arrival: Arrival) -> ImportOutcome:
    outcomes = []
    for child in report.children:
        original = embedded_original(child)
        if original is None or child.format == "unknown":
            continue
        verified = Verified(child, original[0], original[1], arrival)
        outcomes.append(credential_store(owner=owner, verified=verified))
    return _summarise(owner, outcomes, pasted_in_a_presentation=True)


def _listed_documents(data: bytes, options: VerifyOptions) -> tuple[dict[str, Any] | str, ...]:
    """The credentials of a JSON array file (a migration export): objects and JWT strings."""
    if not data.lstrip()[:1] == b"[":
        return ()
    try:
        parsed = parse_input(data, limits=options.limits)
    except VerificationInputError:
        return ()
    return parsed.documents


def _import_listed(
    owner: User,
    documents: tuple[dict[str, Any] | str, ...],
    options: VerifyOptions,
    arrival: Arrival,
) -> ImportOutcome:
    """Each credential of a JSON array as its own record (see `embedded_original`): a JWT
    item keeps its exact token, an object is kept as `json.dumps` of itself, since the
    array's elements never existed as files of their own."""
    outcomes = []
    for item in documents:
        if isinstance(item, str):
            report = verify_bytes(item.encode(), options=options, media_type=JWT_MEDIA_TYPE)
        else:
            report = verify_document(item, options=options)
        if report.format in ("unknown", "vp"):
            continue
        original = embedded_original(report)
        if original is not None:
            verified = Verified(report, original[0], original[1], arrival)
            outcomes.append(credential_store(owner=owner, verified=verified))
    return _summarise(owner, outcomes, pasted_in_a_presentation=False)


def _summarise(
    owner: User, outcomes: list[ImportOutcome], *, pasted_in_a_presentation: bool
) -> ImportOutcome:
    stored = tuple(c for o in outcomes for c in o.credentials)
    if not stored:
        nothing = (
            gettext("The presentation holds no credential the wallet recognises.")
            if pasted_in_a_presentation
            else gettext("The file holds no credential the wallet recognises.")
        )
        return _refuse(owner, nothing)
    counts = {s: sum(o.status == s for o in outcomes) for s in (IMPORTED, UPDATED, DUPLICATE)}
    status = next((s for s in (IMPORTED, UPDATED) if counts[s]), DUPLICATE)
    values = {
        "imported": counts[IMPORTED],
        "updated": counts[UPDATED],
        "duplicate": counts[DUPLICATE],
    }
    message = (
        gettext(
            "From the presentation: %(imported)s imported, %(updated)s updated, "
            "%(duplicate)s already in your record."
        )
        if pasted_in_a_presentation
        else gettext(
            "From the file: %(imported)s imported, %(updated)s updated, "
            "%(duplicate)s already in your record."
        )
    ) % values
    return ImportOutcome(status, stored[0], message, stored)
