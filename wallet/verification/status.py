"""Has the issuer revoked or suspended the credential? (docs/standards-notes.md §4)

Supported `credentialStatus` entries: W3C `BitstringStatusListEntry`, its predecessors
`StatusList2021Entry` and `RevocationList2020Status`, and `1EdTechRevocationList`.

Policy when the status cannot be learnt:
- Bitstring-style lists: the issuer says status matters, so an unreachable, unsigned, stale or
  forged list leaves the credential unverified (ISSUER_UNREACHABLE, or the verdict the list's
  own proof failure implies). The list is the issuer's word; an unverified list is nobody's.
- 1EdTech revocation lists: a fetch failure is a warning, as 1EdTech's validator does.
- A list shorter than the 131,072 entries the W3C text asks for is read, with a warning: its
  herd privacy is weaker, but deployed issuers (DCC's 100,000-entry lists) use such lists and
  their answer is still the issuer's answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import budget, urls
from .checks import as_list, check_validity
from .errors import MalformedInput, UnsupportedInput
from .fetch import FetchError
from .messages import N_, Message, message_of
from .options import VerifyOptions
from .report import Check, Status, Verdict, failed, passed, skipped, warning

MIN_LIST_ENTRIES = 131_072
LIST_ACCEPT = "application/vc+ld+json, application/ld+json, application/json, application/vc+jwt"

ListProofVerifier = Callable[..., list[Check]]


@dataclass(frozen=True)
class _ListKind:
    """How one family of bitstring status lists names its parts."""

    entry_type: str
    list_type: str
    index_key: str
    list_key: str
    has_purpose: bool = True


_BITSTRING_KINDS = {
    "BitstringStatusListEntry": _ListKind(
        "BitstringStatusListEntry",
        "BitstringStatusListCredential",
        "statusListIndex",
        "statusListCredential",
    ),
    "StatusList2021Entry": _ListKind(
        "StatusList2021Entry", "StatusList2021Credential", "statusListIndex", "statusListCredential"
    ),
    "RevocationList2020Status": _ListKind(
        "RevocationList2020Status",
        "RevocationList2020Credential",
        "revocationListIndex",
        "revocationListCredential",
        has_purpose=False,
    ),
}
_ONEEDTECH = "1EdTechRevocationList"


def check_status(
    credential: dict[str, Any],
    *,
    options: VerifyOptions,
    verify_list_proof: ListProofVerifier | None = None,
) -> list[Check]:
    """One or more `status` Checks for every `credentialStatus` entry of `credential`.

    `verify_list_proof(document, *, options, purpose, issuer_id) -> list[Check]` verifies a
    status list credential's own proof; it defaults to the Data Integrity verifier.
    """
    entries = as_list(credential.get("credentialStatus")) if isinstance(credential, dict) else []
    if not entries:
        return [
            skipped(
                "status",
                "status.none",
                N_("This credential has no revocation or suspension status to check."),
            )
        ]
    checks: list[Check] = []
    for entry in entries:
        budget.checkpoint()
        try:
            checks.extend(_check_entry(credential, entry, options, verify_list_proof))
        except MalformedInput as exc:
            checks.append(_malformed(exc.code, message_of(exc), exc.detail))
        except UnsupportedInput as exc:
            checks.append(
                failed("status", exc.code, message_of(exc), Verdict.UNSUPPORTED, exc.detail)
            )
    return checks


def _check_entry(
    credential: dict[str, Any],
    entry: Any,
    options: Any,
    verify_list_proof: ListProofVerifier | None,
) -> list[Check]:
    if not isinstance(entry, dict):
        raise MalformedInput(
            N_("A credentialStatus entry is not an object."), code="status.malformed"
        )
    types = [t for t in as_list(entry.get("type")) if isinstance(t, str)]
    if not types:
        raise MalformedInput(N_("A credentialStatus entry has no type."), code="status.malformed")
    for type_name in types:
        if type_name in _BITSTRING_KINDS:
            return _check_bitstring(entry, _BITSTRING_KINDS[type_name], options, verify_list_proof)
        if type_name == _ONEEDTECH:
            return [_check_oneedtech(credential, entry, options)]
    return [
        warning(
            "status",
            "status.type_unknown",
            N_(
                "The issuer uses a kind of status check this wallet does not know, so it was not "
                "checked."
            ),
            f"credentialStatus type {types}",
        )
    ]


# --- bitstring lists (BSL, StatusList2021, RevocationList2020) ------------------------------


@dataclass(frozen=True)
class _Entry:
    purpose: str
    index: int
    list_url: str
    size: int
    messages: dict[int, str]


def _parse_entry(entry: dict[str, Any], kind: _ListKind) -> _Entry:
    purpose = entry.get("statusPurpose", "revocation") if kind.has_purpose else "revocation"
    if not isinstance(purpose, str) or not purpose:
        raise MalformedInput(N_("The status entry has no statusPurpose."), code="status.malformed")
    index = _non_negative_int(entry.get(kind.index_key), kind.index_key)
    list_url = entry.get(kind.list_key)
    if not urls.is_web_url(list_url):
        raise MalformedInput(
            Message(
                "The status entry's %(list_key)s is not a valid web address.",
                list_key=kind.list_key,
            ),
            code="status.malformed",
            detail=repr(list_url)[:300],
        )
    size = _non_negative_int(entry.get("statusSize", 1), "statusSize")
    if size < 1 or size > 64:
        raise MalformedInput(N_("statusSize must be between 1 and 64."), code="status.malformed")
    return _Entry(purpose, index, list_url, size, _status_messages(entry))


def _non_negative_int(value: Any, name: str) -> int:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isdigit() or len(text) > 18:
        raise MalformedInput(
            Message("The status entry's %(name)s is not a non-negative number.", name=name),
            code="status.malformed",
            detail=repr(value),
        )
    return int(text)


def _status_messages(entry: dict[str, Any]) -> dict[int, str]:
    messages: dict[int, str] = {}
    for item in as_list(entry.get("statusMessage")):
        if isinstance(item, dict) and isinstance(item.get("status"), str):
            try:
                messages[int(item["status"], 16)] = str(item.get("message", ""))
            except ValueError:
                continue
    return messages


def _check_bitstring(
    entry_json: dict[str, Any],
    kind: _ListKind,
    options: Any,
    verify_list_proof: ListProofVerifier | None,
) -> list[Check]:
    entry = _parse_entry(entry_json, kind)
    list_credential, secured_by_jwt, problem = _fetch_list_credential(entry.list_url, options)
    if problem or list_credential is None:
        return [problem] if problem else []
    problem = _trust_list(list_credential, secured_by_jwt, kind, entry, options, verify_list_proof)
    if problem:
        return [problem]
    subject = _list_subject(list_credential)
    if kind.has_purpose and entry.purpose not in as_list(subject.get("statusPurpose")):
        return [
            _malformed(
                "status.purpose_mismatch",
                Message(
                    "The issuer's status list does not cover '%(purpose)s'.", purpose=entry.purpose
                ),
                f"entry purpose {entry.purpose!r}, list purposes "
                f"{as_list(subject.get('statusPurpose'))!r}",
            )
        ]
    bits = decode_status_list(
        subject.get("encodedList"), max_bytes=options.limits.max_status_list_bytes
    )
    checks: list[Check] = []
    total = len(bits) * 8
    if total // entry.size < MIN_LIST_ENTRIES:
        checks.append(
            warning(
                "status",
                "status.list_too_short",
                N_(
                    "The issuer's status list is smaller than the standard asks, which makes it "
                    "easier to tell whose status is being checked."
                ),
                f"{total // entry.size} entries < {MIN_LIST_ENTRIES} ({entry.list_url})",
            )
        )
    if (entry.index + 1) * entry.size > total:
        return [
            _malformed(
                "status.index_out_of_range",
                N_("The credential's place in the issuer's status list does not exist."),
                f"index {entry.index} x size {entry.size} beyond {total} bits ({entry.list_url})",
            )
        ]
    value = read_status(bits, entry.index, entry.size)
    checks.append(_verdict_for(entry, value))
    return checks


_Fetched = tuple[dict[str, Any] | None, bool, Check | None]


def _fetch_list_credential(url: str, options: Any) -> _Fetched:
    try:
        result = options.fetcher.fetch(url, accept=LIST_ACCEPT)
    except FetchError as exc:
        return (
            None,
            False,
            _status_unknown(
                "status.unreachable",
                N_(
                    "The issuer's status list could not be reached, so revocation cannot be "
                    "ruled out."
                ),
                f"{url}: {exc}",
            ),
        )
    if not result.ok:
        return (
            None,
            False,
            _status_unknown(
                "status.unreachable",
                N_("The issuer's status list is not available, so revocation cannot be ruled out."),
                f"{url}: HTTP {result.status}",
            ),
        )
    text = result.body.decode("utf-8", errors="replace").strip()
    if text.count(".") == 2 and not text.startswith("{"):
        return _list_from_jwt(text, url, options)
    try:
        document = json.loads(text)
    except ValueError as exc:
        return (
            None,
            False,
            _malformed("status.list_malformed", N_("The status list is not JSON."), str(exc)),
        )
    if not isinstance(document, dict):
        return (
            None,
            False,
            _malformed("status.list_malformed", N_("The status list is not a JSON object.")),
        )
    return document, False, None


def _list_from_jwt(token: str, url: str, options: Any) -> _Fetched:
    """A status list secured as a VC-JWT: its signature is the JWT's."""
    from .proofs import jose

    verify_jwt = getattr(jose, "verify_jwt_credential", None)
    if verify_jwt is None:
        return (
            None,
            True,
            failed(
                "status",
                "status.list_unsupported",
                N_("The issuer's status list is a signed token this wallet cannot check yet."),
                Verdict.UNSUPPORTED,
                url,
            ),
        )
    document, checks = verify_jwt(token, options=options)
    bad = [c for c in checks if c.status is Status.FAIL]
    if bad or not isinstance(document, dict):
        return None, True, _list_untrusted(bad, url)
    return document, True, None


