"""The badge platforms a learner connects Satchel to (Satchel as an OB 3.0 / CLR 2.0
consumer): connecting (discovery, registration, then the learner allows Satchel on the
platform's own page), bringing credentials in (each through intake, as an upload is), and
disconnecting, which drops the tokens. Every attempt is kept, with what it brought and, when
it failed, why; the client secret and the tokens are encrypted at rest."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from accounts.crypto import decrypt, encrypt
from accounts.models import User
from config.celery import enqueue_on_commit
from config.protocol_client import ProtocolClient
from intake.services.arrival import credential_import
from obapi import consumer
from obapi.apis import api_spec
from obapi.models import Api, BadgeHost, SyncAttempt
from wallet.models import Source
from wallet.services.audit import audit_record
from wallet.services.store import DUPLICATE, FAILED, IMPORTED, UPDATED
from wallet.wording import Said, said_of, template_of

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
# A finished walk's start, less this, is the next walk's `since`: the host's clock and ours
# need not agree, and what comes twice is only a duplicate.
SINCE_OVERLAP = timedelta(hours=1)
MAX_CURSOR_CHARS = 2000  # BadgeHost.sync_cursor's length
# Refresh a little before the host says the token ends: the clocks need not agree.
EARLY_REFRESH = timedelta(seconds=60)


class BadgeHostError(Exception):
    """Something the learner reads: nothing was connected, or the answer did not match."""


def _client() -> ProtocolClient:
    return ProtocolClient(party="badge platform")


def callback_url() -> str:
    return settings.SATCHEL_PUBLIC_ORIGIN + reverse("obapi:host_callback")


# --- reads ------------------------------------------------------------------------------


def badge_hosts(*, owner: User) -> QuerySet[BadgeHost]:
    return BadgeHost.objects.filter(owner=owner).prefetch_related("attempts")


def access_badge_host(*, owner: User, host_id: Any) -> BadgeHost:
    """The owner's connection, or Http404 (also for anyone else's)."""
    try:
        pk = int(host_id)
    except (TypeError, ValueError):
        raise Http404("No such connection.") from None
    host = BadgeHost.objects.filter(owner=owner, pk=pk).first()
    if host is None:
        raise Http404("No such connection.")
    return host


# --- connecting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    host: BadgeHost
    authorization_url: str  # where the learner's browser goes next


def badge_host_connect(*, owner: User, base_url: str, api: str, now: datetime) -> Started:
    """Discover the platform and register Satchel with it; the learner then allows access on
    the platform's page. A failure is kept (the learner sees it) and raised as
    BadgeHostError."""
    base_url = base_url.strip()
    if api not in Api.values:
        raise BadgeHostError(gettext("Choose Open Badges 3.0 or CLR 2.0."))
    # Plain http gets as far as the outbound door, which refuses it unless the operator lists
    # the origin (SATCHEL_OUTBOUND_ALLOW: a development host).
    if not base_url.startswith(("https://", "http://")) or len(base_url) > 2000:
        raise BadgeHostError(gettext("Enter the platform's address, starting with https://."))
    spec = api_spec(api)
    host = BadgeHost(owner=owner, api=api, base_url=base_url, created_at=now)
    client = _client()
    try:
        service = consumer.discover(client, base_url=base_url, api=spec)
        scope = consumer.wanted_scopes(service, spec)
        client_id, client_secret = consumer.register(
            client,
            service,
            redirect_uri=callback_url(),
            scope=scope,
            client_uri=settings.SATCHEL_PUBLIC_ORIGIN,
        )
    except consumer.ConsumerError as exc:
        host.state, host.problem = BadgeHost.State.FAILED, str(exc)
        host.problem_i18n = template_of(said_of(exc))
        with transaction.atomic():
            host.save()
            audit_record(user=owner, action="badge_host.failed", target=host, now=now)
        raise BadgeHostError(str(exc)) from exc
    verifier, challenge = consumer.pkce_pair()
    host.name = service.name
    host.authorization_url = service.authorization_url
    host.token_url = service.token_url
    host.credentials_url = service.credentials_url
    host.client_id = client_id
    host.client_secret_encrypted = encrypt(client_secret.encode())
    host.scope = scope
    host.auth_state = secrets.token_urlsafe(32)
    host.code_verifier_encrypted = encrypt(verifier.encode())
    with transaction.atomic():
        host.save()
        audit_record(
            user=owner, action="badge_host.started", target=host, detail={"host": base_url}, now=now
        )
    url = consumer.authorization_request_url(
        service,
        client_id=client_id,
        redirect_uri=callback_url(),
        scope=scope,
        state=host.auth_state,
        code_challenge=challenge,
    )
    return Started(host, url)


def badge_host_authorized(
    *, owner: User, state: str, code: str, error: str, now: datetime
) -> BadgeHost:
    """The platform sent the learner back (7.1.2.2): exchange the code for tokens, then bring
    the credentials in. An answer that matches no pending connection of this learner is
    refused and changes nothing."""
    host = (
        BadgeHost.objects.filter(owner=owner, state=BadgeHost.State.PENDING, auth_state=state)
        .exclude(auth_state="")
        .first()
        if state
        else None
    )
    if host is None:
        raise BadgeHostError(gettext("This answer does not match a connection you started."))
    verifier = decrypt(host.code_verifier_encrypted).decode()
    host.auth_state, host.code_verifier_encrypted = "", ""
    if error or not code:
        reason = (
            Said("you or the platform declined")
            if error == "access_denied"
            else Said("no code came back")
        )
        _failed(host, Said("Not connected: %(reason)s.", reason=reason), now)
        raise BadgeHostError(host.problem)
    try:
        tokens = consumer.exchange_code(
            _client(),
            token_url=host.token_url,
            client_id=host.client_id,
            client_secret=decrypt(host.client_secret_encrypted).decode(),
            code=code,
            code_verifier=verifier,
            redirect_uri=callback_url(),
            now=now,
        )
    except consumer.ConsumerError as exc:
        _failed(host, said_of(exc), now)
        raise BadgeHostError(str(exc)) from exc
    _keep_tokens(host, tokens)
    host.state, host.problem, host.connected_at = BadgeHost.State.CONNECTED, "", now
    host.problem_i18n = None
    with transaction.atomic():
        host.save()
        audit_record(user=owner, action="badge_host.connected", target=host, now=now)
        enqueue_on_commit("obapi.tasks.sync_badge_host", host.pk)
    return host


def _failed(host: BadgeHost, problem: str, now: datetime) -> None:
    host.state, host.problem = BadgeHost.State.FAILED, problem
    host.problem_i18n = template_of(problem)
    with transaction.atomic():
        host.save()
        audit_record(user=host.owner, action="badge_host.failed", target=host, now=now)


def _keep_tokens(host: BadgeHost, tokens: consumer.Tokens) -> None:
    host.access_token_encrypted = encrypt(tokens.access_token.encode())
    host.refresh_token_encrypted = (
        encrypt(tokens.refresh_token.encode()) if tokens.refresh_token else ""
    )
    host.token_expires_at = tokens.expires_at


@dataclass(frozen=True)
class Disconnected:
    """How a disconnect went at the host: `revoked` says whether the host confirmed that the
    tokens are ended; `problem` (for the learner) why not, when they were not."""

    host: BadgeHost
    revoked: bool
    problem: str = ""


def badge_host_disconnect(*, owner: User, host: BadgeHost, now: datetime) -> Disconnected:
    """Ask the host to revoke Satchel's tokens (RFC 7009), then drop the tokens and the
    registration here whatever it answered; the credentials already brought in stay. A host
    that cannot be reached, names no revocation endpoint or refuses does not keep the learner
    connected: they are told, so they can remove Satchel on the platform itself."""
    revoked, problem = _revoke_at_host(host)
    host.access_token_encrypted = host.refresh_token_encrypted = ""
    host.client_secret_encrypted = host.code_verifier_encrypted = host.auth_state = ""
    host.token_expires_at = None
    host.state = BadgeHost.State.DISCONNECTED
    with transaction.atomic():
        host.save()
        audit_record(
            user=owner,
            action="badge_host.disconnected",
            target=host,
            detail={"revoked_at_host": revoked},
            now=now,
        )
    return Disconnected(host, revoked, problem)


def _revoke_at_host(host: BadgeHost) -> tuple[bool, str]:
    tokens = [
        (decrypt(encrypted).decode(), hint)
        for encrypted, hint in (
            (host.refresh_token_encrypted, "refresh_token"),
            (host.access_token_encrypted, "access_token"),
        )
        if encrypted
    ]
    if not tokens:
        return True, ""  # nothing was ever granted, or it was already dropped
    client = _client()
    try:
        service = consumer.discover(client, base_url=host.base_url, api=api_spec(host.api))
        if not service.revocation_url:
            raise consumer.ConsumerError(
                _("%(host)s does not say where to revoke Satchel's access.") % {"host": host}
            )
        secret = (
            decrypt(host.client_secret_encrypted).decode() if host.client_secret_encrypted else ""
        )
        for token, hint in tokens:
            consumer.revoke(
                client,
                revocation_url=service.revocation_url,
                client_id=host.client_id,
                client_secret=secret,
                token=token,
                token_type_hint=hint,
            )
    except consumer.ConsumerError as exc:
        logger.info("badge platform %s: tokens not revoked at the host: %s", host.pk, exc)
        return False, str(exc)
    return True, ""


# --- bringing credentials in ------------------------------------------------------------


def badge_host_sync(*, host_id: int, now: datetime) -> SyncAttempt | None:
    """Read the platform's getCredentials and import each credential. The attempt is kept
    with its counts, or with why it stopped.

    Incremental: a walk through the pages asks only for what changed since the last finished
    walk began (`since`, OB 3.0 6.2.2), less SINCE_OVERLAP for clocks that disagree (what
    comes twice is a duplicate, counted as such). One sync reads at most
    SATCHEL_BADGE_HOST_MAX_PAGES pages; a walk that reaches the cap, or stops at a page that
    fails, keeps the next page's address and the next sync continues there."""
    host = BadgeHost.objects.filter(pk=host_id, state=BadgeHost.State.CONNECTED).first()
    if host is None:
        return None
    attempt = SyncAttempt.objects.create(host=host, started_at=now)
    try:
        finished = _sync_pages(host, attempt, now)
    except consumer.TokenRejected as exc:
        attempt.outcome, attempt.message = SyncAttempt.Outcome.FAILED, said_of(exc)
        host.state, host.problem = BadgeHost.State.FAILED, str(exc)
        host.problem_i18n = template_of(said_of(exc))
    except consumer.ConsumerError as exc:
        attempt.outcome, attempt.message = SyncAttempt.Outcome.FAILED, said_of(exc)
        if host.sync_cursor:
            attempt.message = Said(
                "%(problem)s %(next)s",
                problem=said_of(exc),
                next=Said("The next sync continues from the page that failed."),
            )
    else:
        counts = Said(
            "%(received)s received: %(imported)s new, %(updated)s updated, "
            "%(duplicate)s already in your record, %(refused)s not imported.",
            received=attempt.received,
            imported=attempt.imported,
            updated=attempt.updated,
            duplicate=attempt.duplicate,
            refused=attempt.refused,
        )
        if finished:
            attempt.outcome, attempt.message = SyncAttempt.Outcome.SUCCEEDED, counts
        else:
            attempt.outcome = SyncAttempt.Outcome.PARTIAL
            attempt.message = Said(
                "%(counts)s %(next)s",
                counts=counts,
                next=Said(
                    "The platform holds more than one sync reads (%(pages)s pages): the next "
                    "sync continues where this one stopped.",
                    pages=settings.SATCHEL_BADGE_HOST_MAX_PAGES,
                ),
            )
        host.last_synced_at = now
    attempt.finished_at = now
    # Kept beside the English message: the platforms page shows it in the reader's language.
    attempt.message_i18n = template_of(attempt.message)
    with transaction.atomic():
        attempt.save()
        host.save()
    return attempt


