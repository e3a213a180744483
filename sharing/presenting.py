"""Presenting on request: a verifier's request (OpenID4VP, or a VC-API exchange) is opened,
shown to the learner with what in their record matches, and answered with only what the
learner picks, or declined. One flow behind the pages, the command and the tests.

Each request is a `VerifierRequest` row from the moment it is fetched (a request object is
served once, so it is fetched once and kept until answered). A nonce answered is remembered
(`AnsweredNonce`): the same request again is a replay, refused. What was sent is one row of
the learner's history (`wallet.services.disclosures`). What the verifier sent is dropped once
the request is answered or declined.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.signing import (
    holder_did,
    presentation_context,
    sign_holder_jwt,
    sign_key_binding,
    sign_presentation,
)
from config.outbound import GuardedFetcher, make_fetcher
from intake.protocols import links
from sharing.models import AnsweredNonce, VerifierRequest
from sharing.protocols import dcql, openid4vp, vcapi
from wallet import disclosable
from wallet import selectors as record
from wallet.models import Credential, Disclosure
from wallet.presentable import Entry, read_entry, unsigned_presentation
from wallet.services.disclosures import disclosure_record
from wallet.verification.keys import resolve_verification_method
from wallet.verification.parse import credential_from_jwt_payload
from wallet.verification.proofs.jose import decode_compact, verify_compact_jws
from wallet.verification.sdjwt import ClaimPath, present
from wallet.verification.sdjwt.holder import processed_claims

logger = logging.getLogger(__name__)

# How long a fetched request waits for the learner.
PENDING_LIFETIME = timedelta(minutes=30)


class PresentingError(ValueError):
    """The request cannot be opened or answered; the message is for the learner."""


def door() -> GuardedFetcher:
    """The outbound door for protocol calls: never cached."""
    return GuardedFetcher(cache_seconds=0)


def _nonce_digest(client_id: str, nonce: str) -> str:
    return hashlib.sha256(f"{client_id}\n{nonce}".encode()).hexdigest()


# --- opening a request ---------------------------------------------------------------------


def verifier_request_open(*, owner: User, link: str, now: datetime) -> VerifierRequest:
    """Read the link, fetch what it points at (once), check it, and keep it for the learner.
    Raises PresentingError with a sentence for the learner."""
    try:
        found = links.classify(link)
    except links.LinkError as exc:
        raise PresentingError(str(exc)) from exc
    target = found.target
    if isinstance(target, links.PresentationRequest):
        return _open_openid4vp(owner, target.query, now)
    if isinstance(target, links.Interaction | links.Exchange):
        return _open_vcapi(owner, target, now)
    raise PresentingError(
        _("That link offers a credential rather than asking for one: open it on Receive.")
    )


def verifier_request_open_query(*, owner: User, query: str, now: datetime) -> VerifierRequest:
    """The query of a link to this wallet's own /present page (an OpenID4VP request, or
    `link=` carrying any link)."""
    try:
        params = dict(openid4vp.parse_qsl_safe(query))
    except openid4vp.RequestError as exc:
        raise PresentingError(str(exc)) from exc
    if "link" in params:
        return verifier_request_open(owner=owner, link=params["link"], now=now)
    return _open_openid4vp(owner, query, now)


def _resolve_key(kid: str) -> Any:
    fetcher = make_fetcher()
    try:
        return resolve_verification_method(
            kid, fetcher=fetcher, purpose="authentication"
        ).public_key
    except Exception:
        return resolve_verification_method(
            kid, fetcher=fetcher, purpose="assertionMethod"
        ).public_key


def _open_openid4vp(owner: User, query: str, now: datetime) -> VerifierRequest:
    try:
        params = openid4vp.read_authorization_request(query)
        wallet_nonce = (
            openid4vp.new_wallet_nonce() if params.get("request_uri_method") == "post" else None
        )
        claims, jwt = openid4vp.obtain_request_object(
            params, door=door(), wallet_nonce=wallet_nonce
        )
        prefix = openid4vp.verify_client(
            link_client_id=params["client_id"],
            claims=claims,
            jwt=jwt,
            resolve_key=_resolve_key,
            check_signature=verify_compact_jws,
            now_timestamp=now.timestamp(),
            wallet_nonce=wallet_nonce,
        )
        request = openid4vp.validate_authorization_request(claims, prefix=prefix)
    except openid4vp.RequestError as exc:
        raise PresentingError(str(exc)) from exc
    if AnsweredNonce.objects.filter(digest=_nonce_digest(request.client_id, request.nonce)):
        raise PresentingError(
            _("This request was answered already: a verifier must ask afresh each time.")
        )
    return VerifierRequest.objects.create(
        owner=owner,
        protocol=VerifierRequest.Protocol.OPENID4VP,
        verifier_name=request.verifier_name,
        verifier_origin=request.verifier_origin,
        client_id=request.client_id[:2000],
        request=request.to_json(),
        created_at=now,
        expires_at=now + PENDING_LIFETIME,
    )


def _open_vcapi(
    owner: User, target: links.Interaction | links.Exchange, now: datetime
) -> VerifierRequest:
    try:
        exchange = vcapi.start_exchange(target, door=door())
    except vcapi.ExchangeError as exc:
        raise PresentingError(str(exc)) from exc
    return VerifierRequest.objects.create(
        owner=owner,
        protocol=VerifierRequest.Protocol.VCAPI,
        verifier_name=exchange.verifier_name,
        verifier_origin=exchange.origin,
        client_id=exchange.domain[:2000],
        request=exchange.to_json(),
        created_at=now,
        expires_at=now + PENDING_LIFETIME,
    )


def access_verifier_request(*, owner: User, request_id: Any) -> VerifierRequest:
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = VerifierRequest.objects.filter(owner=owner, pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- what the learner sees -------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """One thing the verifier asks for, and the learner's credentials that answer it."""

    id: str
    label: str
    format: str
    supported: bool
    multiple: bool
    credentials: list[Credential]
    claims: list[str]
    # For an SD-JWT VC: credential id -> the claims asked for, each saying whether the
    # learner may keep it back (a Disclosure reveals it) or it is always shown.
    disclosures: dict[int, list[disclosable.ClaimRow]] = field(default_factory=dict)


