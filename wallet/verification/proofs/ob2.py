"""Open Badges 2.0: hosted and signed assertions (docs/standards-notes.md §3).

Hosted: the issuer vouches for an assertion by serving it at its `id`, inside the
verification scope its Profile declares; 410 Gone or `revoked: true` means revoked. Signed:
a compact JWS whose key is named by `verification.creator` and listed in the issuer's
`publicKey`; revocation is the issuer's `revocationList`. Both load the BadgeClass and the
issuer Profile, embedded or by URL, and check the validity window and the recipient.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .. import budget, urls
from ..checks import as_list, check_recipient, check_validity, parse_datetime
from ..errors import MalformedInput, UnsupportedInput
from ..fetch import FetchError
from ..messages import N_, Message, message_of
from ..options import VerifyOptions
from ..report import Check, Verdict, failed, passed, skipped, warning
from .jose import ALLOWED_ALGS, decode_compact, verify_compact_jws

OB2_CONTEXTS = frozenset(
    {
        "https://w3id.org/openbadges/v2",
        "http://w3id.org/openbadges/v2",
        "https://openbadgespec.org/v2/context.json",
    }
)
ACCEPT = "application/ld+json, application/json"
_HOSTED = {"hosted", "hostedbadge"}
_SIGNED = {"signed", "signedbadge"}
_OB2_NS = "https://w3id.org/openbadges#"


@dataclass
class Ob2Result:
    assertion: dict[str, Any] | None = None
    badge: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)


# What fetch_node's check names stand for, for a person.
_NODE_NAMES = {
    "key": N_("signing key"),
    "status": N_("revocation list"),
    "structure": N_("badge data"),
}


class _Stop(Exception):
    """Ends verification early: the failing check is already recorded."""


def verify_ob2(
    *,
    assertion: dict[str, Any] | None = None,
    token: str | None = None,
    url: str | None = None,
    options: VerifyOptions,
) -> Ob2Result:
    """Verify an OB 2.0 assertion given as JSON, as a signed JWS, or by its hosted URL."""
    result = Ob2Result()
    run = _Run(result, options)
    try:
        if token is not None:
            run.signed(token)
        else:
            run.hosted(assertion, url)
    except _Stop:
        pass  # a check already recorded why verification cannot go on
    except MalformedInput as exc:
        result.checks.append(_malformed(exc.code, message_of(exc), exc.detail))
    except UnsupportedInput as exc:
        result.checks.append(
            failed("proof", exc.code, message_of(exc), Verdict.UNSUPPORTED, exc.detail)
        )
    return result


class _Run:
    def __init__(self, result: Ob2Result, options: VerifyOptions) -> None:
        self.result = result
        self.options = options
        self.issuer_url: str | None = None

    # --- recording ---

    def add(self, *checks: Check) -> None:
        self.result.checks.extend(checks)

    def stop(self, check: Check) -> NoReturn:
        self.add(check)
        raise _Stop

    # --- hosted ---

    def hosted(self, given: dict[str, Any] | None, url: str | None) -> None:
        if given is None and url is None:
            self.stop(_malformed("ob2.empty", N_("No Open Badges 2.0 assertion was given.")))
        if given is not None:
            self.check_assertion(given, record=False)
            kind = _verification_type(given)
            if kind in _SIGNED:
                self.stop(
                    failed(
                        "proof",
                        "ob2.signature_missing",
                        N_("This badge says it is signed, but its signature is not included."),
                        Verdict.INVALID_SIGNATURE,
                    )
                )
        hosted_url = given.get("id") if given is not None else url
        if not isinstance(hosted_url, str) or not urls.is_web_url(hosted_url):
            self.stop(
                _malformed(
                    "ob2.hosted_id",
                    N_("A hosted badge's id must be the web address where the issuer hosts it."),
                    repr(hosted_url)[:300],
                )
            )
        fetched = self.fetch_hosted(hosted_url, in_hand=given is not None)
        self.check_assertion(fetched)
        if fetched.get("id") != hosted_url:
            self.add(
                warning(
                    "proof",
                    "ob2.hosted_id_mismatch",
                    N_("The badge found at this address gives a different address as its own."),
                    f"fetched {hosted_url}, id {fetched.get('id')!r}",
                )
            )
        if given is not None:
            self.compare(given, fetched)
        self.result.assertion = fetched
        issuer = self.load_badge_and_issuer(fetched)
        self.check_scope(hosted_url, issuer)
        if hosted_url.lower().startswith("http:"):
            self.add(
                warning(
                    "proof",
                    "ob2.insecure_http",
                    N_(
                        "The issuer hosts this badge over plain HTTP, which can be tampered with "
                        "in transit."
                    ),
                    hosted_url,
                )
            )
        self.finish(fetched)

    def fetch_hosted(self, url: str, *, in_hand: bool) -> dict[str, Any]:
        try:
            response = self.options.fetcher.fetch(url, accept=ACCEPT)
        except FetchError as exc:
            self.stop(
                failed(
                    "proof",
                    "ob2.hosted_unreachable",
                    N_("The issuer's copy of this badge could not be reached."),
                    Verdict.ISSUER_UNREACHABLE,
                    f"{url}: {exc}",
                )
            )
        if response.status == 410:
            self.stop(
                failed(
                    "status",
                    "status.revoked",
                    N_("The issuer has revoked this badge (its page is gone)."),
                    Verdict.REVOKED,
                    f"{url}: HTTP 410",
                )
            )
        if not response.ok and not in_hand:
            # Only an address was given, and nothing is there: there is no badge to verify.
            self.stop(
                _malformed(
                    "ob2.not_found",
                    N_("No badge was found at this address."),
                    f"{url}: HTTP {response.status}",
                )
            )
        if not response.ok:
            self.stop(
                failed(
                    "proof",
                    "ob2.hosted_unavailable",
                    N_("The issuer no longer serves this badge at its address."),
                    Verdict.ISSUER_UNREACHABLE,
                    f"{url}: HTTP {response.status}",
                )
            )
        document = _json_object(response.body, "ob2.hosted_malformed", Message("The hosted badge"))
        if document.get("revoked") is True:
            self.stop(_revoked(document.get("revocationReason"), url))
        return document

    def compare(self, given: dict[str, Any], fetched: dict[str, Any]) -> None:
        differences = [
            name
            for name, read in _COMPARED.items()
            if read(given) is not None and read(given) != read(fetched)
        ]
        if differences:
            self.add(
                failed(
                    "proof",
                    "ob2.hosted_mismatch",
                    N_("This copy of the badge differs from the one the issuer hosts."),
                    Verdict.INVALID_SIGNATURE,
                    "differs in: " + ", ".join(differences),
                )
            )
        else:
            self.add(
                passed(
                    "proof",
                    "ob2.hosted_match",
                    N_("The issuer hosts this badge at its address."),
                )
            )

    def check_scope(self, hosted_url: str, issuer: dict[str, Any]) -> None:
        """The assertion must live where the issuer says its badges live."""
        policy = issuer.get("verification")
        policy = policy if isinstance(policy, dict) else {}
        issuer_id = issuer.get("id", "")
        if isinstance(issuer_id, str) and issuer_id and urls.split(issuer_id) is None:
            self.stop(
                _malformed(
                    "ob2.issuer_id",
                    N_("The issuer's id is not a valid web address."),
                    repr(issuer_id)[:300],
                )
            )
        issuer_host = urls.hostname(str(issuer_id))
        origins = [o.lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
        prefixes = [p for p in as_list(policy.get("startsWith")) if isinstance(p, str)]
        host = urls.hostname(hosted_url).lower()
        allowed_hosts = origins or ([issuer_host.lower()] if issuer_host else [])
        problem = ""
        if prefixes and not any(hosted_url.startswith(p) for p in prefixes):
            problem = f"{hosted_url} starts with none of {prefixes}"
        elif not prefixes and host not in allowed_hosts:
            problem = f"host {host!r} not in {allowed_hosts}"
        elif prefixes and origins and host not in origins:
            problem = f"host {host!r} not in allowedOrigins {origins}"
        if problem:
            self.stop(
                failed(
                    "proof",
                    "ob2.outside_issuer_scope",
                    N_("The badge is hosted at an address its issuer does not vouch for."),
                    Verdict.INVALID_SIGNATURE,
                    problem,
                )
            )
        self.add(
            passed(
                "proof",
                "ob2.hosted_in_scope",
                N_("The badge is hosted where its issuer says its badges are hosted."),
                hosted_url,
            )
        )

    # --- signed ---

    def signed(self, token: str) -> None:
        jws = decode_compact(token)
        if jws.alg not in ALLOWED_ALGS:
            # Refused before anything is fetched: no key can make such a token trustworthy.
            raise UnsupportedInput(
                Message(
                    "The badge is signed with '%(value)s', which this wallet does not accept.",
                    value=jws.alg or "none",
                ),
                code="proof.alg_refused",
            )
        payload = jws.payload_json()
        if not isinstance(payload, dict):
            self.stop(_malformed("ob2.payload", N_("The signed badge's content is not an object.")))
        self.result.assertion = payload
        self.check_assertion(payload)
        issuer = self.load_badge_and_issuer(payload)
        key_url, pem = self.signing_key(payload, issuer)
        try:
            key = load_pem_public_key(pem.encode())
        except (ValueError, TypeError, UnsupportedInput) as exc:
            self.stop(
                failed(
                    "key",
                    "key.malformed",
                    N_("The issuer's signing key cannot be read."),
                    Verdict.MALFORMED,
                    f"{key_url}: {exc}",
                )
            )
        if not verify_compact_jws(jws, key):
            self.stop(
                failed(
                    "proof",
                    "proof.signature_invalid",
                    N_(
                        "The badge's signature does not match its content: it may have been "
                        "altered or forged."
                    ),
                    Verdict.INVALID_SIGNATURE,
                    f"{jws.alg} with {key_url}",
                )
            )
        self.add(
            passed(
                "proof", "proof.ok", N_("The issuer's signature is valid."), f"{jws.alg}, {key_url}"
            )
        )
        self.check_revocation_list(payload, issuer)
        self.finish(payload)

    def signing_key(self, assertion: dict[str, Any], issuer: dict[str, Any]) -> tuple[str, str]:
        verification = assertion.get("verification")
        creator = verification.get("creator") if isinstance(verification, dict) else None
        listed = [k for k in map(_node_id, as_list(issuer.get("publicKey"))) if k]
        candidates = [creator] if isinstance(creator, str) else listed
        if not candidates:
            self.stop(
                failed(
                    "key",
                    "key.not_listed",
                    N_("The issuer publishes no key that could have signed this badge."),
                    Verdict.INVALID_SIGNATURE,
                )
            )
        key_url = candidates[0]
        if key_url not in listed:
            self.stop(
                failed(
                    "key",
                    "key.not_listed",
                    N_("The badge was signed with a key its issuer does not list as its own."),
                    Verdict.INVALID_SIGNATURE,
                    f"{key_url} not in issuer publicKey {listed}",
                )
            )
        embedded = next(
            (
                k
                for k in as_list(issuer.get("publicKey"))
                if isinstance(k, dict) and k.get("id") == key_url
            ),
            None,
        )
        key_doc = (
            embedded if embedded and "publicKeyPem" in embedded else self.fetch_node(key_url, "key")
        )
        owner = key_doc.get("owner")
        issuer_ids = {issuer.get("id"), self.issuer_url}
        if owner is not None and owner not in issuer_ids:
            self.stop(
                failed(
                    "key",
                    "key.controller_mismatch",
                    N_("The signing key belongs to someone other than the badge's issuer."),
                    Verdict.INVALID_SIGNATURE,
                    f"key owner {owner!r}, issuer {issuer.get('id')!r}",
                )
            )
        pem = key_doc.get("publicKeyPem")
        if not isinstance(pem, str):
            self.stop(
                failed(
                    "key",
                    "key.malformed",
                    N_("The issuer's signing key has no public key."),
                    Verdict.MALFORMED,
                    key_url,
                )
            )
        self.add(
            passed("key", "key.listed", N_("The signing key is listed by the issuer."), key_url)
        )
        return key_url, pem

    def check_revocation_list(self, assertion: dict[str, Any], issuer: dict[str, Any]) -> None:
        reference = issuer.get("revocationList")
        if reference is None:
            self.add(
                skipped("status", "status.none", N_("The issuer publishes no revocation list."))
            )
            return
        document = (
            reference if isinstance(reference, dict) and "revokedAssertions" in reference else None
        )
        if document is None:
            list_url = _node_id(reference)
            if not list_url:
                self.stop(
                    _malformed("status.malformed", N_("The issuer's revocationList is not a URL."))
                )
            document = self.fetch_node(list_url, "status")
        ids = {assertion.get("id"), assertion.get("uid")} - {None}
        for entry in as_list(document.get("revokedAssertions")):
            entry_ids: set[Any] = {entry} if isinstance(entry, str) else set()
            if isinstance(entry, dict):
                entry_ids = {entry.get("id"), entry.get("uid")} - {None}
            if entry_ids & ids:
                reason = entry.get("revocationReason") if isinstance(entry, dict) else None
                where = reference if isinstance(reference, str) else "revocationList"
                self.stop(_revoked(reason, where))
        self.add(passed("status", "status.clear", N_("The issuer has not revoked this badge.")))

    # --- shared ---

    def finish(self, assertion: dict[str, Any]) -> None:
        self.add(*check_validity(assertion, now=self.options.now))
        self.add(check_recipient(assertion, identifiers=self.options.recipient_identifiers))

    def load_badge_and_issuer(self, assertion: dict[str, Any]) -> dict[str, Any]:
        """Load (and check) the BadgeClass, then its issuer; returns the issuer."""
        badge = self.load_node(assertion.get("badge"), Message("badge"), "badge")
        self.result.badge = badge
        self.check_badge(badge)
        issuer_ref = badge.get("issuer")
        issuer = self.load_node(issuer_ref, Message("issuer"), "issuer")
        self.issuer_url = issuer_ref if isinstance(issuer_ref, str) else None
        self.result.issuer = issuer
        self.check_issuer(issuer)
        return issuer

    def load_node(self, reference: Any, what: str, name: str) -> dict[str, Any]:
        if isinstance(reference, dict) and (reference.get("name") or not reference.get("id")):
            return reference
        if isinstance(reference, dict):
            # A bare {"id": ...} only points at the document; it describes nothing itself.
            reference = reference["id"]
        if not isinstance(reference, str) or not reference.lower().startswith(("http:", "https:")):
            self.stop(
                _malformed(
                    f"ob2.{name}_missing", Message("The badge's %(what)s is not given.", what=what)
                )
            )
        if not urls.is_web_url(reference):
            self.stop(
                _malformed(
                    f"ob2.{name}_invalid",
                    Message(
                        "The address of the badge's %(what)s is not a valid web address.", what=what
                    ),
                    repr(reference)[:300],
                )
            )
        node = self.fetch_node(reference, "structure")
        if node.get("id") != reference:
            self.add(
                warning(
                    "structure",
                    f"ob2.{name}_id_mismatch",
                    Message(
                        "The %(what)s was found at a different address than its own id.", what=what
                    ),
                    f"fetched {reference}, id {node.get('id')!r}",
                )
            )
        return node

    def fetch_node(self, url: str, check_name: str) -> dict[str, Any]:
        budget.checkpoint()
        if not urls.is_web_url(url):
            self.stop(
                _malformed(
                    "url.invalid",
                    Message(
                        "The address of the issuer's %(what)s is not a valid web address.",
                        what=Message(_NODE_NAMES.get(check_name, check_name)),
                    ),
                    url,
                )
            )
        try:
            response = self.options.fetcher.fetch(url, accept=ACCEPT)
        except FetchError as exc:
            self.stop(_unreachable(check_name, url, str(exc)))
        if not response.ok:
            self.stop(_unreachable(check_name, url, f"HTTP {response.status}"))
        return _json_object(
            response.body,
            f"ob2.{check_name}_malformed",
            Message("The document at %(url)s", url=url),
        )

    def check_assertion(self, assertion: dict[str, Any], *, record: bool = True) -> None:
        if not isinstance(assertion, dict):
            self.stop(_malformed("ob2.structure", N_("The assertion is not a JSON object.")))
        if "verify" in assertion and "@context" not in assertion:
            self.stop(
                failed(
                    "structure",
                    "ob2.legacy_version",
                    N_("This is an Open Badges 1.x badge, which this wallet does not verify."),
                    Verdict.UNSUPPORTED,
                )
            )
        contexts = [c for c in as_list(assertion.get("@context")) if isinstance(c, str)]
        if not OB2_CONTEXTS & set(contexts):
            self.stop(
                failed(
                    "context",
                    "ob2.context",
                    N_("This is not an Open Badges 2.0 assertion: its @context is wrong."),
                    Verdict.MALFORMED,
                    f"@context {assertion.get('@context')!r}",
                )
            )
        if not _has_type(assertion, "Assertion"):
            self.stop(
                _malformed(
                    "ob2.type",
                    N_("This is not an Open Badges 2.0 assertion: its type is not Assertion."),
                    f"type {assertion.get('type')!r}",
                )
            )
        problems = _missing(assertion, ("id", "recipient", "badge", "verification", "issuedOn"))
        recipient = assertion.get("recipient")
        if isinstance(recipient, dict) and not isinstance(recipient.get("identity"), str):
            problems.append("recipient.identity")
        elif recipient is not None and not isinstance(recipient, dict):
            problems.append("recipient (not an object)")
        kind = _verification_type(assertion)
        if assertion.get("verification") is not None and kind not in _HOSTED | _SIGNED:
            problems.append(f"verification.type ({kind or 'missing'})")
        if problems:
            self.stop(
                _malformed(
                    "ob2.structure",
                    "The assertion is missing required information: " + ", ".join(problems) + ".",
                )
            )
        image = _node_id(assertion.get("image"))
        if image and image.startswith("data:"):
            # An assertion's image is the baked badge, published at a URL; a data URI is refused.
            self.stop(
                _malformed(
                    "ob2.assertion_image",
                    N_("The assertion's image must be a web address, not embedded data."),
                )
            )
        if record:
            self.add(passed("structure", "ob2.assertion_ok", N_("The assertion is well formed.")))

    def check_badge(self, badge: dict[str, Any]) -> None:
        problems = _missing(badge, ("name", "description", "image", "criteria", "issuer"))
        if not _has_type(badge, "BadgeClass"):
            problems.insert(0, f"type BadgeClass (got {badge.get('type')!r})")
        if problems:
            self.stop(
                _malformed(
                    "ob2.badge_structure",
                    "The badge description is missing required information: "
                    + ", ".join(problems)
                    + ".",
                )
            )

    def check_issuer(self, issuer: dict[str, Any]) -> None:
        problems = _missing(issuer, ("id", "name"))
        if not (_has_type(issuer, "Issuer") or _has_type(issuer, "Profile")):
            problems.insert(0, f"type Issuer or Profile (got {issuer.get('type')!r})")
        if problems:
            self.stop(
                _malformed(
                    "ob2.issuer_structure",
                    "The issuer's profile is missing required information: "
                    + ", ".join(problems)
                    + ".",
                )
            )
        if not issuer.get("url"):
            self.add(
                warning(
                    "structure",
                    "ob2.issuer_url_missing",
                    N_("The issuer's profile does not give its web address."),
                )
            )
        issuer_id = issuer.get("id")
        if isinstance(issuer_id, str) and not issuer_id.lower().startswith(("http:", "https:")):
            # 1EdTech's validator only warns: a urn: or did: id still names the issuer.
            self.add(
                warning(
                    "structure",
                    "ob2.issuer_id_not_http",
                    N_(
                        "The issuer's id is not a web address, as Open Badges 2.0 expects, so the "
                        "issuer's profile cannot be looked up from it."
                    ),
                    repr(issuer_id)[:300],
                )
            )


# --- helpers ------------------------------------------------------------------------------


def _badge_ref(assertion: dict[str, Any]) -> Any:
    badge = assertion.get("badge")
    return _node_id(badge) if isinstance(badge, dict) else badge


def _recipient(assertion: dict[str, Any]) -> Any:
    recipient = assertion.get("recipient")
    if not isinstance(recipient, dict):
        return recipient
    return {k: recipient.get(k) for k in ("identity", "type", "hashed", "salt")}


def _instant(value: Any) -> Any:
    """Dates compare as instants: the same moment may be written with another offset."""
    if value is None:
        return None
    try:
        return parse_datetime(value, allow_date_only=True).value
    except MalformedInput:
        return value


_COMPARED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda a: a.get("id"),
    "badge": _badge_ref,
    "recipient": _recipient,
    "issuedOn": lambda a: _instant(a.get("issuedOn")),
    "expires": lambda a: _instant(a.get("expires")),
}


def _verification_type(assertion: dict[str, Any]) -> str:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    if not isinstance(kind, str):
        return ""
    return kind.removeprefix(_OB2_NS).lower()


def _has_type(node: dict[str, Any], name: str) -> bool:
    return any(t in (name, _OB2_NS + name) for t in as_list(node.get("type")))


def _missing(node: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if node.get(n) in (None, "", [], {})]


def _node_id(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    identifier = value.get("id") if isinstance(value, dict) else None
    return identifier if isinstance(identifier, str) else None


def _json_object(body: bytes, code: str, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise MalformedInput(
            Message("%(what)s is not JSON.", what=what), code=code, detail=str(exc)
        ) from exc
    if not isinstance(document, dict):
        raise MalformedInput(Message("%(what)s is not a JSON object.", what=what), code=code)
    return document


def _malformed(code: str, message: str, detail: str = "") -> Check:
    return failed("structure", code, message, Verdict.MALFORMED, detail)


def _unreachable(check_name: str, url: str, reason: str) -> Check:
    what = {"key": N_("signing key"), "status": N_("revocation list")}.get(
        check_name, N_("badge information")
    )
    return failed(
        check_name,
        f"{check_name}.unreachable" if check_name != "structure" else "ob2.unreachable",
        Message("The issuer's %(what)s could not be fetched.", what=Message(what)),
        Verdict.ISSUER_UNREACHABLE,
        f"{url}: {reason}",
    )


def _revoked(reason: Any, where: str) -> Check:
    """The issuer revoked the badge (hosted `revoked: true`, or listed in its revocationList)."""
    message = (
        Message("The issuer has revoked this badge: %(reason)s", reason=reason)
        if isinstance(reason, str) and reason
        else N_("The issuer has revoked this badge.")
    )
    return failed("status", "status.revoked", message, Verdict.REVOKED, where)