def _first_page(host: BadgeHost) -> str:
    query: dict[str, str | int] = {"limit": PAGE_SIZE, "offset": 0}
    if host.sync_since is not None:
        since = (host.sync_since - SINCE_OVERLAP).astimezone(UTC)
        query["since"] = since.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{host.credentials_url}?{urlencode(query)}"


def _sync_pages(host: BadgeHost, attempt: SyncAttempt, now: datetime) -> bool:
    """Walk the pages from where the last walk stopped (or from the first page); True when
    the walk reached the last page, False when it stopped at the cap."""
    client = _client()
    origin_of = host.credentials_url  # a next page elsewhere is never followed
    if host.sync_cursor and consumer.same_origin(host.sync_cursor, origin_of):
        url: str | None = host.sync_cursor
    else:
        url = _first_page(host)
        host.sync_walk_started_at = now
    host.sync_cursor = url or ""
    pages = 0
    while url is not None:
        if pages >= settings.SATCHEL_BADGE_HOST_MAX_PAGES:
            return False
        page = _page(client, host, url, origin_of, now)
        pages += 1
        for item in page.items:
            _import(host, attempt, item, now)
        url = page.next_url
        if url is not None and len(url) > MAX_CURSOR_CHARS:
            raise consumer.ConsumerError(
                _("The platform's next page has an address too long to keep; Satchel stopped.")
            )
        host.sync_cursor = url or ""
    host.sync_since = host.sync_walk_started_at or now
    host.sync_walk_started_at = None
    return True