@dataclass(frozen=True)
class Consent:
    asked: list[Asked]
    satisfiable: bool
    did_authentication: bool = False
    reason: str = ""


def _candidates(owner: User) -> tuple[list[dcql.Candidate], dict[int, Credential]]:
    found: list[dcql.Candidate] = []
    by_pk: dict[int, Credential] = {}
    for credential in record.live_credentials(owner=owner).order_by("-issued_at", "-pk"):
        sd_jwt = disclosable.stored_sd_jwt(credential)
        if sd_jwt is not None:
            claims = _sd_jwt_claims(sd_jwt)
            # A W3C credential secured as an SD-JWT has no `vct`: it is no SD-JWT VC.
            if claims is None or not isinstance(claims.get("vct"), str):
                continue
            found.append(dcql.candidate(key=credential.pk, format_=dcql.SD_JWT_VC, document=claims))
            by_pk[credential.pk] = credential
            continue
        entry = read_entry(credential)
        if entry.token is not None:
            try:
                payload = decode_compact(entry.token).payload_json()
            except ValueError:
                continue
            if not isinstance(payload, dict):
                continue
            document = credential_from_jwt_payload(payload)
            found.append(
                dcql.candidate(key=credential.pk, format_=dcql.JWT_VC_JSON, document=document)
            )
        elif entry.document is not None and entry.document.get("proof"):
            found.append(
                dcql.candidate(key=credential.pk, format_=dcql.LDP_VC, document=entry.document)
            )
        else:
            continue
        by_pk[credential.pk] = credential
    return found, by_pk


def _sd_jwt_claims(sd_jwt: str) -> dict[str, Any] | None:
    try:
        return processed_claims(sd_jwt)
    except ValueError:
        return None


def _requested_paths(claims: dict[str, Any], query: dcql.CredentialQuery) -> list[ClaimPath]:
    """Where the query's claims point in this credential (section 6.4.1: without `claims`,
    no selectively disclosable claim is asked for)."""
    found: list[ClaimPath] = []
    for claim in query.claims:
        found.extend(dcql.select_paths(claims, claim.path))
    return list(dict.fromkeys(found))