def _trust_list(
    list_credential: dict[str, Any],
    secured_by_jwt: bool,
    kind: _ListKind,
    entry: _Entry,
    options: Any,
    verify_list_proof: ListProofVerifier | None,
) -> Check | None:
    """None when the list is the right kind, signed by its issuer and current."""
    if kind.list_type not in as_list(list_credential.get("type")):
        return _malformed(
            "status.list_type",
            N_("The issuer's status list is not the kind of list the credential points to."),
            f"expected type {kind.list_type} at {entry.list_url}",
        )
    if not secured_by_jwt:
        problem = _verify_list_proof(list_credential, entry.list_url, options, verify_list_proof)
        if problem:
            return problem
    return _list_window(list_credential, entry.list_url, options)


def _verify_list_proof(
    list_credential: dict[str, Any],
    url: str,
    options: Any,
    verify_list_proof: ListProofVerifier | None,
) -> Check | None:
    if "proof" not in list_credential:
        return _list_untrusted([], url)
    issuer = list_credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    try:
        verifier = verify_list_proof or _default_list_verifier()
        proof_checks = verifier(
            list_credential,
            options=options,
            purpose="assertionMethod",
            issuer_id=issuer_id if isinstance(issuer_id, str) else None,
        )
    except (MalformedInput, UnsupportedInput) as exc:
        return _list_untrusted([_malformed(exc.code, message_of(exc))], url)
    except ImportError:
        return failed(
            "status",
            "status.list_unsupported",
            N_("This wallet cannot check the signature of the issuer's status list."),
            Verdict.UNSUPPORTED,
            url,
        )
    bad = [c for c in proof_checks if c.status is Status.FAIL]
    if bad or not proof_checks:
        return _list_untrusted(bad, url)
    return None


