"""The validity window and the recipient: checks that read the credential, never a key.

`check_validity` covers VC 2.0 (`validFrom`/`validUntil`), VC 1.1 (`issuanceDate`/
`expirationDate`) and Open Badges 2.0 (`issuedOn`/`expires`). `check_recipient` compares the
earner's verified identifiers with OB 3.0 `credentialSubject.id`/`identifier[]` and the
OB 2.0 `recipient` IdentityObject (docs/standards-notes.md §2).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from .errors import MalformedInput
from .messages import N_, Message
from .report import Check, Status, Verdict, failed, passed, skipped, warning

# Start and end of the window, per data model: (field, allows a bare date / epoch number).
_START_FIELDS = (("validFrom", False), ("issuanceDate", False), ("issuedOn", True))
_END_FIELDS = (("validUntil", False), ("expirationDate", False), ("expires", True))

_DATETIME = re.compile(
    r"^(?P<year>-?\d{4,})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?$"
)
_MAX = datetime.max.replace(tzinfo=UTC)
_MIN = datetime.min.replace(tzinfo=UTC)


def as_list(value: Any) -> list[Any]:
    """JSON-LD compaction may turn a one-element array into a scalar; read both alike."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class ParsedTime:
    value: datetime
    assumed_utc: bool = False
    date_only: bool = False


def parse_datetime(value: Any, *, allow_date_only: bool = False) -> ParsedTime:
    """Parse an XSD dateTime (Z, offsets, fractions); a missing zone is read as UTC.

    `allow_date_only` also accepts `YYYY-MM-DD` and a Unix epoch number (OB 1.x/2.0 dates).
    Raises MalformedInput when the value is not a date.
    """
    if allow_date_only and isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(value)
    if not isinstance(value, str):
        raise MalformedInput(
            Message("A date is not text: %(value)s.", value=repr(value)),
            code="validity.unparseable",
        )
    text = value.strip()
    if allow_date_only and text.isdigit():
        return _from_epoch(int(text))
    match = _DATETIME.match(text)
    if not match or (match["hour"] is None and not allow_date_only):
        raise MalformedInput(
            Message("'%(value)s' is not a date and time.", value=value), code="validity.unparseable"
        )
    try:
        return _build(match)
    except (ValueError, OverflowError) as exc:
        raise MalformedInput(
            Message("'%(value)s' is not a real date and time.", value=value),
            code="validity.unparseable",
            detail=str(exc),
        ) from exc


def _from_epoch(seconds: float) -> ParsedTime:
    try:
        return ParsedTime(datetime.fromtimestamp(seconds, tz=UTC))
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedInput(
            Message("'%(seconds)s' is not a usable timestamp.", seconds=seconds),
            code="validity.unparseable",
        ) from exc


def _build(match: re.Match[str]) -> ParsedTime:
    year = int(match["year"])
    if year > 9999:
        return ParsedTime(_MAX)
    if year < 1:
        return ParsedTime(_MIN)
    day = date(year, int(match["month"]), int(match["day"]))
    if match["hour"] is None:
        return ParsedTime(datetime(day.year, day.month, day.day, tzinfo=UTC), date_only=True)
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    micro = int((match["fraction"] or ".0")[1:7].ljust(6, "0"))
    extra = timedelta(0)
    if hour == 24 and minute == 0 and second == 0 and micro == 0:
        # XSD allows 24:00:00 as the end of the day.
        hour, extra = 0, timedelta(days=1)
    zone, assumed = _zone(match["tz"])
    moment = datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=zone)
    try:
        return ParsedTime((moment + extra).astimezone(UTC), assumed_utc=assumed)
    except OverflowError:
        return ParsedTime(_MAX if year > 5000 else _MIN, assumed_utc=assumed)


