"""What every caller of the verifier reads: named checks and one verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .messages import Message
from .wording import VERDICT_LABELS


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 (a check status, not a password)
    FAIL = "fail"
    WARNING = "warning"
    SKIPPED = "skipped"


class Verdict(StrEnum):
    VERIFIED = "verified"
    VERIFIED_WITH_WARNINGS = "verified_with_warnings"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    INVALID_SIGNATURE = "invalid_signature"
    ISSUER_UNREACHABLE = "issuer_unreachable"
    MALFORMED = "malformed"
    UNSUPPORTED = "unsupported"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]

    @property
    def is_ok(self) -> bool:
        return self in (Verdict.VERIFIED, Verdict.VERIFIED_WITH_WARNINGS)


# When several checks fail, the most fundamental problem names the verdict: a document we
# cannot read says nothing about its signature, and a forged one says nothing about status.
VERDICT_PRECEDENCE: tuple[Verdict, ...] = (
    Verdict.MALFORMED,
    Verdict.UNSUPPORTED,
    Verdict.INVALID_SIGNATURE,
    Verdict.ISSUER_UNREACHABLE,
    Verdict.REVOKED,
    Verdict.SUSPENDED,
    Verdict.EXPIRED,
    Verdict.NOT_YET_VALID,
)


@dataclass(frozen=True)
class Check:
    """One named check.

    `name` groups checks ("structure", "proof", "key", "status", "validity", "recipient",
    "nested", "endorsement", ...); `code` is stable and machine-readable
    ("proof.signature_invalid"); `message` is a sentence a non-expert understands, in
    English (a `Message` when it names values: `to_dict` then keeps its template and values,
    so that a page can show it in the reader's language); `detail` is the technical
    explanation, never translated. A failing check names the verdict it implies.
    """

    name: str
    code: str
    status: Status
    message: str
    detail: str = ""
    implies: Verdict | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "code": self.code,
            "status": str(self.status),
            "message": str(self.message),
            "detail": self.detail,
            "implies": str(self.implies) if self.implies else None,
        }
        if isinstance(self.message, Message):
            out["message_i18n"] = self.message.to_dict()
        return out


def passed(name: str, code: str, message: str, detail: str = "") -> Check:
    return Check(name, code, Status.PASS, message, detail)


def warning(name: str, code: str, message: str, detail: str = "") -> Check:
    return Check(name, code, Status.WARNING, message, detail)


def skipped(name: str, code: str, message: str, detail: str = "") -> Check:
    return Check(name, code, Status.SKIPPED, message, detail)


def failed(name: str, code: str, message: str, implies: Verdict, detail: str = "") -> Check:
    return Check(name, code, Status.FAIL, message, detail, implies)


@dataclass
class Report:
    """The result of verifying one credential (or presentation, or CLR).

    `format` is what was recognised ("ob2-hosted", "ob2-signed", "ob3", "clr2", "vc", "vp",
    "endorsement", "sd-jwt-vc", "unknown"); `container` how it arrived ("json", "jwt",
    "sd-jwt", "png", "svg", "url").
    `credential` is the decoded credential as JSON (for a JWT, its payload's credential), or
    None when nothing could be decoded (for OB 2.0: the assertion; `extras` holds its badge
    class and issuer). Nested credentials (a CLR's or a presentation's) and
    endorsements each carry their own report.
    """

    format: str = "unknown"
    container: str = "json"
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    jwt: str | None = None
    children: list[Report] = field(default_factory=list)
    endorsements: list[Report] = field(default_factory=list)
    # Format-specific context a caller may show: for OB 2.0, the fetched "badge" and "issuer";
    # for an SD-JWT, "sd_jwt" (see wallet.verification.sdjwt).
    extras: dict[str, Any] = field(default_factory=dict)

    def add(self, *checks: Check) -> None:
        self.checks.extend(checks)

    @property
    def verdict(self) -> Verdict:
        statuses = {c.status for c in self.checks}
        if Status.FAIL in statuses:
            implied = {c.implies for c in self.checks if c.status is Status.FAIL and c.implies}
            return next((v for v in VERDICT_PRECEDENCE if v in implied), Verdict.MALFORMED)
        if Status.WARNING in statuses:
            return Verdict.VERIFIED_WITH_WARNINGS
        return Verdict.VERIFIED

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.FAIL]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.WARNING]

    def to_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        return {
            "verdict": str(verdict),
            "verdict_label": verdict.label,
            "format": self.format,
            "container": self.container,
            "checks": [c.to_dict() for c in self.checks],
            "children": [r.to_dict() for r in self.children],
            "endorsements": [r.to_dict() for r in self.endorsements],
        }
