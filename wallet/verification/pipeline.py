"""The verification pipeline: bytes, a URL or a document in, one Report out.

It ties the modules together in the order of docs/standards-notes.md §1: parse -> structure and
contexts -> proof and issuer binding -> refresh -> status -> validity window -> recipient ->
endorsements, then the credentials a CLR or a presentation carries, each with its own report.
Nothing escapes: bad input becomes a failed check, and so does any surprise inside a module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import unquote

from . import budget, canon, checks, schemas, status, structure, urls
from .contexts import load_context
from .errors import MalformedInput, UnsupportedInput, VerificationInputError
from .fetch import FetchError
from .messages import N_, Message, Phrase, message_of
from .options import VerifyOptions
from .parse import classify, credential_from_jwt_payload, parse_input
from .parse.detect import unwrap
from .proofs import dataintegrity, jose, ob2
from .report import Check, Report, Status, Verdict, failed, passed, skipped, warning
from .sdjwt.verify import verify_sd_jwt
from .structure import as_list, iter_endorsements, node_id, types_of
from .wording import verdict_label

# Endorsements can endorse endorsements; past this depth the rest are reported, not verified.
MAX_DEPTH = 4
_JWT_MEDIA = ("application/vc+jwt", "application/vp+jwt", "application/jwt")
_SD_JWT_MEDIA = ("application/dc+sd-jwt", "application/vc+sd-jwt")
# A child that is forged or unreadable taints the bundle; one that is merely revoked or expired
# is reported on its own and leaves the bundle's own proof standing.
_CHILD_INTEGRITY = (Verdict.MALFORMED, Verdict.UNSUPPORTED, Verdict.INVALID_SIGNATURE)


def verify_bytes(data: bytes, *, options: VerifyOptions, media_type: str | None = None) -> Report:
    """Verify a credential as it arrived: JSON, a compact JWS, a baked PNG or SVG, or a URL."""
    report = Report()
    options = _scoped(options)
    return _budgeted(
        report, options, lambda: _verify_bytes(data, options, media_type, report), size=len(data)
    )


def verify_url(url: str, *, options: VerifyOptions) -> Report:
    """Fetch `url` through options.fetcher and verify what it serves (OB 2.0 hosted or OB 3.0)."""
    report = Report(container="url")
    options = _scoped(options)
    return _budgeted(report, options, lambda: _verify_url(url, options, "url", report, 0))


def verify_document(
    document: dict[str, Any], *, options: VerifyOptions, container: str = "json"
) -> Report:
    """Verify an already-decoded JSON credential, presentation or OB 2.0 assertion."""
    report = Report(container=container)
    options = _scoped(options)
    return _budgeted(report, options, lambda: _verify_document(document, options, report, 0))


def _scoped(options: VerifyOptions) -> VerifyOptions:
    """Options whose canon cache lives for this one verification, over the caller's cache.

    The term check and the proof check then share one content hash and one JSON-LD expansion
    of each credential; only content-keyed results reach the caller's cache.
    """
    if isinstance(options.canon_cache, canon.CanonCache):
        return options
    return replace(options, canon_cache=canon.CanonCache(options.canon_cache))


def _budgeted(
    report: Report, options: VerifyOptions, run: Callable[[], Report], size: int = 0
) -> Report:
    """Run one verification under the caller's budget; past it, stop and say why."""
    token = budget.start(options.budget, size=size)
    try:
        return _contained(report, run)
    except budget.BudgetExceeded as exc:
        report.add(
            failed(
                "budget",
                "verify.too_costly",
                N_(
                    "Checking this credential took more computing time than the wallet allows "
                    "for one credential, so it was stopped."
                ),
                Verdict.MALFORMED,
                str(exc),
            )
        )
        return report
    finally:
        budget.stop(token)


def _contained(report: Report, run: Callable[[], Report]) -> Report:
    try:
        return run()
    except VerificationInputError as exc:
        report.add(_input_failure("parse", exc))
    except Exception as exc:  # the public entry points never raise
        report.add(_internal_failure("parse", exc))
    return report