def _disclosure_rows(
    query: dcql.CredentialQuery, credentials: list[Credential]
) -> dict[int, list[disclosable.ClaimRow]]:
    """What each selectively disclosable credential would reveal of the claims asked for."""
    rows = {}
    for credential in credentials:
        if query.format == dcql.SD_JWT_VC:
            sd_jwt = disclosable.stored_sd_jwt(credential)
            claims = _sd_jwt_claims(sd_jwt) if sd_jwt is not None else None
            if sd_jwt is not None and claims is not None:
                paths = _requested_paths(claims, query)
                rows[credential.pk] = disclosable.requested_rows(sd_jwt, paths)
        elif query.format == dcql.LDP_VC:
            document = disclosable.base_proof_document(credential)
            if document is not None:
                paths = _requested_paths(document, query)
                rows[credential.pk] = disclosable.ecdsa_sd_rows(document, paths)
    return rows


def _base_proof_rows(credentials: list[Credential]) -> dict[int, list[disclosable.ClaimRow]]:
    """A query by example asks for whole credentials: of one with a base proof, every claim
    is the learner's to reveal or keep back, bar the issuer's mandatory ones."""
    rows = {}
    for credential in credentials:
        document = disclosable.base_proof_document(credential)
        if document is not None:
            rows[credential.pk] = disclosable.ecdsa_sd_rows(document)
    return rows


def _type_label(query: dcql.CredentialQuery) -> str:
    if query.vct_values:
        return ", ".join(v.rstrip("/").rsplit("/", 1)[-1] for v in query.vct_values)
    names = sorted({t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for g in query.type_values for t in g})
    names = [n for n in names if n != "VerifiableCredential"] or names
    return ", ".join(names) or query.id


def consent_for(*, owner: User, verifier_request: VerifierRequest) -> Consent:
    if verifier_request.protocol == VerifierRequest.Protocol.VCAPI:
        return _vcapi_consent(owner, vcapi.Exchange.from_json(verifier_request.request))
    request = openid4vp.AuthorizationRequest.from_json(verifier_request.request)
    query = request.dcql
    candidates, by_pk = _candidates(owner)
    evaluation = dcql.evaluate(query, candidates)
    asked = []
    for q in query.credentials:
        credentials = [by_pk[k] for k in evaluation.matches[q.id]]
        asked.append(
            Asked(
                id=q.id,
                label=_type_label(q),
                format=q.format,
                supported=q.supported,
                multiple=q.multiple,
                credentials=credentials,
                claims=[".".join(str(p) for p in c.path) for c in q.claims],
                disclosures=_disclosure_rows(q, credentials),
            )
        )
    reason = ""
    if not evaluation.satisfiable():
        missing = evaluation.unanswerable()
        reason = _(
            "Nothing in your record matches what the verifier asks for (%(missing)s), so "
            "there is nothing to send. You can decline."
        ) % {"missing": ", ".join(missing)}
    return Consent(asked=asked, satisfiable=evaluation.satisfiable(), reason=reason)


def _vcapi_consent(owner: User, exchange: vcapi.Exchange) -> Consent:
    candidates, by_pk = _candidates(owner)
    asked = []
    # A VC-API exchange carries W3C presentations: an SD-JWT VC has no place in one.
    candidates = [c for c in candidates if c.format != dcql.SD_JWT_VC]
    for index, wanted in enumerate(exchange.queries):
        keys = [c.key for c in candidates if vcapi.matches_example(wanted, c)]
        credentials = [by_pk[k] for k in keys]
        asked.append(
            Asked(
                id=str(index),
                label=wanted.label,
                format="vc",
                supported=True,
                multiple=True,
                credentials=credentials,
                claims=[wanted.reason] if wanted.reason else [],
                disclosures=_base_proof_rows(credentials),
            )
        )
    return Consent(asked=asked, satisfiable=True, did_authentication=exchange.did_authentication)


# --- answering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    verifier_request: VerifierRequest
    redirect_uri: str
    sent: list[Credential]


