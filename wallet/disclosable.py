"""What a selectively disclosable credential says, and which claims the learner may keep back.

Two kinds: an SD-JWT VC, kept as it arrived (its compact form, RFC 9901 §4), whose claims
are what the issuer signed in the open plus what its Disclosures reveal; and a credential
with an ecdsa-sd-2023 base proof (VC DI ECDSA §3.5), whose claims are all there, the
issuer's mandatory ones always revealed and every other one the learner's to reveal or not
when a disclosed copy is derived (`ecdsa_sd_derive`). Claims are read from the stored bytes,
never from anything remote; each becomes text (a template escapes it; nothing is a link or
an image) and says whether the learner may leave it out.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from wallet.models import Credential
from wallet.services.derive import derive_fields
from wallet.verification import Report
from wallet.verification.errors import VerificationInputError
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input
from wallet.verification.proofs import ecdsa_sd
from wallet.verification.sdjwt import ClaimPath, disclosable_claims, present
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


# --- ecdsa-sd-2023 ------------------------------------------------------------------------


def base_proof_document(credential: Credential) -> dict[str, Any] | None:
    """The stored credential when it carries an ecdsa-sd-2023 base proof, else None."""
    if credential.container not in ("json", "png", "svg"):
        return None
    data = bytes(credential.original)
    cap = len(data) + 1
    try:
        parsed = parse_input(data, limits=Limits(max_input_bytes=cap, max_svg_bytes=cap))
    except VerificationInputError:
        return None
    document = parsed.document
    if not isinstance(document, dict) or not ecdsa_sd.is_base_proof(document):
        return None
    return document


# What a disclosed copy keeps whatever the learner picks, when the credential has it: what
# makes an Open Badges credential well formed (who issued it, from when, to whom, for which
# achievement and what it took; OB 3.0 §8.1, the validator's required properties). Objects
# on the way to a revealed claim keep their `id` and `type` anyway (selectJsonLd).
_ALWAYS_REVEALED: tuple[ClaimPath, ...] = (
    ("issuer", "id"),
    ("validFrom",),
    ("issuanceDate",),
    ("credentialSubject", "id"),
    ("credentialSubject", "achievement", "name"),
    ("credentialSubject", "achievement", "criteria"),
)


def ecdsa_sd_rows(document: dict[str, Any], paths: list[ClaimPath] | None = None) -> list[ClaimRow]:
    """The claims at `paths` (every claim the learner could reveal when None), each saying
    whether it is always revealed (the issuer made it mandatory, or the format needs it) or
    the learner may keep it back."""
    try:
        mandatory = [_path_of(p) for p in ecdsa_sd.mandatory_pointers(document)]
    except VerificationInputError:
        return []
    mandatory += _ALWAYS_REVEALED
    if paths is None:
        paths = [_path_of(p) for p in ecdsa_sd.disclosable_pointers(document)]
    rows = []
    for path in dict.fromkeys(paths):
        value = _value_at(document, path)
        if value is _MISSING:
            continue
        kept = any(path[: len(m)] == m for m in mandatory)
        rows.append(ClaimRow(path, _label(path), _scalar(value), not kept, 0))
    return rows[:MAX_ROWS]


def ecdsa_sd_derive(document: dict[str, Any], paths: list[ClaimPath]) -> dict[str, Any]:
    """The disclosed copy revealing the issuer's mandatory claims and those at `paths`, with
    a derived proof (no key needed: the base proof carries what it takes). Raises ValueError
    when a path is not in the credential or the base proof cannot be used."""
    kept = [p for p in _ALWAYS_REVEALED if _value_at(document, p) is not _MISSING]
    reveal = [_pointer(path) for path in dict.fromkeys([*kept, *paths])]
    try:
        return ecdsa_sd.derive(document, reveal=reveal)
    except VerificationInputError as exc:
        raise ValueError(str(exc)) from exc


_MISSING = object()


def _value_at(document: Any, path: ClaimPath) -> Any:
    value = document
    for step in path:
        if isinstance(value, dict) and isinstance(step, str) and step in value:
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            return _MISSING
    return value


def _pointer(path: ClaimPath) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


def _path_of(pointer: str) -> ClaimPath:
    return tuple(int(t) if t.isdigit() else t for t in ecdsa_sd.parse_pointer(pointer))


# --- a disclosed copy, for sharing ----------------------------------------------------------

# What the record shows of a credential that is read from its original: a disclosed copy
# shows these as its own disclosed form says them (a claim kept back is not shown).
_SHOWN_FIELDS = (
    "title",
    "description",
    "issuer_name",
    "issuer_url",
    "issuer_image_url",
    "achievement_type",
    "awarded_at",
    "criteria_narrative",
    "criteria_url",
    "evidence",
    "results",
    "alignments",
    "recipient_hint",
)


def choices_for(credential: Credential) -> list[ClaimRow] | None:
    """The claims the learner may keep back when sharing `credential` (SD-JWT VC, or an
    ecdsa-sd-2023 base proof), with those always revealed; None for any other credential."""
    found = sd_jwt_claims(credential)
    if found is not None:
        return found.choices
    document = base_proof_document(credential)
    if document is not None:
        return ecdsa_sd_rows(document)
    return None


def disclosed_form(credential: Credential, paths: list[ClaimPath]) -> str:
    """What a share shows of `credential` revealing only `paths` (and what is always
    revealed): the SD-JWT with those Disclosures, or the derived copy's JSON. Raises
    ValueError when it is neither kind, or a path is not one of its claims."""
    sd_jwt = stored_sd_jwt(credential)
    if sd_jwt is not None:
        return present(sd_jwt, disclose=paths)
    document = base_proof_document(credential)
    if document is None:
        raise ValueError("This credential does not let you choose which claims to share.")
    return json.dumps(ecdsa_sd_derive(document, paths), ensure_ascii=False)


def disclosed_view(credential: Credential, disclosed: str) -> Credential:
    """An unsaved copy of `credential` that is its disclosed form: the bytes a share serves
    and what it shows are read from `disclosed`; the verdict and identity stay the
    credential's (the issuer's signature covers what is revealed). It carries no image: a
    badge image is a claim like any other."""
    view = copy.copy(credential)
    if stored_sd_jwt(credential) is not None:
        report = Report(format="sd-jwt-vc", container="sd-jwt")
        try:
            report.credential = processed_claims(disclosed)
        except ValueError:
            report.credential = {}
    else:
        report = Report(format=credential.format, container="json")
        loaded = json.loads(disclosed)
        report.credential = loaded if isinstance(loaded, dict) else {}
        view.container, view.media_type = "json", "application/json"
    derived = derive_fields(report)
    for name in _SHOWN_FIELDS:
        setattr(view, name, getattr(derived, name))
    view.original = disclosed.encode()
    view.has_image = False
    view.is_disclosed = True  # type: ignore[attr-defined]
    return view