def _input_failure(name: str, exc: VerificationInputError) -> Check:
    implies = Verdict.UNSUPPORTED if isinstance(exc, UnsupportedInput) else Verdict.MALFORMED
    return failed(name, exc.code, message_of(exc), implies, exc.detail)


def _internal_failure(name: str, exc: BaseException) -> Check:
    return failed(
        name,
        "internal.error",
        N_("The wallet could not finish checking this credential."),
        Verdict.MALFORMED,
        f"{type(exc).__name__} during the {name} step",
    )


def _step(report: Report, name: str, run: Callable[[], Iterable[Check] | Check | None]) -> bool:
    """Run one step, adding its checks; turn whatever it raises into a failed check.

    Returns False when the step raised, so callers can skip what depends on it.
    """
    try:
        result = run()
    except VerificationInputError as exc:
        report.add(_input_failure(name, exc))
        return False
    except FetchError as exc:
        report.add(
            failed(
                name,
                f"{name}.unreachable",
                N_("Something the issuer publishes could not be fetched right now."),
                Verdict.ISSUER_UNREACHABLE,
                str(exc),
            )
        )
        return False
    except Exception as exc:  # one module's surprise must not hide the others
        implies = getattr(exc, "implies", None)
        if isinstance(implies, Verdict):
            code = getattr(exc, "code", f"{name}.failed")
            report.add(failed(name, str(code), message_of(exc), implies, type(exc).__name__))
        else:
            report.add(_internal_failure(name, exc))
        return False
    if isinstance(result, Check):
        report.add(result)
    elif result is not None:
        report.add(*result)
    return True


# --- input dispatch -----------------------------------------------------------------------


def _verify_bytes(
    data: bytes, options: VerifyOptions, media_type: str | None, report: Report
) -> Report:
    parsed = parse_input(data, limits=options.limits, media_type=media_type)
    report.container = parsed.container
    if parsed.container == "json" and isinstance(parsed.document, dict):
        cache = options.canon_cache
        if isinstance(cache, canon.CanonCache):
            cache.remember(parsed.document, data)
    if parsed.documents:
        report.format = "bundle"
        _verify_children(list(parsed.documents), options, report, 0, "file")
        return report
    if parsed.document is not None:
        if parsed.url is not None and classify(parsed.document) == "ob2":
            return _verify_ob2(report, options, assertion=parsed.document, url=parsed.url)
        return _verify_document(parsed.document, options, report, 0)
    if parsed.token is not None:
        return _verify_token(parsed.token, options, report, 0)
    if parsed.sd_jwt is not None:
        return _verify_sd_jwt(parsed.sd_jwt, options, report, 0)
    if parsed.url is not None:
        if parsed.container in ("png", "svg"):
            # Legacy OB 1.x/2.0 baking: the image only points at a hosted assertion.
            return _verify_ob2(report, options, url=parsed.url)
        return _verify_url(parsed.url, options, parsed.container, report, 0)
    report.add(
        failed(
            "parse",
            "parse.empty",
            N_("No credential was found in this file."),
            Verdict.MALFORMED,
        )
    )
    return report