def _finish(
    verifier_request: VerifierRequest, state: str, now: datetime, *, error: str = ""
) -> None:
    verifier_request.state = state
    verifier_request.finished_at = now
    verifier_request.error = error
    verifier_request.request = {}
    verifier_request.save(update_fields=["state", "finished_at", "error", "request"])


def _pending(verifier_request: VerifierRequest, now: datetime) -> None:
    if not verifier_request.is_open(now):
        raise PresentingError(_("This request is no longer open: open the verifier's link again."))


def verifier_request_answer(
    *,
    owner: User,
    verifier_request: VerifierRequest,
    picks: Mapping[str, Sequence[Any]],
    now: datetime,
    disclosures: Mapping[str, Mapping[int, Sequence[ClaimPath]]] | None = None,
) -> Answered:
    """Send what the learner picked (Credential Query id or query index -> credential ids),
    nothing else. For an SD-JWT VC, `disclosures` (query id -> credential id -> claim paths)
    says which of the claims asked for the learner reveals; a credential it does not name
    reveals what the query asks for. Raises PresentingError; a failure to deliver leaves the
    request FAILED."""
    _pending(verifier_request, now)
    chosen = {k: [int(v) for v in vs if str(v).isdigit()] for k, vs in picks.items()}
    if verifier_request.protocol == VerifierRequest.Protocol.VCAPI:
        return _answer_vcapi(owner, verifier_request, chosen, now, disclosures or {})
    return _answer_openid4vp(owner, verifier_request, chosen, now, disclosures or {})


def _owned(owner: User, keys: Sequence[int]) -> dict[int, Credential]:
    return {c.pk: c for c in record.live_credentials(owner=owner).filter(pk__in=list(keys))}


def _answer_openid4vp(
    owner: User,
    verifier_request: VerifierRequest,
    chosen: dict[str, list[int]],
    now: datetime,
    disclosures: Mapping[str, Mapping[int, Sequence[ClaimPath]]],
) -> Answered:
    request = openid4vp.AuthorizationRequest.from_json(verifier_request.request)
    candidates, _by_pk = _candidates(owner)
    evaluation = dcql.evaluate(request.dcql, candidates)
    try:
        picked = dcql.choose(evaluation, chosen)
        credentials = _owned(owner, [k for keys in picked.values() for k in keys])
        vp_token = {
            query_id: [
                _presentation(
                    owner,
                    request,
                    request.dcql.query(query_id),
                    credentials[k],
                    now,
                    disclosures.get(query_id, {}).get(k),
                )
                for k in keys
            ]
            for query_id, keys in picked.items()
        }
        fields = openid4vp.response_fields(vp_token, request)
    except dcql.NotSatisfied as exc:
        raise PresentingError(str(exc)) from exc
    except openid4vp.RequestError as exc:
        raise PresentingError(str(exc)) from exc
    digest = _nonce_digest(request.client_id, request.nonce)
    try:
        with transaction.atomic():
            AnsweredNonce.objects.create(digest=digest, answered_at=now)
    except IntegrityError:
        raise PresentingError(_("This request was answered already.")) from None
    try:
        delivered = openid4vp.send_authorization_response(fields, request, door=door())
    except openid4vp.RequestError as exc:
        _finish(verifier_request, VerifierRequest.State.FAILED, now, error=str(exc))
        raise PresentingError(str(exc)) from exc
    sent = [credentials[k] for keys in picked.values() for k in dict.fromkeys(keys)]
    return _record_sent(owner, verifier_request, sent, delivered.redirect_uri, now)


def _record_sent(
    owner: User,
    verifier_request: VerifierRequest,
    sent: list[Credential],
    redirect_uri: str,
    now: datetime,
) -> Answered:
    protocol = (
        Disclosure.Protocol.VCAPI
        if verifier_request.protocol == VerifierRequest.Protocol.VCAPI
        else Disclosure.Protocol.OID4VP
    )
    with transaction.atomic():
        verifier_request.redirect_uri = redirect_uri[:2000]
        verifier_request.save(update_fields=["redirect_uri"])
        _finish(verifier_request, VerifierRequest.State.SENT, now)
        if sent:
            disclosure_record(
                owner=owner,
                protocol=protocol,
                credentials=sent,
                recipient_name=verifier_request.verifier_name,
                recipient_origin=verifier_request.verifier_origin,
                now=now,
            )
    return Answered(verifier_request=verifier_request, redirect_uri=redirect_uri, sent=sent)


