"""Satchel as an OB 3.0 / CLR 2.0 host: what a connected tool may read and write, always for
the learner whose token it holds (the owner), and each time written in the access log.

getCredentials (section 6.2.2) reads the owner's record through `wallet.selectors`: the
credentials of the API's kind, oldest first, a page at a time. upsertCredential (6.2.3) goes
through intake exactly as an upload does (`intake.services.arrival.arrive`, then
`wallet.services.store`): verified before anything is stored, kept in one transaction, and a
credential whose proof does not hold is refused, not stored. getProfile/putProfile (6.2.4,
6.2.5) read and change the profile tools see (`LearnerProfile`), never the account itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from accounts.models import User
from accounts.signing import holder_did
from intake.services.arrival import arrive
from obapi.apis import ApiSpec
from obapi.models import LearnerProfile, ToolAccess
from wallet import selectors as record
from wallet.models import Credential, Source
from wallet.services.notices import notice_post
from wallet.services.store import FAILED, IMPORTED, JWT_MEDIA_TYPE, Verified, credential_store
from wallet.verification import Verdict
from wallet.verification.errors import VerificationInputError
from wallet.verification.limits import Limits
from wallet.verification.messages import Message
from wallet.verification.parse import parse_input
from wallet.wording import Said, template_of

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_REFUSED_VERDICTS = frozenset({Verdict.MALFORMED, Verdict.UNSUPPORTED, Verdict.INVALID_SIGNATURE})
PROFILE_TEXT = {"name": 200, "phone": 50, "description": 5000}


class UpsertRefused(Exception):
    """The credential sent is not taken: `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ProfileRefused(ValueError):
    """A profile update a tool may not make; the message says which field and why."""


@dataclass(frozen=True)
class Upserted:
    created: bool
    credential: Credential
    message: str


def access_log(*, owner: User, application: Any, action: str, now: datetime, **detail: Any) -> None:
    ToolAccess.objects.create(
        owner=owner, application=application, action=action, detail=detail, at=now
    )


# --- getCredentials ---------------------------------------------------------------------


def credentials_of(*, owner: User, api: ApiSpec, since: datetime | None) -> QuerySet[Credential]:
    """The owner's credentials this API carries, oldest first (a stable order to page by)."""
    queryset = record.live_credentials(owner=owner).filter(format__in=api.formats)
    if since is not None:
        queryset = queryset.filter(updated_at__gte=since)
    return queryset.order_by("created_at", "id")


def credentials_payload(credentials: list[Credential]) -> dict[str, list[Any]]:
    """GetOpenBadgeCredentialsResponse / GetClrCredentialsResponse: each credential as it
    arrived, a VC-JWT in `compactJwsString`, any other in `credential` (B.2.1); a baked image
    gives the credential baked in it."""
    objects: list[Any] = []
    tokens: list[str] = []
    for credential in credentials:
        document, token = _unwrapped(credential)
        if token is not None:
            tokens.append(token)
        elif document is not None:
            objects.append(document)
    payload: dict[str, list[Any]] = {}
    if objects:
        payload["credential"] = objects
    if tokens:
        payload["compactJwsString"] = tokens
    return payload


def _unwrapped(credential: Credential) -> tuple[dict[str, Any] | None, str | None]:
    original = bytes(credential.original)
    if credential.media_type == JWT_MEDIA_TYPE:
        return None, original.decode("ascii", "replace").strip()
    try:
        parsed = parse_input(original, limits=Limits(), media_type=credential.media_type or None)
    except VerificationInputError:
        return None, None
    if parsed.token:
        return None, parsed.token
    return parsed.document, None


# --- upsertCredential -------------------------------------------------------------------


def credential_upsert(
    *, owner: User, application: Any, api: ApiSpec, data: bytes, media_type: str, now: datetime
) -> Upserted:
    """Verify and keep a credential a tool sends, or raise UpsertRefused (nothing stored)."""
    _check_shape(data, media_type)
    result = arrive(
        owner=owner,
        data=data,
        source=Source.TOOL,
        filename="",
        media_type="application/vc+jwt" if media_type == "text/plain" else "application/json",
        source_url="",
        now=now,
        options=None,
    )
    if not isinstance(result, Verified):
        _refused(owner, application, now, result.message)
        raise UpsertRefused(400, result.message)
    report = result.report
    if report.format not in api.formats:
        message = Said(
            "This is not a credential of the %(api)s API (%(format)s).",
            api=api.title,
            format=report.format or "unknown",
        )
        _refused(owner, application, now, message)
        raise UpsertRefused(400, message)
    if report.verdict in _REFUSED_VERDICTS:
        reason = next((c.message for c in report.failures), report.verdict.label)
        message = Said(
            "The credential does not verify: %(reason)s",
            reason=reason if isinstance(reason, Message) else Said(reason),
        )
        _refused(owner, application, now, message)
        raise UpsertRefused(422, message)
    with transaction.atomic():
        outcome = credential_store(owner=owner, verified=result)
        if outcome.status == FAILED or outcome.credential is None:
            raise UpsertRefused(400, outcome.message)
        credential = outcome.credential
        tool = application.name or application.client_id
        notice_post(
            owner=owner,
            credential=credential,
            kind="arrived",
            message=f"“{credential.title or 'A credential'}” was sent to your record by {tool}.",
            now=now,
        )
        access_log(
            owner=owner,
            application=application,
            action=ToolAccess.Action.ADDED_CREDENTIAL,
            now=now,
            credential=credential.pk,
            title=credential.title,
            outcome=outcome.status,
        )
    return Upserted(outcome.status == IMPORTED, credential, outcome.message)


def _check_shape(data: bytes, media_type: str) -> None:
    """One credential, as 6.2.3.1 allows: a compact JWS as text/plain, or a JSON object."""
    if media_type == "text/plain":
        if not COMPACT_JWS.match(data.decode("ascii", "replace").strip()):
            raise UpsertRefused(400, gettext("A text/plain body must be one compact JWS."))
        return
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise UpsertRefused(400, gettext("The body is not JSON.")) from None
    if not isinstance(document, dict):
        raise UpsertRefused(400, gettext("The body must be one credential (a JSON object)."))
    if "VerifiablePresentation" in _types(document):
        raise UpsertRefused(400, gettext("Send one credential, not a presentation."))


def _types(document: dict[str, Any]) -> list[str]:
    value = document.get("type")
    return [value] if isinstance(value, str) else [t for t in value or [] if isinstance(t, str)]


def _refused(owner: User, application: Any, now: datetime, message: str) -> None:
    access_log(
        owner=owner,
        application=application,
        action=ToolAccess.Action.REFUSED_CREDENTIAL,
        now=now,
        reason=message[:500],
        # Its template and values: the learner's tools page shows it in their language.
        reason_i18n=template_of(message),
    )


# --- getProfile / putProfile --------------------------------------------------------------


def profile_of(*, owner: User) -> dict[str, Any]:
    """The OB 3.0 Profile (B.1.x Profile) of the learner: identified by their holder DID."""
    saved = LearnerProfile.objects.filter(owner=owner).first()
    profile: dict[str, Any] = {
        "@context": [OB_CONTEXT],
        # The DID credentials issued to the learner are bound to (made if they have none).
        "id": holder_did(user=owner),
        "type": "Profile",
        "name": (saved.name if saved and saved.name else owner.display_name) or owner.email,
        "email": owner.email,
    }
    if saved is not None:
        for field in ("phone", "description", "url"):
            if getattr(saved, field):
                profile[field] = getattr(saved, field)
    return profile


def profile_update(*, owner: User, application: Any, data: Any, now: datetime) -> dict[str, Any]:
    """putProfile: the fields a tool may set (name, phone, description, url); the id, email and
    type are Satchel's and may only be repeated as they are. Raises ProfileRefused."""
    if not isinstance(data, dict):
        raise ProfileRefused(gettext("The body must be a Profile (a JSON object)."))
    current = profile_of(owner=owner)
    for fixed in ("id", "email"):
        if fixed in data and data[fixed] != current[fixed]:
            raise ProfileRefused(f"{fixed} cannot be changed through this API.")
    changes: dict[str, str] = {}
    for field, cap in PROFILE_TEXT.items():
        if field in data:
            value = data[field]
            if not isinstance(value, str) or len(value) > cap:
                raise ProfileRefused(f"{field} must be text of at most {cap} characters.")
            changes[field] = value.strip()
    if "url" in data:
        url = data["url"]
        if not isinstance(url, str) or len(url) > 2000 or not url.startswith("https://"):
            raise ProfileRefused("url must be an https:// address.")
        changes["url"] = url
    with transaction.atomic():
        LearnerProfile.objects.update_or_create(
            owner=owner, defaults={**changes, "updated_at": now}
        )
        access_log(
            owner=owner,
            application=application,
            action=ToolAccess.Action.UPDATED_PROFILE,
            now=now,
            fields=sorted(changes),
        )
    return profile_of(owner=owner)
