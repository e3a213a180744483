"""Receiving straight from an issuer: a link opened, the learner's consent, the protocol run,
what arrived verified and stored. One flow behind the pages, the API, the command and the
deferred-credential task.

Opening reads the link and fetches only what the consent page must show (the offer, the
issuer's metadata, an exchange's presentation request); nothing about the learner is sent
before they accept. Every attempt is a `ReceiveAttempt` row from the moment the link names
an issuer. What arrives is verified first (outside any transaction: it may fetch), then
stored with the attempt's new state in one transaction, all of it or none: a response one of
whose credentials is not a credential at all stores nothing. Codes and tokens from the issuer
are encrypted while the attempt runs and dropped when it ends.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import secrets as random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from PIL import Image

from accounts import crypto
from accounts.models import User
from accounts.signing import (
    bound_to_holder,
    holder_did,
    holder_jws_did,
    presentation_context,
    sign_holder_jwt,
    sign_presentation,
)
from config.celery import enqueue_on_commit
from config.outbound import GuardedFetcher
from config.protocol_client import ProtocolClient
from intake.models import ReceiveAttempt
from intake.protocols import links, openid4vci, vcapi
from wallet import selectors as record
from wallet import verifier
from wallet.images import ImageRefused, sanitise_raster
from wallet.models import Source
from wallet.presentable import read_entry, unsigned_presentation
from wallet.services.notices import notices_of_arrival
from wallet.services.store import (
    JSON_MEDIA_TYPE,
    JWT_MEDIA_TYPE,
    SD_JWT_MEDIA_TYPE,
    Arrival,
    Verified,
    credentials_store,
    sd_jwt_media_type,
)
from wallet.verification import verify_bytes
from wallet.verification.fetch import FetchError
from wallet.wording import said_of, template_of

logger = logging.getLogger(__name__)

# How long an opened offer waits for the learner, and for the issuer's sign-in.
PENDING_LIFETIME = timedelta(minutes=30)
SIGN_IN_LIFETIME = timedelta(minutes=15)
# A deferred credential is asked for again with backoff, for at most this long.
DEFERRED_LIFETIME = timedelta(days=2)
FIRST_POLL = timedelta(seconds=30)
LONGEST_POLL = timedelta(hours=6)


class ReceiveError(ValueError):
    """The link cannot start anything, or the attempt cannot go on; for the learner. `kind`
    is the attempt's `error_kind` when the attempt fails for it."""

    def __init__(self, message: str, *, kind: str = openid4vci.UNSUPPORTED) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Progress:
    """Where an accepted attempt stands, and where the learner's browser goes next (the
    issuer's sign-in, or where an exchange sends them on)."""

    attempt: ReceiveAttempt
    go_to: str = ""


def _client() -> ProtocolClient:
    return ProtocolClient(party="issuer", fetcher=GuardedFetcher(cache_seconds=0))


def _door() -> GuardedFetcher:
    return GuardedFetcher(cache_seconds=0)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- secrets while the attempt runs ----------------------------------------------------------


def _secrets(attempt: ReceiveAttempt) -> dict[str, Any]:
    if not attempt.secrets:
        return {}
    return dict(json.loads(crypto.decrypt(attempt.secrets)))


def _keep(attempt: ReceiveAttempt, values: Mapping[str, Any]) -> None:
    attempt.secrets = crypto.encrypt(json.dumps(dict(values)).encode())


# --- opening a link --------------------------------------------------------------------------


def receive_open(*, owner: User, link: str, now: datetime) -> ReceiveAttempt:
    """Read the link and what it points at; the attempt waits for the learner's consent (or
    has FAILED, saying why). ReceiveError when the text names no issuer at all."""
    try:
        found = links.classify(link)
    except links.LinkError as exc:
        raise ReceiveError(str(exc)) from exc
    return _open(owner, found, link, now)


def receive_open_query(*, owner: User, query: str, now: datetime) -> ReceiveAttempt:
    """The query of a link to this wallet's own /receive page (its Credential Offer Endpoint,
    an "Add to Satchel" button): an offer's parameters, a DCC request's, or `link=`."""
    try:
        found = links.classify_query(query)
    except links.LinkError as exc:
        raise ReceiveError(str(exc)) from exc
    return _open(owner, found, found.text or "?" + query, now)


def _open(owner: User, found: links.Link, link: str, now: datetime) -> ReceiveAttempt:
    target = found.target
    if isinstance(target, links.PresentationRequest):
        raise ReceiveError(
            _(
                "That link asks you to present credentials rather than receive one: "
                "open it on Present."
            )
        )
    attempt = ReceiveAttempt(owner=owner, created_at=now, expires_at=now + PENDING_LIFETIME)
    _keep(attempt, {"link": link})
    if isinstance(target, links.CredentialOffer):
        return _open_offer(attempt, target)
    if isinstance(target, links.LegacyRequest) and target.challenge:
        return _open_legacy(attempt, target)
    if isinstance(target, links.LegacyRequest):
        # No challenge: `vc_request_url` is an exchange to start (the DCC's newer links).
        exchange_target = links.Exchange(url=target.vc_request_url)
        return _open_exchange(attempt, exchange_target, protocol=ReceiveAttempt.Protocol.DCC)
    assert isinstance(target, links.Interaction | links.Exchange)
    return _open_exchange(attempt, target, protocol=ReceiveAttempt.Protocol.VCAPI)


