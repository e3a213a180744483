"""What a stored SD-JWT VC says, and which of its claims the learner may keep back.

An SD-JWT VC is kept as it arrived (its compact form, RFC 9901 §4). Its claims are read
from those bytes here, never from anything remote: what the issuer signed in the open plus
what its Disclosures reveal. Each claim becomes text (a template escapes it; nothing is a
link or an image), and each says whether a Disclosure reveals it, that is, whether the
learner may leave it out when presenting (`wallet.verification.sdjwt.present`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wallet.models import Credential
from wallet.verification.errors import VerificationInputError
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input
from wallet.verification.sdjwt import ClaimPath, disclosable_claims
from wallet.verification.sdjwt.holder import processed_claims

# The JWT's own claims: shown elsewhere on the page (issuer, dates), or plumbing (the
# holder's key, the status list entry, the type's integrity hash).
_NOT_SHOWN = frozenset({"iss", "vct", "iat", "nbf", "exp", "cnf", "status", "vct#integrity"})
_VALUE_CAP = 500
MAX_ROWS = 200


@dataclass(frozen=True)
class ClaimRow:
    path: ClaimPath
    label: str
    value: str
    # True: a Disclosure reveals it, so the learner may keep it back.
    selective: bool
    depth: int

    @property
    def key(self) -> str:
        """The claim path as the JSON a form sends back."""
        return json.dumps(list(self.path), separators=(",", ":"))


@dataclass(frozen=True)
class SdJwtClaims:
    rows: list[ClaimRow]
    # The claims a Disclosure reveals, outermost first: the learner's choices.
    choices: list[ClaimRow]


def stored_sd_jwt(credential: Credential) -> str | None:
    """The SD-JWT a credential was stored as, or None when it is not one."""
    if credential.container != "sd-jwt" and "sd-jwt" not in credential.media_type:
        return None
    data = bytes(credential.original)
    cap = len(data) + 1
    try:
        parsed = parse_input(data, limits=Limits(max_input_bytes=cap, max_svg_bytes=cap))
    except VerificationInputError:
        return None
    return parsed.sd_jwt


def sd_jwt_claims(credential: Credential) -> SdJwtClaims | None:
    """The claims of a stored SD-JWT VC, or None when it is not one (or cannot be read)."""
    text = stored_sd_jwt(credential)
    if text is None:
        return None
    try:
        claims = processed_claims(text)
        disclosable = disclosable_claims(text)
    except ValueError:
        return None
    selective = {claim.path for claim in disclosable}
    rows: list[ClaimRow] = []
    for name, value in claims.items():
        if name not in _NOT_SHOWN:
            _flatten(rows, (name,), value, selective)
    choices = [
        ClaimRow(
            path=claim.path,
            label=_label(claim.path),
            value=_scalar(claim.value),
            selective=True,
            depth=_depth(claim.path, selective),
        )
        for claim in disclosable
        if claim.path[0] not in _NOT_SHOWN
    ]
    return SdJwtClaims(rows=rows[:MAX_ROWS], choices=choices[:MAX_ROWS])


def requested_rows(text: str, paths: list[ClaimPath]) -> list[ClaimRow]:
    """The claims at `paths` (where a verifier's query points), as rows saying whether each
    needs a Disclosure; paths the SD-JWT has no claim at are left out."""
    try:
        claims = processed_claims(text)
        disclosable = {claim.path for claim in disclosable_claims(text)}
    except ValueError:
        return []
    rows = []
    for path in dict.fromkeys(paths):
        value: Any = claims
        try:
            for step in path:
                value = value[step]
        except (KeyError, IndexError, TypeError):
            continue
        selective = any(path[:n] in disclosable for n in range(1, len(path) + 1))
        rows.append(ClaimRow(path, _label(path), _scalar(value), selective, 0))
    return rows


def parse_choice(value: str) -> ClaimPath | None:
    """A claim path as a form sent it back (`ClaimRow.key`), or None when it is not one."""
    try:
        path = json.loads(value)
    except ValueError:
        return None
    if (
        not isinstance(path, list)
        or not path
        or not all(isinstance(p, str) or (isinstance(p, int) and p >= 0) for p in path)
        or any(isinstance(p, bool) for p in path)
    ):
        return None
    return tuple(path)


def _flatten(rows: list[ClaimRow], path: ClaimPath, value: Any, selective: set[ClaimPath]) -> None:
    if len(rows) >= MAX_ROWS:
        return
    revealed = any(path[:n] in selective for n in range(1, len(path) + 1))
    if isinstance(value, dict) and value:
        for name, member in value.items():
            _flatten(rows, (*path, name), member, selective)
        return
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        for index, item in enumerate(value):
            _flatten(rows, (*path, index), item, selective)
        return
    rows.append(ClaimRow(path, _label(path), _scalar(value), revealed, len(path) - 1))


def _label(path: ClaimPath) -> str:
    return " / ".join(str(p + 1) if isinstance(p, int) else p.replace("_", " ") for p in path)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        text = ", ".join(_scalar(v) for v in value)
    elif isinstance(value, dict | list):
        text = "…"
    else:
        text = json.dumps(value)
    return text if len(text) <= _VALUE_CAP else text[: _VALUE_CAP - 1] + "…"


def _depth(path: ClaimPath, selective: set[ClaimPath]) -> int:
    return sum(1 for n in range(1, len(path)) if path[:n] in selective)
