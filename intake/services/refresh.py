"""Refreshing a credential from its issuer, when the learner asks for it.

Specifications: VC Data Model 2.0 §5.10 (`refreshService`: where the holder obtains a newer
copy); Open Badges 3.0, RefreshService with type `1EdTechCredentialRefresh`: its `id` is the
URL of the issuer's refresh service, from which the refreshed credential is fetched (GET);
and the CCG's VC Refresh 2021 (type `VerifiableCredentialRefreshService2021`): its `url` is a
VC-API exchange, answered (intake.protocols.vcapi) with a presentation signed by the holder
key over the exchange's challenge and domain, carrying the credential when the request asks
for it, and the issuer answers with the refreshed credential.

The refreshed credential goes through intake like any other arrival (verified, then stored
by `wallet.services.store`): it must be the same credential (the same issuer and id), and it
replaces the current one only when it is a newer issue that verifies; the earlier copy stays
in the credential's history. Everything goes through the one outbound door.

Who asks: the learner (a button on the credential's page), or, for a credential whose
validity ends within `REFRESH_BEFORE_EXPIRY`, the daily `refresh_expiring` — and that only
for a `1EdTechCredentialRefresh` service, a GET that sends the issuer nothing of the
learner's; a VC Refresh 2021 exchange, which sends a signed presentation, waits for the
learner.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from accounts.signing import holder_did, presentation_context, sign_presentation
from config.outbound import GuardedFetcher, make_fetcher
from intake.protocols import links, vcapi
from intake.services.arrival import arrive
from wallet import verifier
from wallet.models import Credential, Source
from wallet.presentable import read_entry, unsigned_presentation
from wallet.selectors import expiring_credentials
from wallet.services.audit import audit_record
from wallet.services.derive import dedupe_key, derive_fields
from wallet.services.store import DUPLICATE, UPDATED, ImportOutcome, Verified, credential_store
from wallet.verification.errors import VerificationInputError
from wallet.verification.fetch import FetchError, FetchRefused
from wallet.verification.limits import Limits
from wallet.verification.parse import credential_from_jwt_payload, parse_input
from wallet.verification.proofs.jose import decode_compact
from wallet.wording import Said

logger = logging.getLogger(__name__)

ONE_EDTECH_REFRESH = "1EdTechCredentialRefresh"
REFRESH_BEFORE_EXPIRY = timedelta(days=14)
MAX_DAILY_REFRESHES = 500
VC_REFRESH_2021 = "VerifiableCredentialRefreshService2021"
_ACCEPT = "application/ld+json, application/json, application/vc+jwt"


class RefreshError(ValueError):
    """The credential cannot be refreshed now; the message is for the learner."""


@dataclass(frozen=True)
class RefreshService:
    type: str
    url: str


def refresh_service(credential: Credential) -> RefreshService | None:
    """The refresh service the stored credential names that Satchel can use, or None."""
    document = _stored_document(credential)
    if document is None:
        return None
    for entry in _as_list(document.get("refreshService")):
        if not isinstance(entry, dict) or entry.get("type") not in (
            ONE_EDTECH_REFRESH,
            VC_REFRESH_2021,
        ):
            continue
        # The outbound door decides which addresses may be reached; here only the scheme.
        url = entry.get("url") if entry["type"] == VC_REFRESH_2021 else entry.get("id")
        url = url if isinstance(url, str) else entry.get("id")
        if isinstance(url, str) and urlsplit(url).scheme in ("https", "http"):
            return RefreshService(type=entry["type"], url=url)
    return None


def credential_refresh(
    *, owner: User, credential: Credential, now: datetime | None = None
) -> ImportOutcome:
    """Fetch the issuer's newer copy of `credential` and store it as the record's current one
    (or in its history). Raises RefreshError, with nothing changed, when it cannot."""
    now = now or timezone.now()
    if credential.owner_id != owner.pk or credential.parent_id is not None:
        raise RefreshError(gettext("Only a credential of your own record can be refreshed."))
    service = refresh_service(credential)
    if service is None:
        raise RefreshError(gettext("This credential names no refresh service Satchel can use."))
    if service.type == VC_REFRESH_2021:
        data, media_type = _exchange(owner, credential, service.url, now)
    else:
        data, media_type = _fetch(service.url)
    fetcher = make_fetcher()
    options = verifier.make_verify_options(owner=owner, now=now, fetcher=fetcher)
    result = arrive(
        owner=owner,
        data=data,
        source=Source.URL,
        filename="",
        media_type=media_type,
        source_url=service.url,
        now=now,
        options=options,
    )
    if not isinstance(result, Verified):
        raise RefreshError(
            f"The issuer's refresh service did not send a credential Satchel can keep. "
            f"{result.message}".strip()
        )
    if not _same_credential(result, credential):
        _audit(owner, credential, "credential.refresh_refused", service, now)
        raise RefreshError(
            gettext(
                "The issuer's refresh service sent a different credential, not a newer issue of "
                "this one; nothing was changed."
            )
        )
    outcome = credential_store(owner=owner, verified=result)
    _audit(owner, credential, "credential.refreshed", service, now, status=outcome.status)
    return _explained(outcome)


def refresh_expiring(*, now: datetime | None = None) -> int:
    """The daily refresh: each credential close to the end of its validity whose issuer
    offers a `1EdTechCredentialRefresh` service is asked for a newer copy. Returns how many
    were asked; a failure is logged and the credential left as it is."""
    now = now or timezone.now()
    asked = 0
    due = expiring_credentials(start=now, end=now + REFRESH_BEFORE_EXPIRY)
    for credential in due.order_by("valid_until", "pk")[:MAX_DAILY_REFRESHES]:
        service = refresh_service(credential)
        if service is None or service.type != ONE_EDTECH_REFRESH:
            continue
        asked += 1
        try:
            credential_refresh(owner=credential.owner, credential=credential, now=now)
        except RefreshError as exc:
            logger.info("credential %s not refreshed: %s", credential.pk, exc)
    return asked


def _fetch(url: str) -> tuple[bytes, str | None]:
    try:
        result = make_fetcher().fetch(url, accept=_ACCEPT)
    except FetchRefused as exc:
        raise RefreshError(
            gettext("Satchel does not fetch from the refresh service's address (%(exc)s).")
            % {"exc": exc}
        ) from exc
    except FetchError as exc:
        raise RefreshError(gettext("The issuer's refresh service could not be reached.")) from exc
    if not result.ok:
        raise RefreshError(
            gettext("The issuer's refresh service answered with HTTP %(status)s.")
            % {"status": result.status}
        )
    media = result.content_type.split(";")[0].strip().lower() or None
    return result.body, media


def _exchange(
    owner: User, credential: Credential, url: str, now: datetime
) -> tuple[bytes, str | None]:
    """VC Refresh 2021 over a VC-API exchange: start it, answer its request with a holder-
    signed presentation (the credential inside when it is asked for), take what comes back."""
    door = GuardedFetcher(cache_seconds=0)
    try:
        exchange = vcapi.start_exchange(links.Exchange(url=url), door=door, party="issuer")
        suite = vcapi.presentation_suite(exchange)
        entries = [read_entry(credential)] if exchange.queries else []
        presentation = sign_presentation(
            user=owner,
            presentation=unsigned_presentation(
                holder=holder_did(user=owner),
                entries=entries,
                context=presentation_context(suite),
            ),
            now=now,
            challenge=exchange.challenge or None,
            domain=exchange.domain or None,
            cryptosuite=suite,
        )
        result = vcapi.send_presentation(exchange, presentation, door=door)
    except vcapi.ExchangeError as exc:
        raise RefreshError(gettext("The issuer's refresh service: %(exc)s") % {"exc": exc}) from exc
    if not result.credentials:
        raise RefreshError(gettext("The issuer's refresh service sent no credential back."))
    first = result.credentials[0]
    if isinstance(first, str):
        return first.encode(), None
    return json.dumps(first, ensure_ascii=False).encode(), "application/json"


def _same_credential(incoming: Verified, current: Credential) -> bool:
    """OB 3.0 equality: the same issuer and the same credential id (or the very same bytes)."""
    derived = derive_fields(incoming.report)
    if not (derived.issuer_id and derived.credential_id):
        return False
    key = dedupe_key(issuer_id=derived.issuer_id, credential_id=derived.credential_id, sha256="")
    return key == current.dedupe_key


def _explained(outcome: ImportOutcome) -> ImportOutcome:
    # The English template, not the text: the text is in the learner's language.
    english = str(getattr(outcome.message, "template", outcome.message))
    if outcome.status == DUPLICATE and "already in your record" in english:
        message = Said("The issuer has nothing newer: your copy is the current one.")
        return ImportOutcome(outcome.status, outcome.credential, message, outcome.credentials)
    if outcome.status == UPDATED:
        message = Said(
            "Refreshed: the issuer's newer copy is now the current one; the earlier one "
            "is kept in its history."
        )
        return ImportOutcome(outcome.status, outcome.credential, message, outcome.credentials)
    return outcome


def _audit(
    owner: User,
    credential: Credential,
    action: str,
    service: RefreshService,
    now: datetime,
    **detail: str,
) -> None:
    with transaction.atomic():
        audit_record(
            user=owner,
            action=action,
            target=credential,
            detail={"url": service.url, "type": service.type, **detail},
            now=now,
        )


def _stored_document(credential: Credential) -> dict[str, Any] | None:
    data = bytes(credential.original)
    cap = len(data) + 1
    try:
        parsed = parse_input(data, limits=Limits(max_input_bytes=cap, max_svg_bytes=cap))
        if parsed.token is not None:
            payload = decode_compact(parsed.token).payload_json()
            return credential_from_jwt_payload(payload) if isinstance(payload, dict) else None
    except VerificationInputError:
        return None
    return parsed.document if isinstance(parsed.document, dict) else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