def _failed(attempt: ReceiveAttempt, message: str, kind: str, now: datetime) -> ReceiveAttempt:
    attempt.state = ReceiveAttempt.State.FAILED
    attempt.error = message
    attempt.error_i18n = template_of(message)
    attempt.error_kind = kind
    attempt.finished_at = now
    attempt.state_digest = ""
    attempt.next_poll_at = None
    if kind not in (openid4vci.OFFER_USED,):
        # A failed attempt keeps only the link (encrypted), for the learner's retry.
        link = _secrets(attempt).get("link", "")
        attempt.secrets = ""
        if link:
            _keep(attempt, {"link": link})
    else:
        attempt.secrets = ""
    attempt.save()
    return attempt


def _open_offer(attempt: ReceiveAttempt, target: links.CredentialOffer) -> ReceiveAttempt:
    attempt.protocol = ReceiveAttempt.Protocol.OID4VCI
    attempt.request_origin = target.request_origin[:300]
    client = _client()
    now = attempt.created_at
    if target.offer_uri:
        attempt.issuer_origin = _origin(target.offer_uri)[:300]
    try:
        data = target.offer
        if data is None:
            data = openid4vci.fetch_credential_offer(target.offer_uri, client=client)
        offer = openid4vci.read_credential_offer(data)
        attempt.issuer_origin = _origin(offer.credential_issuer)[:300]
        metadata = openid4vci.fetch_issuer_metadata(offer.credential_issuer, client=client)
    except openid4vci.IssuanceError as exc:
        return _failed(attempt, said_of(exc), exc.kind, now)
    attempt.issuer_name = (metadata.name or urlsplit(offer.credential_issuer).netloc)[:200]
    attempt.issuer_logo = metadata.logo
    logo = _logo(metadata.logo)
    configurations = openid4vci.offered_configurations(offer, metadata)
    # What Satchel can take: a format it reads, with a key proof its holder key can make.
    takes = {c.id for c in configurations if c.supported and openid4vci.provable(c)}
    attempt.offered = [
        {
            "id": c.id,
            "name": c.name or c.id,
            "description": c.description,
            "format": c.format,
            "vct": c.vct,
            "supported": c.id in takes,
        }
        for c in configurations
    ]
    tx_code = offer.tx_code
    attempt.asks = {
        "tx_code": (
            {
                "input_mode": tx_code.input_mode,
                "length": tx_code.length,
                "description": tx_code.description,
            }
            if tx_code is not None
            else None
        ),
        "sign_in": not offer.pre_authorized,
        "logo": logo,
    }
    attempt.context = {
        "credential_issuer": offer.credential_issuer,
        "configuration_ids": [c.id for c in configurations if c.id in takes],
        "metadata": metadata.to_json(),
        "authorization_server": offer.authorization_server,
        "issuer_state": offer.issuer_state,
    }
    _keep(attempt, {**_secrets(attempt), "pre_authorized_code": offer.pre_authorized_code})
    if not takes and any(c.supported for c in configurations):
        return _failed(
            attempt,
            _(
                "The issuer wants a proof that the credential is bound to your key made with "
                "a kind of key Satchel does not hold (it asks for %(algs)s)."
            )
            % {"algs": ", ".join(_proof_algs(configurations))[:200] or "?"},
            openid4vci.UNSUPPORTED,
            now,
        )
    if not takes:
        formats = ", ".join(sorted({c.format or "?" for c in configurations}))
        return _failed(
            attempt,
            _(
                "The issuer offers the credential only in a format Satchel does not take yet "
                "(%(formats)s). Satchel takes W3C credentials (ldp_vc, jwt_vc_json) and SD-JWT "
                "VCs (dc+sd-jwt)."
            )
            % {"formats": formats[:200]},
            openid4vci.UNSUPPORTED,
            now,
        )
    attempt.save()
    return attempt


def _proof_algs(configurations: Sequence[openid4vci.Configuration]) -> list[str]:
    return sorted({a for c in configurations for algs in c.proof_types.values() for a in algs})


LOGO_BYTES = 512 * 1024
LOGO_SIDE = 128