def _default_list_verifier() -> ListProofVerifier:
    from .proofs.dataintegrity import verify_proofs

    return verify_proofs


def _list_window(list_credential: dict[str, Any], url: str, options: Any) -> Check | None:
    for check in check_validity(list_credential, now=options.now):
        if check.status is not Status.FAIL:
            continue
        if check.code == "validity.unparseable":
            return _malformed(
                "status.list_malformed",
                Message("The status list: %(message)s", message=check.message),
                url,
            )
        code = (
            "status.list_expired"
            if check.implies is Verdict.EXPIRED
            else "status.list_not_yet_valid"
        )
        return _status_unknown(
            code,
            N_("The issuer's status list is out of date, so the credential's status is unknown."),
            f"{check.detail} ({url})",
        )
    return None


def _list_subject(list_credential: dict[str, Any]) -> dict[str, Any]:
    subjects = [s for s in as_list(list_credential.get("credentialSubject")) if isinstance(s, dict)]
    if len(subjects) != 1:
        raise MalformedInput(
            N_("The status list has no single credentialSubject."), code="status.list_malformed"
        )
    return subjects[0]


def decode_status_list(encoded: Any, *, max_bytes: int) -> bytes:
    """`encodedList` -> the raw bitstring.

    Reads the multibase `u` form (BSL) and plain base64url or base64 (StatusList2021), as
    docs/standards-notes.md §4 says of one decoder. Decompression stops past `max_bytes`.
    """
    if not isinstance(encoded, str) or not encoded:
        raise MalformedInput(
            N_("The status list has no encodedList."), code="status.list_malformed"
        )
    candidates = [encoded[1:], encoded] if encoded.startswith("u") else [encoded]
    for text in candidates:
        raw = _base64_any(text)
        if raw is not None and raw[:2] == b"\x1f\x8b":
            return _gunzip_capped(raw, max_bytes)
    raise MalformedInput(
        N_("The status list's encodedList is not compressed base64 data."),
        code="status.list_undecodable",
    )


def _base64_any(text: str) -> bytes | None:
    cleaned = "".join(text.split()).rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None


def _gunzip_capped(raw: bytes, max_bytes: int) -> bytes:
    budget.checkpoint()
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise MalformedInput(
            N_("The status list's data is corrupt."),
            code="status.list_undecodable",
            detail=str(exc),
        ) from exc
    if len(out) > max_bytes:
        raise MalformedInput(
            N_("The status list is larger than this wallet accepts."),
            code="status.list_too_large",
            detail=f"more than {max_bytes} bytes after decompression",
        )
    if not inflater.eof:
        raise MalformedInput(
            N_("The status list's data is cut short."), code="status.list_undecodable"
        )
    return out