def _zone(text: str | None) -> tuple[timezone, bool]:
    if text is None:
        return UTC, True
    if text in ("Z", "z"):
        return UTC, False
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise ValueError(f"offset {text} out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes)), False


def check_validity(credential: dict[str, Any], *, now: datetime) -> list[Check]:
    """Is `now` inside the credential's validity window? One Check per finding."""
    if not isinstance(credential, dict):
        return [_unparseable(N_("The credential is not a JSON object."))]
    starts, ends, notes, problems = _read_window(credential)
    if problems:
        return problems
    checks: list[Check] = []
    for name, start in starts:
        if now < start.value:
            checks.append(
                failed(
                    "validity",
                    "validity.not_yet_valid",
                    Message(
                        "This credential is not valid until %(time)s.", time=_show(start.value)
                    ),
                    Verdict.NOT_YET_VALID,
                    f"{name} = {_show(start.value)} is after now ({_show(now)})",
                )
            )
    for name, end in ends:
        if now > end.value:
            checks.append(
                failed(
                    "validity",
                    "validity.expired",
                    Message("This credential expired on %(time)s.", time=_show(end.value)),
                    Verdict.EXPIRED,
                    f"{name} = {_show(end.value)} is before now ({_show(now)})",
                )
            )
    if any(end.value < start.value for _, start in starts for _, end in ends):
        checks.append(
            warning(
                "validity",
                "validity.inconsistent",
                N_("The credential's end date comes before its start date."),
                ", ".join(f"{n} = {_show(t.value)}" for n, t in starts + ends),
            )
        )
    if not any(c.status is Status.FAIL for c in checks):
        checks.append(_in_window(starts, ends, notes))
    return checks


def _read_window(
    credential: dict[str, Any],
) -> tuple[list[tuple[str, ParsedTime]], list[tuple[str, ParsedTime]], list[str], list[Check]]:
    starts: list[tuple[str, ParsedTime]] = []
    ends: list[tuple[str, ParsedTime]] = []
    notes: list[str] = []
    problems: list[Check] = []
    for fields, bucket in ((_START_FIELDS, starts), (_END_FIELDS, ends)):
        for name, lenient in fields:
            if credential.get(name) is None:
                continue
            try:
                parsed = parse_datetime(credential[name], allow_date_only=lenient)
            except MalformedInput as exc:
                problems.append(
                    _unparseable(
                        Message(
                            "The date in '%(name)s' cannot be read: %(exc)s", name=name, exc=exc
                        )
                    )
                )
                continue
            if parsed.date_only and bucket is ends:
                # A bare expiry date means the badge is good through that whole day.
                parsed = ParsedTime(parsed.value + timedelta(days=1), date_only=True)
            if parsed.assumed_utc:
                notes.append(f"{name} has no time zone; read as UTC")
            bucket.append((name, parsed))
    return starts, ends, notes, problems


def _in_window(
    starts: list[tuple[str, ParsedTime]], ends: list[tuple[str, ParsedTime]], notes: list[str]
) -> Check:
    window = [f"{n} = {_show(t.value)}" for n, t in starts + ends]
    detail = "; ".join(window + notes)
    if not ends:
        return passed("validity", "validity.ok", N_("This credential has no expiry date."), detail)
    latest = min(t.value for _, t in ends)
    return passed(
        "validity", "validity.ok", Message("Valid until %(time)s.", time=_show(latest)), detail
    )


def _unparseable(message: str) -> Check:
    return failed("validity", "validity.unparseable", message, Verdict.MALFORMED)


def _show(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- recipient ------------------------------------------------------------------------------

_HASHES = {"sha256": hashlib.sha256, "md5": hashlib.md5}
_EMAIL_TYPES = {"email", "emailaddress"}


@dataclass(frozen=True)
class _Claim:
    """One way the credential names its recipient."""

    identity: str
    kind: str  # "email", "id", "url", "telephone", an OB 3.0 identityType ...
    hashed: bool
    salt: str = ""


def check_recipient(credential: dict[str, Any], *, identifiers: Sequence[str]) -> Check:
    """Does the credential name one of the earner's verified identifiers?"""
    if "EndorsementCredential" in as_list(credential.get("type")):
        # An endorsement's subject is the organisation or achievement it vouches for
        # (OB 3.0, EndorsementSubject): it names no learner to compare.
        return skipped(
            "recipient",
            "recipient.endorsement",
            N_(
                "An endorsement is about an organisation or an achievement, not about a person: "
                "it names no recipient."
            ),
        )
    known = [i.strip() for i in identifiers if isinstance(i, str) and i.strip()]
    if not known:
        return skipped(
            "recipient",
            "recipient.not_checked",
            N_("The recipient was not checked: no verified email or DID to compare with."),
        )
    claims = _claims(credential)
    if not claims:
        return warning(
            "recipient",
            "recipient.absent",
            N_("The credential does not say who it was issued to."),
        )
    for claim in claims:
        for candidate in known:
            if _matches(claim, candidate):
                return passed(
                    "recipient",
                    "recipient.match",
                    N_("Issued to you: it names one of your verified identities."),
                    f"{claim.kind} matched {'by hash' if claim.hashed else 'in plain text'}",
                )
    hint = recipient_hint(credential)
    named = f" ({hint})" if hint else ""
    # Read by the earner and by whoever they share it with, so it states the fact only;
    # the earner's page says how to fix it.
    return warning(
        "recipient",
        "recipient.no_match",
        Message(
            "This credential was issued to an identity%(named)s that is not one of "
            "the verified email addresses or DIDs of the person holding it.",
            named=named,
        ),
        f"compared {len(known)} identifier(s) with {len(claims)} recipient claim(s)",
    )


def recipient_hint(credential: dict[str, Any]) -> str | None:
    """The recipient's plain identity, when the credential states it unhashed (emails first)."""
    plain = [c for c in _claims(credential) if not c.hashed]
    plain.sort(key=lambda c: c.kind.lower() not in _EMAIL_TYPES)
    if not plain:
        return None
    identity = plain[0].identity
    return identity[len("mailto:") :] if identity.lower().startswith("mailto:") else identity


def _claims(credential: Any) -> list[_Claim]:
    if not isinstance(credential, dict):
        return []
    claims: list[_Claim] = []
    recipient = credential.get("recipient")
    if isinstance(recipient, dict) and isinstance(recipient.get("identity"), str):
        claims.append(
            _Claim(
                identity=recipient["identity"],
                kind=str(recipient.get("type", "email")),
                hashed=recipient.get("hashed") is True,
                salt=str(recipient.get("salt") or ""),
            )
        )
    for subject in as_list(credential.get("credentialSubject")):
        if not isinstance(subject, dict):
            continue
        if isinstance(subject.get("id"), str):
            claims.append(_Claim(identity=subject["id"], kind="id", hashed=False))
        for entry in as_list(subject.get("identifier")):
            if isinstance(entry, dict) and isinstance(entry.get("identityHash"), str):
                claims.append(
                    _Claim(
                        identity=entry["identityHash"],
                        kind=str(entry.get("identityType", "identifier")),
                        hashed=entry.get("hashed") is True,
                        salt=str(entry.get("salt") or ""),
                    )
                )
    return claims


def _is_email(value: str) -> bool:
    return "@" in value and ":" not in value


def _variants(candidate: str) -> list[str]:
    """The forms an identifier may have been hashed or written in."""
    bare = candidate[len("mailto:") :] if candidate.lower().startswith("mailto:") else candidate
    forms = [bare]
    if _is_email(bare) and bare.lower() != bare:
        forms.append(bare.lower())
    return forms


def _matches(claim: _Claim, candidate: str) -> bool:
    forms = _variants(candidate)
    email_claim = claim.kind.lower() in _EMAIL_TYPES
    if email_claim and not _is_email(forms[0]):
        return False
    if claim.hashed:
        return any(_hash_matches(claim.identity, form, claim.salt) for form in forms)
    stated = claim.identity.strip()
    if stated.lower().startswith("mailto:"):
        stated = stated[len("mailto:") :]
    if _is_email(stated):
        return any(stated.lower() == form.lower() for form in forms)
    return any(stated == form for form in forms)


def _hash_matches(identity_hash: str, value: str, salt: str) -> bool:
    alg, sep, digest = identity_hash.strip().partition("$")
    if not sep:
        # Some issuers omit the algorithm; the digest length tells which one.
        digest = alg
        alg = {64: "sha256", 32: "md5"}.get(len(alg), "")
    hasher = _HASHES.get(alg.lower())
    if hasher is None:
        return False
    computed = hasher((value + salt).encode("utf-8")).hexdigest()
    return computed == digest.strip().lower()