def _verify_url(
    url: str, options: VerifyOptions, container: str, report: Report, depth: int
) -> Report:
    report.container = container
    urls.require_web_url(url, field="credential's address")
    try:
        result = options.fetcher.fetch(
            url, accept="application/ld+json, application/json, application/vc+jwt, text/plain"
        )
    except FetchError as exc:
        report.add(
            failed(
                "parse",
                "fetch.unreachable",
                N_("The credential's address could not be reached right now."),
                Verdict.ISSUER_UNREACHABLE,
                str(exc),
            )
        )
        return report
    if result.status == 410:
        # OB 2.0 hosted verification: the issuer withdrew the assertion.
        report.format = "ob2-hosted"
        report.add(
            failed(
                "status",
                "status.revoked",
                N_("The issuer has withdrawn this badge (the address answers 410 Gone)."),
                Verdict.REVOKED,
                f"GET {url} -> 410",
            )
        )
        return report
    if not result.ok:
        implies = Verdict.ISSUER_UNREACHABLE if result.status >= 500 else Verdict.MALFORMED
        report.add(
            failed(
                "parse",
                "fetch.http_error",
                N_("Nothing usable was found at the credential's address."),
                implies,
                f"GET {url} -> HTTP {result.status}",
            )
        )
        return report
    media = result.content_type.split(";")[0].strip().lower() or None
    parsed = parse_input(result.body, limits=options.limits, media_type=media)
    if parsed.token is not None:
        return _verify_token(parsed.token, options, report, depth)
    if parsed.sd_jwt is not None:
        return _verify_sd_jwt(parsed.sd_jwt, options, report, depth)
    if parsed.document is None:
        report.add(
            failed(
                "parse",
                "parse.empty",
                N_("No credential was found at this address."),
                Verdict.MALFORMED,
            )
        )
        return report
    if classify(parsed.document) == "ob2":
        return _verify_ob2(report, options, assertion=parsed.document, url=url)
    return _verify_document(parsed.document, options, report, depth)


def _verify_document(document: Any, options: VerifyOptions, report: Report, depth: int) -> Report:
    if not isinstance(document, dict):
        report.add(
            failed(
                "parse",
                "parse.not_object",
                N_("The credential is not a JSON object."),
                Verdict.MALFORMED,
                f"got {type(document).__name__}",
            )
        )
        return report
    kind = classify(document)
    report.credential = document
    if kind == "ob2":
        return _verify_ob2(report, options, assertion=document)
    if kind == "vp":
        report.format = "vp"
        return _verify_presentation(document, options, report, depth)
    if kind in ("ob3", "clr2", "endorsement", "vc"):
        report.format = structure.claimed_kind(document, kind)
        return _verify_credential(document, options, report, depth, via_jwt=False)
    wrapped = unwrap(document, limits=options.limits)
    if wrapped is not None:
        report.credential = None
        if wrapped.documents:
            report.format = "bundle"
            _verify_children(list(wrapped.documents), options, report, depth, "file")
            return report
        if wrapped.sd_jwt is not None:
            return _verify_sd_jwt(wrapped.sd_jwt, options, report, depth)
        if wrapped.token is not None:
            return _verify_token(wrapped.token, options, report, depth)
        return _verify_document(wrapped.document, options, report, depth)
    report.add(
        failed(
            "structure",
            "structure.unrecognised",
            N_("This is not a credential this wallet recognises."),
            Verdict.MALFORMED,
            f"type: {document.get('type')!r}, @context: {str(document.get('@context'))[:200]}",
        )
    )
    return report


def _verify_token(token: str, options: VerifyOptions, report: Report, depth: int) -> Report:
    report.jwt = token
    jws = jose.decode_compact(token)
    payload = jws.payload_json()
    if not isinstance(payload, dict):
        raise MalformedInput(
            N_("The token's payload is not a JSON object."), code="jwt.payload_invalid"
        )
    if isinstance(payload.get("vp"), dict) or classify(payload) == "vp":
        return _verify_jwt_presentation(token, payload, options, report, depth)
    if classify(credential_from_jwt_payload(payload)) == "ob2":
        return _verify_ob2(report, options, token=token)
    credential: dict[str, Any] | None = None

    def run() -> list[Check]:
        nonlocal credential
        credential, found = jose.verify_decoded_credential(jws, payload, options=options)
        return found

    _step(report, "proof", run)
    if credential is None:
        return report
    report.credential = credential
    kind = classify(credential)
    report.format = structure.claimed_kind(
        credential, kind if kind in ("ob3", "clr2", "endorsement") else "vc"
    )
    return _verify_credential(credential, options, report, depth, via_jwt=True)


def _verify_sd_jwt(text: str, options: VerifyOptions, report: Report, depth: int) -> Report:
    """An SD-JWT VC (sdjwt.verify); a W3C credential it secures is then checked as one."""
    report.jwt = text
    if report.container not in ("json", "png", "svg", "url"):
        report.container = "sd-jwt"
    result = verify_sd_jwt(text, options=options)
    report.format = result.format
    report.credential = result.claims
    report.extras = {"sd_jwt": result.extras()}
    report.add(*result.checks)
    if result.vcdm and result.claims is not None:
        report.format = structure.claimed_kind(result.claims, result.format)
        return _verify_credential(result.claims, options, report, depth, via_jwt=True)
    return report