def read_status(bits: bytes, index: int, size: int = 1) -> int:
    """The `size`-bit value at entry `index`; bit 0 is the most significant bit of byte 0."""
    value = 0
    start = index * size
    for position in range(start, start + size):
        value = (value << 1) | ((bits[position // 8] >> (7 - position % 8)) & 1)
    return value


def _verdict_for(entry: _Entry, value: int) -> Check:
    where = f"index {entry.index} of {entry.list_url} = {value:#x}"
    if entry.purpose == "revocation":
        if value:
            return failed(
                "status",
                "status.revoked",
                N_("The issuer has revoked this credential."),
                Verdict.REVOKED,
                where,
            )
        return passed(
            "status", "status.clear", N_("The issuer has not revoked this credential."), where
        )
    if entry.purpose == "suspension":
        if value:
            return failed(
                "status",
                "status.suspended",
                N_("The issuer has suspended this credential."),
                Verdict.SUSPENDED,
                where,
            )
        return passed(
            "status", "status.clear", N_("The issuer has not suspended this credential."), where
        )
    if entry.purpose == "message":
        text = entry.messages.get(value, f"status {value:#x}")
        return passed(
            "status",
            "status.message",
            Message("The issuer's status message: %(text)s.", text=text),
            where,
        )
    if entry.purpose == "refresh":
        return passed("status", "status.refresh", N_("The issuer's refresh flag was read."), where)
    return warning(
        "status",
        "status.purpose_unknown",
        Message(
            "The issuer uses a status purpose this wallet does not know ('%(purpose)s').",
            purpose=entry.purpose,
        ),
        where,
    )


# --- 1EdTech revocation list ----------------------------------------------------------------


def _check_oneedtech(credential: dict[str, Any], entry: dict[str, Any], options: Any) -> Check:
    url = entry.get("id")
    credential_id = credential.get("id")
    if not urls.is_web_url(url):
        raise MalformedInput(
            N_("The revocation list entry's id is not a valid web address."),
            code="status.malformed",
            detail=repr(url)[:300],
        )
    if not isinstance(credential_id, str):
        return warning(
            "status",
            "status.no_credential_id",
            N_("The credential has no id, so the issuer's revocation list cannot name it."),
        )
    try:
        result = options.fetcher.fetch(url, accept="application/json")
    except FetchError as exc:
        return _oneedtech_unknown(f"{url}: {exc}")
    if not result.ok:
        return _oneedtech_unknown(f"{url}: HTTP {result.status}")
    try:
        document = json.loads(result.body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return _oneedtech_unknown(f"{url}: not a JSON object")
    for revoked in _oneedtech_entries(document):
        if revoked.get("id") == credential_id and revoked.get("revoked", True) is not False:
            reason = revoked.get("revocationReason")
            message = "The issuer has revoked this credential."
            if isinstance(reason, str) and reason:
                message = f"The issuer has revoked this credential: {reason}"
            return failed("status", "status.revoked", message, Verdict.REVOKED, url)
    return passed("status", "status.clear", N_("The issuer has not revoked this credential."), url)


def _oneedtech_entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    # The spec text says `revokedCredentials`; 1EdTech's validator reads `revokedCredential`.
    found: list[dict[str, Any]] = []
    for key in ("revokedCredentials", "revokedCredential"):
        for item in as_list(document.get(key)):
            if isinstance(item, dict):
                found.append(item)
            elif isinstance(item, str):
                found.append({"id": item})
    return found


def _oneedtech_unknown(detail: str) -> Check:
    return warning(
        "status",
        "status.unreachable",
        N_("The issuer's revocation list could not be read, so revocation was not checked."),
        detail,
    )


# --- shared ---------------------------------------------------------------------------------


def _malformed(code: str, message: str, detail: str = "") -> Check:
    return failed("status", code, message, Verdict.MALFORMED, detail)


def _status_unknown(code: str, message: str, detail: str) -> Check:
    return failed("status", code, message, Verdict.ISSUER_UNREACHABLE, detail)


def _list_untrusted(bad: list[Check], url: str) -> Check:
    implied = next((c.implies for c in bad if c.implies), Verdict.INVALID_SIGNATURE)
    reasons = "; ".join(f"{c.code}: {c.message}" for c in bad) or "no proof was checked"
    return failed(
        "status",
        "status.list_untrusted",
        N_(
            "The issuer's status list is not properly signed, so the credential's status cannot "
            "be trusted."
        ),
        implied,
        f"{url}: {reasons}",
    )