def _page(
    client: ProtocolClient, host: BadgeHost, url: str, first: str, now: datetime
) -> consumer.Page:
    if host.token_expires_at is not None and host.token_expires_at - EARLY_REFRESH <= now:
        _refresh(client, host, now)
    try:
        return consumer.credentials_page(
            client, url=url, access_token=decrypt(host.access_token_encrypted).decode(), first=first
        )
    except consumer.TokenRejected:
        _refresh(client, host, now)  # once: a second refusal ends the attempt
        return consumer.credentials_page(
            client, url=url, access_token=decrypt(host.access_token_encrypted).decode(), first=first
        )


def _refresh(client: ProtocolClient, host: BadgeHost, now: datetime) -> None:
    if not host.refresh_token_encrypted:
        raise consumer.TokenRejected("Satchel's access to the platform ended: reconnect it.")
    tokens = consumer.refresh(
        client,
        token_url=host.token_url,
        client_id=host.client_id,
        client_secret=decrypt(host.client_secret_encrypted).decode(),
        refresh_token=decrypt(host.refresh_token_encrypted).decode(),
        now=now,
    )
    _keep_tokens(host, tokens)
    host.save(
        update_fields=["access_token_encrypted", "refresh_token_encrypted", "token_expires_at"]
    )


def _import(host: BadgeHost, attempt: SyncAttempt, item: consumer.Item, now: datetime) -> None:
    attempt.received += 1
    outcome = credential_import(
        owner=host.owner,
        data=item.data,
        source=Source.BADGE_HOST,
        media_type=item.media_type,
        source_url=host.base_url,
        filename=host.name[:255],
        now=now,
    )
    counter = {IMPORTED: "imported", UPDATED: "updated", DUPLICATE: "duplicate", FAILED: "refused"}
    field = counter.get(outcome.status, "refused")
    setattr(attempt, field, getattr(attempt, field) + 1)


def badge_host_sync_soon(*, owner: User, host: BadgeHost) -> None:
    if not host.is_connected:
        raise BadgeHostError(gettext("Connect the platform again first."))
    enqueue_on_commit("obapi.tasks.sync_badge_host", host.pk)


def badge_hosts_due(*, now: datetime) -> list[int]:
    """The connections the daily sync visits: every connected one."""
    return list(
        BadgeHost.objects.filter(state=BadgeHost.State.CONNECTED).values_list("pk", flat=True)
    )