def _presentation(
    owner: User,
    request: openid4vp.AuthorizationRequest,
    query: dcql.CredentialQuery,
    credential: Credential,
    now: datetime,
    disclose: Sequence[ClaimPath] | None = None,
) -> Any:
    """Appendix B.1.3: one presentation of one credential, bound to the nonce and the Client
    Identifier; the credential alone where the query does not ask for holder binding."""
    if query.format == dcql.SD_JWT_VC:
        return _sd_jwt_presentation(owner, request, query, credential, now, disclose)
    entry = read_entry(credential)
    if query.format == dcql.JWT_VC_JSON:
        if entry.token is None:
            raise openid4vp.RequestError(gettext("A JWT credential was expected."))
        if not query.require_cryptographic_holder_binding:
            return entry.token
        payload = openid4vp.jwt_presentation_payload(
            holder=holder_did(user=owner),
            tokens=[entry.token],
            request=request,
            issued_at=int(now.timestamp()),
        )
        return sign_holder_jwt(user=owner, payload=payload, typ="JWT")
    if entry.document is None:
        raise openid4vp.RequestError(gettext("A Data Integrity credential was expected."))
    base = disclosable.base_proof_document(credential)
    if base is not None:
        entry = replace(entry, document=_derived_for_query(base, query, credential, disclose))
    if not query.require_cryptographic_holder_binding:
        return entry.document
    suite = openid4vp.presentation_suite(request)
    presentation = unsigned_presentation(
        holder=holder_did(user=owner), entries=[entry], context=presentation_context(suite)
    )
    return sign_presentation(
        user=owner,
        presentation=presentation,
        now=now,
        challenge=request.nonce,
        domain=request.client_id,
        cryptosuite=suite,
    )


def _derived_for_query(
    base: dict[str, Any],
    query: dcql.CredentialQuery,
    credential: Credential,
    disclose: Sequence[ClaimPath] | None,
) -> dict[str, Any]:
    """An ecdsa-sd-2023 base proof is the holder's, never a verifier's: what is sent is a copy
    derived to reveal the issuer's mandatory claims and the claims asked for that the learner
    left ticked (section 6.4: none the query did not ask for)."""
    requested = _requested_paths(base, query)
    chosen = requested if disclose is None else [tuple(path) for path in disclose]
    if not set(chosen) <= set(requested):
        raise openid4vp.RequestError(_("Only claims the verifier asks for can be revealed."))
    try:
        derived = disclosable.ecdsa_sd_derive(base, chosen)
    except ValueError as exc:
        raise openid4vp.RequestError(str(exc)) from exc
    if not dcql.claims_satisfied(derived, query):
        raise openid4vp.RequestError(
            _("The verifier needs claims you chose to keep back from “%(title)s”.")
            % {"title": credential.title or _("Untitled credential")}
        )
    return derived


def _sd_jwt_presentation(
    owner: User,
    request: openid4vp.AuthorizationRequest,
    query: dcql.CredentialQuery,
    credential: Credential,
    now: datetime,
    disclose: Sequence[ClaimPath] | None,
) -> str:
    """Appendix B.3.6: the SD-JWT with the Disclosures of the claims the learner reveals
    (section 6.4: never a selectively disclosable claim the query did not ask for) and,
    when the query asks for holder binding, a Key Binding JWT whose `aud` is the Client
    Identifier and whose `nonce` is the request's (section 14.1)."""
    stored = disclosable.stored_sd_jwt(credential)
    claims = _sd_jwt_claims(stored) if stored is not None else None
    if stored is None or claims is None:
        raise openid4vp.RequestError(_("An SD-JWT credential was expected."))
    requested = _requested_paths(claims, query)
    chosen = requested if disclose is None else [tuple(path) for path in disclose]
    if not set(chosen) <= set(requested):
        raise openid4vp.RequestError(_("Only claims the verifier asks for can be revealed."))
    try:
        presented = present(stored, disclose=chosen)
    except ValueError as exc:
        raise openid4vp.RequestError(str(exc)) from exc
    if not dcql.claims_satisfied(processed_claims(presented), query):
        raise openid4vp.RequestError(
            _("The verifier needs claims you chose to keep back from “%(title)s”.")
            % {"title": credential.title or _("Untitled credential")}
        )
    if not query.require_cryptographic_holder_binding:
        return presented
    try:
        return sign_key_binding(
            user=owner,
            presentation=presented,
            audience=request.client_id,
            nonce=request.nonce,
            issued_at=now,
        )
    except ValueError as exc:
        raise openid4vp.RequestError(
            _("“%(title)s” is not bound to a key of yours, so it cannot be proven yours.")
            % {"title": credential.title or _("Untitled credential")}
        ) from exc