# --- credentials -------------------------------------------------------------------------


def _verify_credential(
    document: dict[str, Any], options: VerifyOptions, report: Report, depth: int, *, via_jwt: bool
) -> Report:
    kind = report.format
    report.add(*_structure_checks(document, kind, options.canon_cache))
    _step(
        report,
        "schema",
        lambda: schemas.check_credential_schemas(
            document, fetcher=options.fetcher, cache=options.schema_cache, limits=options.limits
        ),
    )
    _check_jsonld(document, report, options.canon_cache)
    issuer_id = node_id(document.get("issuer"))
    if not via_jwt or document.get("proof") is not None:
        _check_embedded_proofs(document, options, report, issuer_id, "assertionMethod")
    _check_refresh(document, report)
    _step(report, "status", lambda: status.check_status(document, options=options))
    _step(report, "validity", lambda: checks.check_validity(document, now=options.now))
    if options.recipient_identifiers:
        _step(
            report,
            "recipient",
            lambda: checks.check_recipient(document, identifiers=options.recipient_identifiers),
        )
    _verify_endorsements(document, options, report, depth)
    if kind == "clr2":
        entries: list[Any] = []
        for subject in as_list(document.get("credentialSubject")):
            if isinstance(subject, dict):
                entries += as_list(subject.get("verifiableCredential"))
        _verify_children(entries, options, report, depth, "CLR")
    return report


def _structure_checks(
    document: dict[str, Any], kind: str, cache: MutableMapping[str, str] | None
) -> list[Check]:
    """structure.check_credential; that a document is well formed with nothing to remark is
    remembered by its content key, when the verification has one already (read from bytes)."""
    key = cache.known_key(document) if isinstance(cache, canon.CanonCache) else None
    if cache is None or key is None:
        return structure.check_credential(document, kind)
    memo = f"well-formed:{kind}:{key}"
    if memo in cache:
        return [structure.WELL_FORMED]
    checks = structure.check_credential(document, kind)
    if checks == [structure.WELL_FORMED]:
        cache[memo] = "ok"
    return checks


def _check_jsonld(
    document: dict[str, Any], report: Report, cache: MutableMapping[str, str] | None
) -> None:
    """Every context must be vendored, and every term must map to an IRI (else it is unsigned)."""
    unknown = False
    for entry in structure.context_list(document):
        if isinstance(entry, str):
            if not _step(report, "context", partial(_known_context, entry)):
                unknown = True
    if unknown:
        return
    if _step(report, "context", lambda: _check_terms(document, cache)):
        report.add(
            passed(
                "context",
                "context.terms_defined",
                N_("Every property of the credential is defined by its contexts."),
            )
        )


def _check_terms(document: dict[str, Any], cache: MutableMapping[str, str] | None) -> None:
    canon.check_no_dropped_terms(document, cache=cache)


def _known_context(url: str) -> None:
    load_context(url)


def _check_embedded_proofs(
    document: dict[str, Any],
    options: VerifyOptions,
    report: Report,
    controller: str | None,
    purpose: str,
    *,
    challenge: str | None = None,
    domain: str | None = None,
) -> None:
    if not as_list(document.get("proof")):
        report.add(
            failed(
                "proof",
                "proof.missing",
                N_("The credential carries no signature, so nothing proves who issued it."),
                Verdict.MALFORMED,
                "no proof property and not a JWT",
            )
        )
        return
    _step(
        report,
        "proof",
        lambda: _any_supported_proof(
            dataintegrity.verify_proofs(
                document,
                options=options,
                purpose=purpose,
                issuer_id=controller,
                challenge=challenge,
                domain=domain,
            )
        ),
    )