def _logo(url: str) -> str:
    """The issuer's logo (its metadata's `display.logo.uri`) fetched through the door,
    re-encoded as a small metadata-free PNG and kept as a data: URI, so the consent page
    shows nothing remote and nothing unsanitised. No logo when anything goes wrong."""
    if not url:
        return ""
    try:
        fetched = GuardedFetcher(cache_seconds=0, max_bytes=LOGO_BYTES).fetch(
            url, accept="image/png, image/jpeg, image/webp, image/gif"
        )
        if not fetched.ok:
            return ""
        content, _width, _height = sanitise_raster(fetched.body)
        with Image.open(io.BytesIO(content)) as image:
            image.thumbnail((LOGO_SIDE, LOGO_SIDE))
            out = io.BytesIO()
            image.save(out, format="PNG")
    except (FetchError, ImageRefused, OSError):
        return ""
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _open_exchange(
    attempt: ReceiveAttempt, target: links.Interaction | links.Exchange, *, protocol: str
) -> ReceiveAttempt:
    attempt.protocol = protocol
    attempt.issuer_origin = _origin(target.url)[:300]
    attempt.request_origin = target.request_origin[:300]
    try:
        exchange = vcapi.start_exchange(target, door=_door(), party="issuer")
    except vcapi.ExchangeError as exc:
        return _failed(attempt, said_of(exc), _exchange_kind(exc), attempt.created_at)
    return _await_consent(attempt, exchange)


def _await_consent(attempt: ReceiveAttempt, exchange: vcapi.Exchange) -> ReceiveAttempt:
    attempt.issuer_origin = exchange.origin[:300]
    attempt.issuer_name = (exchange.request_origin or exchange.domain or exchange.origin)[:200]
    attempt.asks = {
        "did_authentication": exchange.did_authentication,
        "queries": [
            {"label": w.label, "reason": w.reason, "types": w.types} for w in exchange.queries
        ],
    }
    attempt.context = {"exchange": exchange.to_json()}
    attempt.state = ReceiveAttempt.State.PENDING
    attempt.save()
    return attempt


def _open_legacy(attempt: ReceiveAttempt, target: links.LegacyRequest) -> ReceiveAttempt:
    attempt.protocol = ReceiveAttempt.Protocol.DCC
    attempt.issuer_origin = _origin(target.vc_request_url)[:300]
    attempt.issuer_name = urlsplit(target.vc_request_url).netloc[:200]
    attempt.asks = {"did_authentication": True, "queries": [], "named_issuer": target.issuer[:200]}
    attempt.context = {"vc_request_url": target.vc_request_url}
    _keep(
        attempt,
        {
            **_secrets(attempt),
            "challenge": target.challenge,
            "bearer": target.auth_type.lower() == "bearer",
        },
    )
    attempt.save()
    return attempt


def _exchange_kind(exc: vcapi.ExchangeError) -> str:
    if exc.refused:
        return openid4vci.REFUSED_ADDRESS
    if exc.unreachable:
        return openid4vci.UNREACHABLE
    if exc.status in (400, 404, 410):
        return openid4vci.OFFER_USED
    return openid4vci.INVALID