def _answer_vcapi(
    owner: User,
    verifier_request: VerifierRequest,
    chosen: dict[str, list[int]],
    now: datetime,
    disclosures: Mapping[str, Mapping[int, Sequence[ClaimPath]]],
) -> Answered:
    exchange = vcapi.Exchange.from_json(verifier_request.request)
    keys = list(dict.fromkeys(k for ks in chosen.values() for k in ks))
    credentials = _owned(owner, keys)
    if len(credentials) != len(keys):
        raise PresentingError(_("Some of the chosen credentials are not in your record."))
    if not keys and not exchange.did_authentication:
        raise PresentingError(_("Tick at least one credential to send."))
    sent = [credentials[k] for k in keys]
    suite = vcapi.presentation_suite(exchange)
    presentation = unsigned_presentation(
        holder=holder_did(user=owner),
        entries=[_vcapi_entry(c, disclosures) for c in sent],
        context=presentation_context(suite),
    )
    signed = sign_presentation(
        user=owner,
        presentation=presentation,
        now=now,
        challenge=exchange.challenge or None,
        domain=exchange.domain or None,
        cryptosuite=suite,
    )
    try:
        result = vcapi.send_presentation(exchange, signed, door=door())
    except vcapi.ExchangeError as exc:
        _finish(verifier_request, VerifierRequest.State.FAILED, now, error=str(exc))
        raise PresentingError(str(exc)) from exc
    return _record_sent(owner, verifier_request, sent, result.redirect_url, now)


def _vcapi_entry(
    credential: Credential, disclosures: Mapping[str, Mapping[int, Sequence[ClaimPath]]]
) -> Entry:
    """The credential as issued, or, from a base proof, the copy derived to reveal what the
    learner left ticked under any query it answers (everything, when they were not asked)."""
    entry = read_entry(credential)
    if entry.sd_jwt is not None:
        # Never offered for an exchange (see _vcapi_consent): whole, it would reveal every claim.
        raise PresentingError(_("An SD-JWT VC cannot be sent in this exchange."))
    base = disclosable.base_proof_document(credential)
    if base is None:
        return entry
    picked = [by_pk[credential.pk] for by_pk in disclosures.values() if credential.pk in by_pk]
    if picked:
        paths = list(dict.fromkeys(tuple(p) for paths in picked for p in paths))
    else:
        paths = [row.path for row in disclosable.ecdsa_sd_rows(base) if row.selective]
    try:
        return replace(entry, document=disclosable.ecdsa_sd_derive(base, paths))
    except ValueError as exc:
        raise PresentingError(str(exc)) from exc


def verifier_request_decline(
    *, owner: User, verifier_request: VerifierRequest, now: datetime
) -> VerifierRequest:
    """The learner says no: the verifier is told (`access_denied`), when it can be."""
    _pending(verifier_request, now)
    if verifier_request.protocol == VerifierRequest.Protocol.OPENID4VP:
        request = openid4vp.AuthorizationRequest.from_json(verifier_request.request)
        try:
            openid4vp.send_authorization_response(
                openid4vp.error_fields("access_denied", request, "The holder declined."),
                request,
                door=door(),
            )
        except openid4vp.RequestError as exc:
            logger.info("declined request %s: verifier not told: %s", verifier_request.pk, exc)
    _finish(verifier_request, VerifierRequest.State.DECLINED, now)
    return verifier_request