def _any_supported_proof(found: list[Check]) -> list[Check]:
    """OB 3.0: a verifier MAY use any one proof. One we cannot read beside one that verifies
    is a warning; a proof that fails outright still fails."""
    verified = any(c.code == "proof.signature_valid" and c.status is Status.PASS for c in found)
    other = [c for c in found if c.status is Status.FAIL and c.implies is not Verdict.UNSUPPORTED]
    if not verified or other:
        return found
    return [
        warning("proof", c.code, c.message, c.detail)
        if c.status is Status.FAIL and c.implies is Verdict.UNSUPPORTED
        else c
        for c in found
    ]


def _check_refresh(document: dict[str, Any], report: Report) -> None:
    service = document.get("refreshService")
    if not service:
        return
    # A refresh replaces what the learner imported; the app asks for it, the verifier never does.
    where = service.get("id") if isinstance(service, dict) else service
    report.add(
        skipped(
            "refresh",
            "refresh.not_attempted",
            N_("The issuer offers a newer version of this credential; it was not fetched."),
            f"refreshService {where!r}",
        )
    )


def _verify_endorsements(
    document: dict[str, Any], options: VerifyOptions, report: Report, depth: int
) -> None:
    for container, value in _endorsements_of(document, options.canon_cache):
        budget.checkpoint()
        child = Report(container=container)
        if depth + 1 > MAX_DEPTH:
            report.add(
                skipped(
                    "endorsement",
                    "endorsement.too_deep",
                    N_("An endorsement nested too deeply was not checked."),
                )
            )
            continue
        if container == "jwt" and isinstance(value, str):
            _contained(child, partial(_verify_token, value, options, child, depth + 1))
        else:
            _contained(child, partial(_verify_document, value, options, child, depth + 1))
        report.endorsements.append(child)
        verdict = child.verdict
        if verdict.is_ok:
            report.add(
                passed(
                    "endorsement",
                    "endorsement.verified",
                    N_("An endorsement of this credential verifies."),
                )
            )
        else:
            # An endorsement is someone else's opinion: a bad one is worth a warning, no more.
            report.add(
                warning(
                    "endorsement",
                    "endorsement.failed",
                    N_("An endorsement attached to this credential does not verify."),
                    f"endorsement verdict: {verdict}",
                )
            )


def _endorsements_of(
    document: dict[str, Any], cache: MutableMapping[str, str] | None
) -> list[tuple[str, Any]]:
    """iter_endorsements(document); that a document carries none is remembered by its content
    key, when the verification has one already (a document read from bytes), so that
    re-verifying it skips the walk over every value."""
    key = cache.known_key(document) if isinstance(cache, canon.CanonCache) else None
    if cache is None or key is None:
        return list(iter_endorsements(document))
    memo = f"no-endorsements:{key}"
    if memo in cache:
        return []
    found = list(iter_endorsements(document))
    if not found:
        cache[memo] = "none"
    return found


def _verify_children(
    entries: list[Any], options: VerifyOptions, report: Report, depth: int, what: str
) -> None:
    limit = options.limits.max_nested_credentials
    if len(entries) > limit:
        report.add(
            failed(
                "nested",
                "nested.too_many",
                _TOO_MANY_CHILDREN[what],
                Verdict.MALFORMED,
                f"{len(entries)} > {limit}",
            )
        )
        return
    for index, entry in enumerate(entries):
        budget.checkpoint()
        child = _verify_child(entry, options, depth)
        report.children.append(child)
        _judge_child(report, child, index, what)


def _verify_child(entry: Any, options: VerifyOptions, depth: int) -> Report:
    if isinstance(entry, str):
        return _verify_child_token(entry, options, depth)
    if isinstance(entry, dict) and "EnvelopedVerifiableCredential" in types_of(entry):
        child = Report(container="jwt")
        return _contained(
            child, lambda: _verify_child_token(_enveloped_token(entry), options, depth, child)
        )
    child = Report(container="json")
    return _contained(child, lambda: _verify_document(entry, options, child, depth + 1))