def access_receive_attempt(*, owner: User, attempt_id: Any) -> ReceiveAttempt:
    """The owner's attempt, or Http404 (also for anyone else's)."""
    try:
        pk = int(attempt_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = ReceiveAttempt.objects.filter(owner=owner, pk=pk).first()
    if found is None:
        raise Http404
    return found


def receive_attempts(*, owner: User) -> Any:
    """The learner's attempts, newest first, those dismissed left out."""
    return ReceiveAttempt.objects.filter(owner=owner, dismissed_at__isnull=True)


# --- what the consent page shows -------------------------------------------------------------


@dataclass(frozen=True)
class Consent:
    holder: str
    tx_code: dict[str, Any] | None
    sign_in: bool
    did_authentication: bool
    queries: list[dict[str, Any]] = field(default_factory=list)


def consent_for(*, owner: User, attempt: ReceiveAttempt) -> Consent:
    """Who asks (on the row), what will be issued (`attempt.offered`), the identifier it will
    be bound to, what is asked of the learner, and for a presentation request the learner's
    credentials that answer each query (they tick what to send)."""
    asks = attempt.asks or {}
    queries: list[dict[str, Any]] = []
    if asks.get("queries"):
        exchange = vcapi.Exchange.from_json(attempt.context["exchange"])
        live = list(record.live_credentials(owner=owner).order_by("-issued_at", "-pk"))
        for index, wanted in enumerate(exchange.queries):
            matching = [c for c in live if _has_types(c, wanted.types)]
            queries.append(
                {
                    "index": str(index),
                    "label": wanted.label,
                    "reason": wanted.reason,
                    "credentials": matching,
                }
            )
    return Consent(
        holder=_bound_identifier(owner, attempt),
        tx_code=asks.get("tx_code"),
        sign_in=bool(asks.get("sign_in")),
        did_authentication=bool(asks.get("did_authentication")),
        queries=queries,
    )


def _bound_identifier(owner: User, attempt: ReceiveAttempt) -> str:
    """The DID what is offered will be bound to: the holder's DID, or, for an SD-JWT VC whose
    issuer takes only ES256 proofs or binds to did:jwk, the DID of the key the proof will
    carry (the first offered configuration's, as `_issue` asks for them in order)."""
    context = attempt.context or {}
    if attempt.protocol == ReceiveAttempt.Protocol.OID4VCI and context.get("configuration_ids"):
        metadata = openid4vci.IssuerMetadata.from_json(context["metadata"])
        configuration = metadata.configurations.get(context["configuration_ids"][0])
        if configuration is not None:
            kind, alg = openid4vci.proof_kind(configuration)
            if kind == openid4vci.JWT:
                return holder_jws_did(
                    user=owner, alg=alg, did_method=configuration.binding_did_method
                )
    return holder_did(user=owner)


def _has_types(credential: Any, types: Sequence[str]) -> bool:
    entry = read_entry(credential)
    document = entry.document or {}
    written = document.get("type", [])
    written = written if isinstance(written, list) else [written]
    # An SD-JWT would go whole, every claim revealed: it is not offered to an issuer.
    return (
        entry.sd_jwt is None and entry.vp_entry() is not None and all(t in written for t in types)
    )


# --- accepting -----------------------------------------------------------------------------


def receive_decline(*, owner: User, attempt: ReceiveAttempt, now: datetime) -> ReceiveAttempt:
    """The learner says no: nothing is sent, and what the issuer handed over is dropped."""
    if attempt.state not in (ReceiveAttempt.State.PENDING, ReceiveAttempt.State.SIGNING_IN):
        raise ReceiveError(_("This offer is no longer waiting for you."))
    attempt.state = ReceiveAttempt.State.DECLINED
    attempt.finished_at = now
    attempt.secrets = ""
    attempt.state_digest = ""
    attempt.save()
    return attempt


def receive_dismiss(*, owner: User, attempt: ReceiveAttempt, now: datetime) -> ReceiveAttempt:
    """Hide an ended attempt from the list; whatever it still kept is dropped. One left
    waiting past its time ends here, as expired."""
    lapsed = attempt.state in (ReceiveAttempt.State.PENDING, ReceiveAttempt.State.SIGNING_IN)
    if lapsed and now >= attempt.expires_at:
        _failed(attempt, _("You did not answer the offer in time."), openid4vci.OFFER_USED, now)
    if not attempt.ended:
        raise ReceiveError(_("Decline the offer first."))
    attempt.dismissed_at = now
    attempt.secrets = ""
    attempt.save(update_fields=["dismissed_at", "secrets"])
    return attempt


def receive_retry(*, owner: User, attempt: ReceiveAttempt, now: datetime) -> ReceiveAttempt:
    """Open the same link again as a new attempt (the failed one is dismissed)."""
    link = _secrets(attempt).get("link", "") if attempt.state == ReceiveAttempt.State.FAILED else ""
    if not link:
        raise ReceiveError(_("This attempt cannot be tried again: open the issuer's link anew."))
    receive_dismiss(owner=owner, attempt=attempt, now=now)
    return receive_open(owner=owner, link=link, now=now)


def receive_accept(
    *,
    owner: User,
    attempt: ReceiveAttempt,
    now: datetime,
    tx_code: str = "",
    picks: Iterable[Any] = (),
    redirect_uri: str = "",
) -> Progress:
    """The learner consents: the protocol runs. `redirect_uri` is where the issuer's sign-in
    sends the learner back (the authorization code flow); `picks` the credential ids the
    learner ticked for an exchange's QueryByExample."""
    if not attempt.is_open(now):
        raise ReceiveError(
            _("This offer is no longer waiting for you: open the issuer's link again.")
        )
    with _held(attempt):
        attempt.refresh_from_db()
        if not attempt.is_open(now):
            raise ReceiveError(_("This offer was answered already."))
        if attempt.protocol == ReceiveAttempt.Protocol.OID4VCI:
            return _accept_offer(owner, attempt, now, tx_code.strip(), redirect_uri)
        if "vc_request_url" in attempt.context:
            return _accept_legacy(owner, attempt, now)
        return _accept_exchange(owner, attempt, now, picks)


@contextmanager
def _held(attempt: ReceiveAttempt) -> Iterator[None]:
    """One accept at a time per attempt (a double click must not spend a single-use code
    twice and let the second failure overwrite the first success)."""
    key = f"receive:attempt:{attempt.pk}"
    if not cache.add(key, 1, timeout=120):
        raise ReceiveError(_("This offer is being received already: wait a moment."))
    try:
        yield
    finally:
        cache.delete(key)


# --- OpenID4VCI ---------------------------------------------------------------------------


def _server(attempt: ReceiveAttempt, client: ProtocolClient) -> openid4vci.ServerMetadata:
    if "server" in attempt.context:
        return openid4vci.ServerMetadata.from_json(attempt.context["server"])
    metadata = openid4vci.IssuerMetadata.from_json(attempt.context["metadata"])
    offer = _offer_of(attempt)
    issuer = openid4vci.choose_authorization_server(offer, metadata)
    server = openid4vci.fetch_authorization_server_metadata(
        issuer,
        client=client,
        fallback_token_endpoint=metadata.token_endpoint
        if issuer == metadata.credential_issuer
        else "",
    )
    attempt.context = {**attempt.context, "server": server.to_json()}
    return server


def _offer_of(attempt: ReceiveAttempt, pre_authorized_code: str = "") -> openid4vci.Offer:
    return openid4vci.Offer(
        credential_issuer=attempt.context["credential_issuer"],
        configuration_ids=list(attempt.context["configuration_ids"]),
        pre_authorized_code=pre_authorized_code,
        issuer_state=attempt.context.get("issuer_state", ""),
        authorization_server=attempt.context.get("authorization_server", ""),
    )


def client_id_for(redirect_uri: str) -> str:
    """The wallet's OAuth client identifier at issuers that sign the learner in: the
    operator's setting, else the address of the wallet's published client metadata."""
    configured = getattr(settings, "SATCHEL_OID4VCI_CLIENT_ID", "")
    if configured:
        return str(configured)
    return _origin(redirect_uri) + "/receive/client-metadata.json"


def _accept_offer(
    owner: User, attempt: ReceiveAttempt, now: datetime, tx_code: str, redirect_uri: str
) -> Progress:
    asks = attempt.asks or {}
    shape = asks.get("tx_code")
    if shape is not None and not tx_code:
        raise ReceiveError(_("Type the transaction code (PIN) the issuer sent you."))
    if shape and shape.get("length") and len(tx_code) != shape["length"]:
        raise ReceiveError(_("The transaction code has %(n)s characters.") % {"n": shape["length"]})
    if shape and shape.get("input_mode") == "numeric" and not tx_code.isdigit():
        raise ReceiveError(_("The transaction code is made of digits only."))
    client = _client()
    kept = _secrets(attempt)
    try:
        server = _server(attempt, client)
        if kept.get("pre_authorized_code"):
            token = openid4vci.request_token_pre_authorized(
                server=server,
                pre_authorized_code=kept["pre_authorized_code"],
                tx_code=tx_code if shape is not None else "",
                client=client,
            )
            return _issue(owner, attempt, token, now, client)
        return _send_to_sign_in(attempt, server, now, redirect_uri, client)
    except openid4vci.IssuanceError as exc:
        if exc.kind == openid4vci.WRONG_CODE and shape is not None:
            # The learner may type it again (the issuer limits how often).
            attempt.error = str(exc)
            attempt.error_i18n = template_of(said_of(exc))
            attempt.error_kind = exc.kind
            attempt.save()
            raise ReceiveError(str(exc)) from exc
        _failed(attempt, said_of(exc), exc.kind, now)
        return Progress(attempt)


def _send_to_sign_in(
    attempt: ReceiveAttempt,
    server: openid4vci.ServerMetadata,
    now: datetime,
    redirect_uri: str,
    client: ProtocolClient,
) -> Progress:
    if not redirect_uri:
        raise openid4vci.IssuanceError(
            _("This issuer signs you in on its own site first: open the offer in your browser."),
            kind=openid4vci.UNSUPPORTED,
        )
    state = random.token_urlsafe(24)
    pkce = openid4vci.new_pkce()
    client_id = client_id_for(redirect_uri)
    url = openid4vci.authorization_request_url(
        server=server,
        offer=_offer_of(attempt),
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        pkce=pkce,
        client=client,
    )
    _keep(
        attempt,
        {
            **_secrets(attempt),
            "pkce_verifier": pkce.verifier,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
        },
    )
    attempt.state = ReceiveAttempt.State.SIGNING_IN
    attempt.state_digest = _digest(state)
    attempt.expires_at = now + SIGN_IN_LIFETIME
    attempt.save()
    return Progress(attempt, go_to=url)


def receive_authorized(
    *, owner: User, state: str, code: str, error: str, now: datetime
) -> ReceiveAttempt:
    """The issuer's sign-in sent the learner back (RFC 6749 section 4.1.2): `state` must be
    the one sent, for this learner, still waiting; then the code is exchanged."""
    attempt = (
        ReceiveAttempt.objects.filter(
            owner=owner, state=ReceiveAttempt.State.SIGNING_IN, state_digest=_digest(state or "-")
        ).first()
        if state
        else None
    )
    if attempt is None:
        raise ReceiveError(
            _(
                "Satchel did not send you to sign in for this, or that sign-in is over: "
                "nothing was done."
            )
        )
    if now >= attempt.expires_at:
        return _failed(
            attempt, _("The sign-in at the issuer took too long."), openid4vci.OFFER_USED, now
        )
    if error or not code:
        message = (
            _("You did not allow the issuer to send the credential.")
            if error == "access_denied"
            else _("The issuer's sign-in did not succeed.")
        )
        return _failed(attempt, message, openid4vci.DENIED, now)
    client = _client()
    kept = _secrets(attempt)
    try:
        server = _server(attempt, client)
        token = openid4vci.request_token_authorization_code(
            server=server,
            code=code,
            pkce_verifier=kept["pkce_verifier"],
            client_id=kept["client_id"],
            redirect_uri=kept["redirect_uri"],
            client=client,
        )
        attempt.state_digest = ""
        return _issue(owner, attempt, token, now, client).attempt
    except openid4vci.IssuanceError as exc:
        return _failed(attempt, said_of(exc), exc.kind, now)


def _proofs(
    owner: User,
    configuration: openid4vci.Configuration,
    metadata: openid4vci.IssuerMetadata,
    nonce: str,
    now: datetime,
) -> dict[str, list[Any]]:
    """Appendix F: the proof that the credential is to be bound to the holder key."""
    kind, alg = openid4vci.proof_kind(configuration)
    if kind == openid4vci.DI_VP:
        suite = openid4vci.di_vp_suite(configuration)
        presentation = {
            "@context": presentation_context(suite),
            "type": ["VerifiablePresentation"],
            "holder": holder_did(user=owner),
        }
        signed = sign_presentation(
            user=owner,
            presentation=presentation,
            now=now,
            challenge=nonce or None,
            domain=metadata.credential_issuer,
            cryptosuite=suite,
        )
        return {openid4vci.DI_VP: [signed]}
    payload = openid4vci.proof_jwt_payload(
        credential_issuer=metadata.credential_issuer, nonce=nonce, issued_at=int(now.timestamp())
    )
    proof = sign_holder_jwt(
        user=owner,
        payload=payload,
        typ=openid4vci.PROOF_TYP,
        with_jwk=configuration.binds_to_jwk,
        alg=alg,
        did_method=configuration.binding_did_method,
    )
    return {openid4vci.JWT: [proof]}


def _request_one(
    owner: User,
    metadata: openid4vci.IssuerMetadata,
    token: openid4vci.Token,
    configuration: openid4vci.Configuration,
    now: datetime,
    client: ProtocolClient,
) -> openid4vci.Issued:
    """8.2, with one retry over a fresh nonce when the issuer says the nonce went stale (the
    one its refusal names, from an issuer of the drafts, else one from the nonce endpoint)."""
    named = ""
    for attempt_number in range(2):
        if named:
            nonce = named
        elif metadata.nonce_endpoint:
            nonce = openid4vci.request_nonce(metadata.nonce_endpoint, client=client)
        else:
            nonce = token.c_nonce if not attempt_number else ""
        proofs = _proofs(owner, configuration, metadata, nonce, now)
        try:
            return openid4vci.request_credential(
                metadata=metadata,
                token=token,
                configuration_id=configuration.id,
                proofs=proofs,
                client=client,
            )
        except openid4vci.StaleNonce as stale:
            named = stale.c_nonce
            if attempt_number:
                raise openid4vci.IssuanceError(
                    _("The issuer refused the key proof twice, each time over a fresh nonce."),
                    kind=openid4vci.PROOF_REFUSED,
                ) from None
    raise AssertionError("unreachable")


def _issue(
    owner: User,
    attempt: ReceiveAttempt,
    token: openid4vci.Token,
    now: datetime,
    client: ProtocolClient,
) -> Progress:
    metadata = openid4vci.IssuerMetadata.from_json(attempt.context["metadata"])
    arrived: list[Any] = []
    waiting: list[str] = []
    notifications: list[str] = []
    interval = 0
    for config_id in attempt.context["configuration_ids"]:
        configuration = metadata.configurations[config_id]
        issued = _request_one(owner, metadata, token, configuration, now, client)
        arrived += issued.credentials
        if issued.transaction_id:
            waiting.append(issued.transaction_id)
            interval = max(interval, issued.interval)
        if issued.notification_id:
            notifications.append(issued.notification_id)
    kept = {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "transactions": waiting,
        "notifications": notifications,
    }
    return _arrived(owner, attempt, arrived, kept, now, interval=interval)


def _arrived(
    owner: User,
    attempt: ReceiveAttempt,
    credentials: list[Any],
    kept: dict[str, Any],
    now: datetime,
    *,
    interval: int = 0,
) -> Progress:
    """Verify what arrived, then store it and the attempt's new state together."""
    source = Source.OID4VCI if attempt.protocol == ReceiveAttempt.Protocol.OID4VCI else Source.VCAPI
    try:
        verified = _verify_all(owner, attempt, credentials, source, now)
    except ReceiveError as exc:
        _notify(attempt, kept, "credential_failure")
        _failed(attempt, said_of(exc), exc.kind, now)
        return Progress(attempt)
    was_waiting = attempt.state == ReceiveAttempt.State.WAITING
    with transaction.atomic():
        outcomes = credentials_store(owner=owner, verified=verified) if verified else []
        if was_waiting and outcomes:
            # Deferred issuance: the learner is no longer on the page; the record tells them.
            notices_of_arrival(
                owner=owner,
                credential_ids=[o.credential_id for o in outcomes if o.credential_id],
                sender=attempt.issuer_name or attempt.issuer_origin,
                now=now,
            )
        by_id = {
            c.pk: c
            for c in record.live_credentials(owner=owner).filter(
                pk__in=[o.credential_id for o in outcomes if o.credential_id]
            )
        }
        attempt.stored = [
            *attempt.stored,
            *(
                {
                    "id": o.credential_id,
                    "status": o.status,
                    "title": by_id[o.credential_id].title if o.credential_id in by_id else "",
                    "verdict": by_id[o.credential_id].verdict if o.credential_id in by_id else "",
                }
                for o in outcomes
            ),
        ]
        attempt.error, attempt.error_kind, attempt.error_i18n = "", "", None
        if kept.get("transactions"):
            attempt.state = ReceiveAttempt.State.WAITING
            attempt.polls = 0
            attempt.next_poll_at = now + max(FIRST_POLL, timedelta(seconds=interval))
            attempt.expires_at = now + DEFERRED_LIFETIME
            _keep(attempt, kept)
        else:
            attempt.state = ReceiveAttempt.State.RECEIVED
            attempt.finished_at = now
            attempt.next_poll_at = None
            attempt.secrets = ""
        attempt.save()
    if verified:
        _notify(attempt, kept, "credential_accepted")
    return Progress(attempt)


def _verify_all(
    owner: User, attempt: ReceiveAttempt, credentials: list[Any], source: str, now: datetime
) -> list[Verified]:
    options = verifier.make_verify_options(owner=owner, now=now)
    arrival = Arrival(
        source,
        "",
        attempt.context.get("credential_issuer") or attempt.issuer_origin,
        now,
        options.fetcher,
    )
    verified = []
    for credential in credentials:
        if isinstance(credential, str):
            data = credential.encode()
            media = SD_JWT_MEDIA_TYPE if "~" in credential else JWT_MEDIA_TYPE
        else:
            data, media = json.dumps(credential, ensure_ascii=False).encode(), JSON_MEDIA_TYPE
        report = verify_bytes(data, options=options, media_type=media)
        if report.format in ("unknown", "vp"):
            raise ReceiveError(
                _(
                    "The issuer sent something that is not a credential Satchel recognises; "
                    "nothing was stored."
                )
            )
        if report.container == "sd-jwt" and report.jwt:
            media = sd_jwt_media_type(report)
            if source == Source.OID4VCI and not bound_to_holder(user=owner, sd_jwt=report.jwt):
                # Asked for with a proof of the learner's key, it must be bound to that key
                # (`cnf`), or the learner could never present it with a Key Binding JWT.
                raise ReceiveError(
                    _(
                        "The issuer bound the credential to a key that is not yours, so you "
                        "could not present it as yours; nothing was stored."
                    ),
                    kind=openid4vci.INVALID,
                )
        verified.append(Verified(report, data, media, arrival))
    return verified


def _notify(attempt: ReceiveAttempt, kept: Mapping[str, Any], event: str) -> None:
    """11.1: tell the issuer, where it offers to be told; a failure to tell changes nothing."""
    if attempt.protocol != ReceiveAttempt.Protocol.OID4VCI or not kept.get("notifications"):
        return
    metadata = openid4vci.IssuerMetadata.from_json(attempt.context["metadata"])
    token = openid4vci.Token(kept["access_token"], kept.get("token_type", "Bearer"))
    client = _client()
    for notification_id in kept["notifications"]:
        openid4vci.send_notification(
            metadata=metadata,
            token=token,
            notification_id=notification_id,
            event=event,
            client=client,
        )


# --- deferred issuance (section 9) -----------------------------------------------------------


def receive_poll(*, attempt_id: int, now: datetime) -> ReceiveAttempt | None:
    """Ask the issuer again for the credentials it deferred; back off while it is not ready,
    give up after DEFERRED_LIFETIME."""
    attempt = ReceiveAttempt.objects.filter(
        pk=attempt_id, state=ReceiveAttempt.State.WAITING
    ).first()
    if attempt is None:
        return None
    if now >= attempt.expires_at:
        return _failed(
            attempt,
            _("The issuer did not deliver the credential in time."),
            openid4vci.UNREACHABLE,
            now,
        )
    kept = _secrets(attempt)
    metadata = openid4vci.IssuerMetadata.from_json(attempt.context["metadata"])
    token = openid4vci.Token(kept["access_token"], kept.get("token_type", "Bearer"))
    client = _client()
    arrived: list[Any] = []
    still: list[str] = []
    interval = 0
    try:
        for transaction_id in kept.get("transactions", []):
            issued = openid4vci.request_deferred_credential(
                metadata=metadata, token=token, transaction_id=transaction_id, client=client
            )
            arrived += issued.credentials
            if issued.transaction_id:
                still.append(issued.transaction_id)
                interval = max(interval, issued.interval)
            if issued.notification_id:
                kept.setdefault("notifications", []).append(issued.notification_id)
    except openid4vci.IssuanceError as exc:
        if exc.kind == openid4vci.UNREACHABLE:
            return _later(attempt, now, interval)
        return _failed(attempt, said_of(exc), exc.kind, now)
    if not arrived:
        return _later(attempt, now, interval)
    kept["transactions"] = still
    return _arrived(attempt.owner, attempt, arrived, kept, now, interval=interval).attempt


def _later(attempt: ReceiveAttempt, now: datetime, interval: int) -> ReceiveAttempt:
    attempt.polls += 1
    backoff = min(FIRST_POLL * (2**attempt.polls), LONGEST_POLL)
    attempt.next_poll_at = now + max(backoff, timedelta(seconds=interval))
    attempt.save(update_fields=["polls", "next_poll_at"])
    return attempt


def receive_poll_due(*, now: datetime) -> int:
    """Enqueue a poll of every waiting attempt whose time has come (the beat's entry)."""
    due = list(
        ReceiveAttempt.objects.filter(
            state=ReceiveAttempt.State.WAITING, next_poll_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
    for pk in due:
        enqueue_on_commit("intake.tasks.receive_poll", pk)
    return len(due)


# --- VC-API exchanges and the DCC's request ----------------------------------------------


def _accept_exchange(
    owner: User, attempt: ReceiveAttempt, now: datetime, picks: Iterable[Any]
) -> Progress:
    exchange = vcapi.Exchange.from_json(attempt.context["exchange"])
    keys = list(dict.fromkeys(int(p) for p in picks if str(p).isdigit()))
    chosen = {c.pk: c for c in record.live_credentials(owner=owner).filter(pk__in=keys)}
    if len(chosen) != len(keys):
        raise ReceiveError(_("Some of the chosen credentials are not in your record."))
    entries = [read_entry(chosen[k]) for k in keys]
    if any(e.sd_jwt is not None for e in entries):
        raise ReceiveError(_("An SD-JWT VC cannot be sent in this exchange."))
    suite = vcapi.presentation_suite(exchange)
    presentation = unsigned_presentation(
        holder=holder_did(user=owner),
        entries=entries,
        context=presentation_context(suite),
    )
    if not presentation["verifiableCredential"]:
        del presentation["verifiableCredential"]  # a DID authentication alone carries none
    signed = sign_presentation(
        user=owner,
        presentation=presentation,
        now=now,
        challenge=exchange.challenge or None,
        domain=exchange.domain or None,
        cryptosuite=suite,
    )
    try:
        result = vcapi.send_presentation(exchange, signed, door=_door())
    except vcapi.ExchangeError as exc:
        _failed(attempt, said_of(exc), _exchange_kind(exc), now)
        return Progress(attempt)
    if result.credentials:
        progress = _arrived(owner, attempt, result.credentials, {}, now)
        if result.redirect_url and attempt.state == ReceiveAttempt.State.RECEIVED:
            attempt.redirect_url = result.redirect_url[:2000]
            attempt.save(update_fields=["redirect_url"])
            return Progress(attempt, go_to=result.redirect_url)
        return progress
    if result.next_request is not None:
        # A further request: the learner sees it and consents again.
        try:
            again = vcapi.read_presentation_request(
                result.next_request,
                url=exchange.url,
                request_origin=exchange.request_origin,
                party="issuer",
            )
        except vcapi.ExchangeError as exc:
            _failed(attempt, said_of(exc), openid4vci.INVALID, now)
            return Progress(attempt)
        attempt.expires_at = now + PENDING_LIFETIME
        return Progress(_await_consent(attempt, again))
    _failed(attempt, _("The issuer sent no credential."), openid4vci.DENIED, now)
    if result.redirect_url:
        attempt.redirect_url = result.redirect_url[:2000]
        attempt.save(update_fields=["redirect_url"])
        return Progress(attempt, go_to=result.redirect_url)
    return Progress(attempt)


def _accept_legacy(owner: User, attempt: ReceiveAttempt, now: datetime) -> Progress:
    """The DCC's request: a bare DID authentication with the link's challenge, no domain."""
    kept = _secrets(attempt)
    presentation = unsigned_presentation(holder=holder_did(user=owner), entries=[])
    del presentation["verifiableCredential"]
    signed = sign_presentation(
        user=owner, presentation=presentation, now=now, challenge=kept.get("challenge") or None
    )
    try:
        credentials = vcapi.send_legacy_request(
            attempt.context["vc_request_url"],
            signed,
            door=_door(),
            bearer=kept.get("challenge", "") if kept.get("bearer") else "",
        )
    except vcapi.ExchangeError as exc:
        _failed(attempt, said_of(exc), _exchange_kind(exc), now)
        return Progress(attempt)
    if not credentials:
        _failed(attempt, _("The issuer sent no credential."), openid4vci.DENIED, now)
        return Progress(attempt)
    return _arrived(owner, attempt, credentials, {}, now)
