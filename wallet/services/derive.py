"""Everything shown about a credential is derived here, and only here, from its report.

`derive_fields` reads the decoded credential the verifier hands back (OB 3.0 / VC, CLR,
OB 2.0 assertion with its badge class and issuer) and never the database, so the record can
be rebuilt from the original bytes at any time (`credential_rederive`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from django.db import transaction
from django.utils import timezone

from wallet.models import Credential, RecipientMatch
from wallet.verification import Report
from wallet.verification.checks import as_list, parse_datetime, recipient_hint
from wallet.verification.errors import MalformedInput, VerificationInputError
from wallet.verification.proofs import jose
from wallet.verifier import verify_original

_TEXT_CAP = 500
_RECIPIENT_STATES = {
    "recipient.match": RecipientMatch.MATCH,
    "recipient.no_match": RecipientMatch.NO_MATCH,
    "recipient.absent": RecipientMatch.ABSENT,
}


@dataclass
class DerivedFields:
    format: str = ""
    container: str = ""
    credential_id: str = ""
    issuer_id: str = ""
    title: str = ""
    description: str = ""
    issuer_name: str = ""
    issuer_url: str = ""
    issuer_image_url: str = ""
    achievement_type: str = ""
    issued_at: datetime | None = None
    awarded_at: datetime | None = None
    valid_until: datetime | None = None
    criteria_narrative: str = ""
    criteria_url: str = ""
    evidence: list[Any] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)
    alignments: list[dict[str, str]] = field(default_factory=list)
    recipient_match: str = RecipientMatch.NOT_CHECKED
    recipient_hint: str = ""
    verdict: str = ""
    # Where the badge image can be found (a data: URI or a URL), for `images.py`.
    image_ref: str = ""

    def model_values(self) -> dict[str, Any]:
        """The Credential columns, by name. The lists are the derived ones themselves, not
        copies: a DerivedFields is built for one row and not changed after."""
        return {name: getattr(self, name) for name in _MODEL_FIELDS}


_MODEL_FIELDS = tuple(f.name for f in fields(DerivedFields) if f.name != "image_ref")


def normalise_id(value: str) -> str:
    """OB 3.0 equality: identifiers compare after percent-decoding and trimming."""
    return unquote(value).strip()


def dedupe_key(*, issuer_id: str, credential_id: str, sha256: str) -> str:
    """One record per (issuer, credential id); without both, one per exact original."""
    if issuer_id and credential_id:
        pair = f"{normalise_id(issuer_id)}\n{normalise_id(credential_id)}"
        return "id:" + hashlib.sha256(pair.encode()).hexdigest()
    return "sha256:" + sha256


def derive_fields(report: Report) -> DerivedFields:
    """Read the display fields out of a verification report (never raises on odd input)."""
    derived = DerivedFields(
        format=report.format, container=report.container, verdict=str(report.verdict)
    )
    _recipient(derived, report)
    credential = report.credential if isinstance(report.credential, dict) else None
    if credential is None:
        return derived
    if report.format.startswith("ob2"):
        _ob2(derived, credential, report.extras)
    elif report.format == "vp":
        derived.title = "Presentation"
    elif report.format == "sd-jwt-vc":
        _sd_jwt_vc(derived, credential)
    else:
        _vc(derived, credential)
        if report.jwt:
            _jwt_claims(derived, report.jwt)
    return derived


def _jwt_claims(derived: DerivedFields, token: str) -> None:
    """A VC 1.1 JWT may name its id and issuer only in the `jti` and `iss` claims."""
    if derived.credential_id and derived.issuer_id:
        return
    try:
        payload = jose.decode_compact(token).payload_json()
    except VerificationInputError:
        return
    if not isinstance(payload, dict):
        return
    derived.credential_id = derived.credential_id or _text(payload.get("jti"), 2000)
    derived.issuer_id = derived.issuer_id or _text(payload.get("iss"), 2000)


# --- SD-JWT VC ------------------------------------------------------------------------


def _sd_jwt_vc(derived: DerivedFields, claims: dict[str, Any]) -> None:
    """An SD-JWT VC names itself only by its JWT claims (SD-JWT VC §3.2.2) and whatever
    claims its type defines: a `name` or `title` when the issuer revealed one, else the last
    part of its type (`vct`)."""
    derived.credential_id = _text(claims.get("jti"), 2000)
    derived.issuer_id = _text(claims.get("iss"), 2000)
    vct = _text(claims.get("vct"), 2000)
    derived.title = _text(claims.get("name") or claims.get("title")) or _vct_name(vct)
    derived.description = _text(claims.get("description"), 20000)
    derived.issued_at = _epoch(claims.get("iat")) or _epoch(claims.get("nbf"))
    derived.valid_until = _epoch(claims.get("exp"))


def _vct_name(vct: str) -> str:
    last = vct.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return unquote(last).replace("_", " ").replace("-", " ").strip()[:_TEXT_CAP]


def _epoch(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --- VC, OB 3.0, CLR 2.0 ---------------------------------------------------------------


def _vc(derived: DerivedFields, credential: dict[str, Any]) -> None:
    derived.credential_id = _text(credential.get("id"), 2000)
    issuer = credential.get("issuer")
    _profile(derived, issuer)
    subject = _first_dict(credential.get("credentialSubject"))
    # A CLR's subject lists many achievements; the transcript speaks for itself, not its first.
    is_clr = derived.format == "clr2"
    achievement = _first_dict(subject.get("achievement")) if subject and not is_clr else {}
    derived.title = _text(credential.get("name") or achievement.get("name"))
    derived.description = _text(
        achievement.get("description") or credential.get("description"), 20000
    )
    if is_clr:
        derived.achievement_type = "CLR"
    else:
        derived.achievement_type = _text(achievement.get("achievementType"), 100)
    derived.issued_at = _date(credential.get("validFrom") or credential.get("issuanceDate"))
    derived.awarded_at = _date(credential.get("awardedDate"))
    derived.valid_until = _date(credential.get("validUntil") or credential.get("expirationDate"))
    _criteria(derived, achievement.get("criteria"))
    derived.evidence = _dicts(credential.get("evidence"))
    derived.results = _dicts(subject.get("result")) if subject else []
    derived.alignments = _alignments(achievement.get("alignment"))
    for result in derived.results:
        derived.alignments += _alignments(result.get("alignment"))
    derived.image_ref = _image_ref(
        (subject or {}).get("image") or achievement.get("image") or credential.get("image")
    )


def _profile(derived: DerivedFields, issuer: Any) -> None:
    if isinstance(issuer, str):
        derived.issuer_id = _text(issuer, 2000)
        return
    if not isinstance(issuer, dict):
        return
    derived.issuer_id = _text(issuer.get("id"), 2000)
    derived.issuer_name = _text(issuer.get("name"))
    derived.issuer_url = _url(issuer.get("url"))
    derived.issuer_image_url = _image_ref(issuer.get("image"))


def _criteria(derived: DerivedFields, criteria: Any) -> None:
    if isinstance(criteria, str):
        derived.criteria_url = _url(criteria)
    elif isinstance(criteria, dict):
        derived.criteria_narrative = _text(criteria.get("narrative"), 20000)
        derived.criteria_url = _url(criteria.get("id"))


def _alignments(value: Any) -> list[dict[str, str]]:
    found = []
    for entry in _dicts(value):
        name = _text(entry.get("targetName"))
        url = _url(entry.get("targetUrl"))
        if not (name or url):
            continue
        found.append(
            {
                "name": name,
                "url": url,
                "code": _text(entry.get("targetCode"), 200),
                "framework": _text(entry.get("targetFramework"), 200),
                "type": _text(entry.get("targetType"), 100),
            }
        )
    return found


# --- Open Badges 2.0 ---------------------------------------------------------------------


def _ob2(derived: DerivedFields, assertion: dict[str, Any], extras: dict[str, Any]) -> None:
    badge = extras.get("badge") if isinstance(extras.get("badge"), dict) else None
    if badge is None and isinstance(assertion.get("badge"), dict):
        badge = assertion["badge"]
    badge = badge or {}
    issuer = extras.get("issuer") if isinstance(extras.get("issuer"), dict) else None
    if issuer is None:
        issuer = badge.get("issuer")
    derived.credential_id = _text(assertion.get("id"), 2000)
    _profile(derived, issuer)
    derived.title = _text(badge.get("name"))
    derived.description = _text(badge.get("description"), 20000)
    derived.achievement_type = _text(badge.get("achievementType"), 100) or "Badge"
    derived.issued_at = _date(assertion.get("issuedOn"), allow_date_only=True)
    derived.valid_until = _date(assertion.get("expires"), allow_date_only=True)
    _criteria(derived, badge.get("criteria"))
    if not derived.criteria_narrative and isinstance(assertion.get("narrative"), str):
        derived.criteria_narrative = _text(assertion["narrative"], 20000)
    derived.evidence = [
        e if isinstance(e, dict) else {"id": e} for e in as_list(assertion.get("evidence"))
    ]
    derived.alignments = _alignments(badge.get("alignment"))
    derived.image_ref = _image_ref(assertion.get("image") or badge.get("image"))


# --- recipient ---------------------------------------------------------------------------


def _recipient(derived: DerivedFields, report: Report) -> None:
    for check in report.checks:
        if check.name == "recipient":
            derived.recipient_match = _RECIPIENT_STATES.get(check.code, RecipientMatch.NOT_CHECKED)
    if isinstance(report.credential, dict):
        derived.recipient_hint = _text(recipient_hint(report.credential))


# --- small readers -----------------------------------------------------------------------


def _text(value: Any, cap: int = _TEXT_CAP) -> str:
    if isinstance(value, dict):
        # Language maps and {"@value": ...} objects: show the first value.
        value = value.get("@value") or next(iter(value.values()), "")
    return value.strip()[:cap] if isinstance(value, str) else ""


def _url(value: Any) -> str:
    text = _text(value, 2000)
    return text if text.startswith(("https://", "http://")) else ""


def _image_ref(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and value.startswith(("https://", "http://", "data:image/")):
        return value
    return ""


def _date(value: Any, *, allow_date_only: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value, allow_date_only=allow_date_only).value
    except MalformedInput:
        return None


def _first_dict(value: Any) -> dict[str, Any]:
    return next((v for v in as_list(value) if isinstance(v, dict)), {})


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in as_list(value) if isinstance(v, dict)]


def apply_derived(credential: Credential, derived: DerivedFields) -> None:
    """Copy derived values onto the row (the caller saves)."""
    for name, value in derived.model_values().items():
        setattr(credential, name, value)


def credential_rederive(*, credential: Credential, now: datetime | None = None) -> Credential:
    """Rebuild every derived field of `credential` from its original bytes."""
    report = verify_original(credential=credential, now=now)
    derived = derive_fields(report)
    # The verdict belongs to verification runs (`credential_reverify`), not to re-derivation.
    derived.verdict = credential.verdict
    with transaction.atomic():
        apply_derived(credential, derived)
        credential.dedupe_key = dedupe_key(
            issuer_id=credential.issuer_id,
            credential_id=credential.credential_id,
            sha256=credential.sha256,
        )
        credential.updated_at = now or timezone.now()
        credential.save()
    return credential