def _verify_child_token(
    token: str, options: VerifyOptions, depth: int, child: Report | None = None
) -> Report:
    sd_jwt = "~" in token
    child = child or Report(container="sd-jwt" if sd_jwt else "jwt")
    if sd_jwt:
        child.container = "sd-jwt"
        return _contained(child, lambda: _verify_sd_jwt(token.strip(), options, child, depth + 1))
    return _contained(child, lambda: _verify_token(token, options, child, depth + 1))


def _enveloped_token(entry: dict[str, Any]) -> str:
    value = entry.get("id")
    if not isinstance(value, str) or not value.startswith("data:"):
        raise MalformedInput(
            N_("An enveloped credential does not carry its token in a data: URL."),
            code="structure.envelope_invalid",
        )
    media, _, body = value[len("data:") :].partition(",")
    if media.split(";")[0] not in _JWT_MEDIA + _SD_JWT_MEDIA:
        raise UnsupportedInput(
            Message(
                "An enveloped credential of type %(media)s is not supported.", media=repr(media)
            ),
            code="structure.envelope_unsupported",
        )
    return unquote(body)


# Where a nested credential sits, in a sentence of its own per container (the words around
# "CLR" and "presentation" agree with them differently in other languages).
_CHILD_NAMES: dict[str, tuple[str, str]] = {
    "CLR": (
        N_("Credential %(number)s in this CLR"),
        N_("Credential %(number)s in this CLR (“%(name)s”)"),
    ),
    "presentation": (
        N_("Credential %(number)s in this presentation"),
        N_("Credential %(number)s in this presentation (“%(name)s”)"),
    ),
    "file": (
        N_("Credential %(number)s in this file"),
        N_("Credential %(number)s in this file (“%(name)s”)"),
    ),
}
_TOO_MANY_CHILDREN: dict[str, str] = {
    "CLR": N_("This CLR holds more credentials than the wallet will check."),
    "presentation": N_("This presentation holds more credentials than the wallet will check."),
    "file": N_("This file holds more credentials than the wallet will check."),
}


def _child_name(child: Report, index: int, what: str) -> Message:
    """'Credential 2 in this CLR ("Databases")': where it sits, and what it is called."""
    subject = child.credential.get("credentialSubject") if child.credential else None
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = achievement.get("name") if isinstance(achievement, dict) else None
    if not isinstance(name, str) and child.credential:
        name = child.credential.get("name")
    plain, named = _CHILD_NAMES[what]
    if isinstance(name, str) and name.strip():
        return Message(named, number=index + 1, name=name.strip()[:120])
    return Message(plain, number=index + 1)


def _judge_child(report: Report, child: Report, index: int, what: str) -> None:
    verdict = child.verdict
    who = _child_name(child, index, what)
    phrase = Phrase(verdict_label(verdict))
    if verdict.is_ok:
        report.add(
            passed(
                "nested", "nested.credential_verified", Message(N_("%(who)s verifies."), who=who)
            )
        )
    elif verdict in _CHILD_INTEGRITY:
        report.add(
            failed(
                "nested",
                "nested.credential_failed",
                Message(N_("%(who)s does not verify: %(verdict)s."), who=who, verdict=phrase),
                verdict,
                f"verifiableCredential[{index}] verdict: {verdict}",
            )
        )
    else:
        report.add(
            warning(
                "nested",
                "nested.credential_not_current",
                Message(N_("%(who)s: %(verdict)s."), who=who, verdict=phrase),
                f"verifiableCredential[{index}] verdict: {verdict}",
            )
        )


# --- presentations -----------------------------------------------------------------------


def _verify_presentation(
    document: dict[str, Any], options: VerifyOptions, report: Report, depth: int
) -> Report:
    report.add(*structure.check_presentation(document))
    _check_jsonld(document, report, options.canon_cache)
    holder = node_id(document.get("holder"))
    if not as_list(document.get("proof")):
        _unproven_presentation(report, options)
    else:
        if holder is None:
            report.add(
                warning(
                    "key",
                    "key.holder_missing",
                    N_(
                        "The presentation does not name its holder, so the signer is not tied "
                        "to one."
                    ),
                )
            )
        _check_embedded_proofs(
            document,
            options,
            report,
            holder,
            "authentication",
            challenge=options.challenge,
            domain=options.domain,
        )
    _verify_children(
        as_list(document.get("verifiableCredential")),
        replace(options, inside_presentation=True),
        report,
        depth,
        "presentation",
    )
    return report


def _unproven_presentation(report: Report, options: VerifyOptions) -> None:
    if options.challenge or options.domain:
        report.add(
            failed(
                "proof",
                "proof.missing",
                N_("The presentation is not signed by its holder, but a signed one was requested."),
                Verdict.INVALID_SIGNATURE,
            )
        )
    else:
        report.add(
            warning(
                "proof",
                "proof.holder_unsigned",
                N_(
                    "The presentation is not signed by its holder; only its credentials are "
                    "checked."
                ),
            )
        )


_JWT_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce"})


def _verify_jwt_presentation(
    token: str, payload: dict[str, Any], options: VerifyOptions, report: Report, depth: int
) -> Report:
    """A JWT presentation signed by its holder: the `vp` claim holds it (VC 1.1), or the payload
    is the presentation itself (VC-JOSE-COSE), beside the JWT's own claims."""
    report.format = "vp"
    if isinstance(payload.get("vp"), dict):
        presentation = dict(payload["vp"])
    else:
        presentation = {k: v for k, v in payload.items() if k not in _JWT_CLAIMS}
    issuer = payload.get("iss")
    if isinstance(issuer, str) and "holder" not in presentation:
        presentation["holder"] = issuer
    report.credential = presentation
    _step(report, "proof", lambda: jose.verify_jwt_credential(token, options=options)[1])
    for name, expected in (("nonce", options.challenge), ("aud", options.domain)):
        if expected is None:
            continue
        found = payload.get(name)
        if found != expected and expected not in as_list(found):
            report.add(
                failed(
                    "proof",
                    f"proof.{'challenge' if name == 'nonce' else 'domain'}_mismatch",
                    N_("The presentation was not made for this request."),
                    Verdict.INVALID_SIGNATURE,
                    f"{name} {found!r} != expected {expected!r}",
                )
            )
    expires = payload.get("exp")
    if isinstance(expires, int | float) and expires <= options.now.timestamp():
        report.add(
            failed(
                "proof",
                "proof.presentation_expired",
                N_("This presentation has expired; ask the holder for a fresh one."),
                Verdict.EXPIRED,
                f"exp {expires} is before {options.now.isoformat()}",
            )
        )
    report.add(*structure.check_presentation(presentation))
    _verify_children(
        as_list(presentation.get("verifiableCredential")),
        replace(options, inside_presentation=True),
        report,
        depth,
        "presentation",
    )
    return report


# --- Open Badges 2.0 ---------------------------------------------------------------------


def _verify_ob2(
    report: Report,
    options: VerifyOptions,
    *,
    assertion: dict[str, Any] | None = None,
    token: str | None = None,
    url: str | None = None,
) -> Report:
    report.format = "ob2-signed" if token is not None or _is_signed(assertion) else "ob2-hosted"
    if token is not None:
        report.jwt = token
    result: Any = None

    def run() -> list[Check]:
        nonlocal result
        result = ob2.verify_ob2(assertion=assertion, token=token, url=url, options=options)
        return list(result.checks)

    _step(report, "proof", run)
    if result is not None:
        report.credential = result.assertion or assertion
        report.extras = {"badge": result.badge, "issuer": result.issuer}
        parts = {"assertion": result.assertion, "badge": result.badge, "issuer": result.issuer}
        _step(
            report,
            "schema",
            lambda: schemas.check_ob2_extensions(
                parts, fetcher=options.fetcher, cache=options.schema_cache, limits=options.limits
            ),
        )
        if _is_signed(result.assertion):
            report.format = "ob2-signed"
    return report


def _is_signed(assertion: dict[str, Any] | None) -> bool:
    if not isinstance(assertion, dict):
        return False
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    return str(kind).lower() in ("signed", "signedbadge")
