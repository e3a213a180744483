"""Disclosures against the issuer-signed payload: RFC 9901 §7.1 step 3, and steps 4 and 5.

`process` turns the issuer-signed payload and the Disclosures presented with it into the
Processed SD-JWT Payload: each Disclosure's digest must be found exactly once, in an `_sd`
array (an object property, a Disclosure of three elements) or a `{"...": digest}` array
element (two elements); digests without a Disclosure (hidden claims, decoys) are dropped and
counted; names `_sd` and `...` and a name that would replace a claim at its level are
refused; a Disclosure's value is processed in turn (recursive disclosures); a Disclosure no
digest refers to, or a digest met twice, refuses the whole SD-JWT.

The input is the attacker's: Disclosures are capped in number (`Limits.max_disclosures`),
each is parsed by the strict JSON loader, nesting across Disclosures is capped at
`Limits.max_json_depth` levels, and every loop ticks the CPU budget.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import budget
from ..errors import MalformedInput
from ..limits import Limits
from ..messages import Message, message_of
from ..parse.jsonload import load_json
from ..report import Verdict
from .compact import BASE64URL, b64url_digest
from .wording import SdJwtError

# A claim's place in the processed payload: object member names and array indices, as in
# SD-JWT VC §9.1 claim paths. Indices count the elements of the fully disclosed array.
ClaimPath = tuple[str | int, ...]
RESERVED_NAMES = ("_sd", "...")


@dataclass(frozen=True)
class Disclosure:
    encoded: str
    digest: str
    salt: str
    # None for an array element (a Disclosure of two elements).
    name: str | None
    value: Any


@dataclass(frozen=True)
class DisclosedClaim:
    """A claim a Disclosure revealed: where it went, and which Disclosure it sits in."""

    path: ClaimPath
    disclosure: Disclosure
    # The digest of the Disclosure whose value holds this one; None: the signed payload.
    parent: str | None


@dataclass(frozen=True)
class Processed:
    claims: dict[str, Any]
    disclosed: tuple[DisclosedClaim, ...]
    # Digests with no Disclosure: claims kept hidden, and decoys (indistinguishable).
    undisclosed: int


def decode_disclosure(encoded: str, *, hash_name: str, limits: Limits) -> Disclosure:
    """A Disclosure string -> its digest and contents; SdJwtError when it is not one."""
    raw = _base64url(encoded)
    try:
        contents = load_json(raw, limits=limits, any_value=True)
    except MalformedInput as exc:
        raise _invalid(message_of(exc)) from exc
    if not isinstance(contents, list) or len(contents) not in (2, 3):
        raise _invalid(Message("it is not an array of a salt, an optional name, and a value"))
    if not isinstance(contents[0], str):
        raise _invalid(Message("its salt is not text"))
    name = None
    if len(contents) == 3:
        if not isinstance(contents[1], str):
            raise _invalid(Message("its claim name is not text"))
        name = contents[1]
    return Disclosure(
        encoded=encoded,
        digest=b64url_digest(encoded, hash_name),
        salt=contents[0],
        name=name,
        value=contents[-1],
    )


def process(
    payload: dict[str, Any], disclosures: Sequence[str], *, hash_name: str, limits: Limits
) -> Processed:
    """The Processed SD-JWT Payload; SdJwtError when the SD-JWT must be rejected."""
    if len(disclosures) > limits.max_disclosures:
        raise SdJwtError(
            "sdjwt.too_many_disclosures",
            Verdict.MALFORMED,
            f"{len(disclosures)} > {limits.max_disclosures}",
        )
    by_digest: dict[str, Disclosure] = {}
    for encoded in budget.ticking(disclosures):
        disclosure = decode_disclosure(encoded, hash_name=hash_name, limits=limits)
        if disclosure.digest in by_digest:
            raise SdJwtError("sdjwt.disclosure_repeated", Verdict.MALFORMED, disclosure.digest)
        by_digest[disclosure.digest] = disclosure
    walk = _Walk(by_digest, limits.max_json_depth)
    claims = walk.object(payload, (), 0, None)
    unused = [d for d in by_digest if d not in walk.seen]
    if unused:
        raise SdJwtError(
            "sdjwt.disclosure_unreferenced",
            Verdict.INVALID_SIGNATURE,
            f"no digest in the signed payload for {', '.join(unused[:5])}",
        )
    claims.pop("_sd_alg", None)
    return Processed(claims, tuple(walk.disclosed), walk.undisclosed)


@dataclass
class _Walk:
    by_digest: dict[str, Disclosure]
    max_depth: int
    seen: set[str] = field(default_factory=set)
    disclosed: list[DisclosedClaim] = field(default_factory=list)
    undisclosed: int = 0

    def value(self, value: Any, path: ClaimPath, depth: int, parent: str | None) -> Any:
        if isinstance(value, dict):
            return self.object(value, path, depth, parent)
        if isinstance(value, list):
            return self.array(value, path, depth, parent)
        return value

    def object(
        self, obj: dict[str, Any], path: ClaimPath, depth: int, parent: str | None
    ) -> dict[str, Any]:
        self._deeper(depth)
        if "..." in obj:
            raise _structure(Message("'...' appears outside an array element"))
        if depth and "_sd_alg" in obj:
            raise _structure(Message("'_sd_alg' appears below the top level"))
        out = {
            name: self.value(member, (*path, name), depth + 1, parent)
            for name, member in budget.ticking(obj.items())
            if name != "_sd"
        }
        for disclosure in self._digests(obj.get("_sd"), path):
            name = disclosure.name
            if name is None:
                raise _invalid(
                    Message("an array element's disclosure is listed as an object property")
                )
            if name in RESERVED_NAMES:
                raise SdJwtError("sdjwt.claim_name_reserved", Verdict.MALFORMED, name=name)
            if name in out:
                raise SdJwtError("sdjwt.claim_overwrites", Verdict.MALFORMED, name=name)
            claim_path = (*path, name)
            self.disclosed.append(DisclosedClaim(claim_path, disclosure, parent))
            out[name] = self.value(disclosure.value, claim_path, depth + 1, disclosure.digest)
        return out

    def array(self, items: list[Any], path: ClaimPath, depth: int, parent: str | None) -> list[Any]:
        self._deeper(depth)
        out: list[Any] = []
        for item in budget.ticking(items):
            if not (isinstance(item, dict) and "..." in item):
                out.append(self.value(item, (*path, len(out)), depth + 1, parent))
                continue
            if len(item) != 1 or not isinstance(item["..."], str):
                raise _structure(
                    Message("an array element with '...' holds anything but one digest")
                )
            disclosure = self._find(item["..."])
            if disclosure is None:
                continue
            if disclosure.name is not None:
                raise _invalid(
                    Message("an object property's disclosure is listed as an array element")
                )
            claim_path = (*path, len(out))
            self.disclosed.append(DisclosedClaim(claim_path, disclosure, parent))
            out.append(self.value(disclosure.value, claim_path, depth + 1, disclosure.digest))
        return out

    def _digests(self, value: Any, path: ClaimPath) -> Iterable[Disclosure]:
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
            raise _structure(
                Message("'_sd' at %(path)s is not a list of digests", path=_show(path))
            )
        for digest in budget.ticking(value):
            disclosure = self._find(digest)
            if disclosure is not None:
                yield disclosure

    def _find(self, digest: str) -> Disclosure | None:
        if digest in self.seen:
            raise SdJwtError("sdjwt.digest_repeated", Verdict.MALFORMED, digest)
        self.seen.add(digest)
        disclosure = self.by_digest.get(digest)
        if disclosure is None:
            self.undisclosed += 1
        return disclosure

    def _deeper(self, depth: int) -> None:
        if depth > self.max_depth:
            raise SdJwtError("sdjwt.too_deep", Verdict.MALFORMED, f"more than {self.max_depth}")


def _base64url(encoded: str) -> bytes:
    if len(encoded) % 4 == 1 or not BASE64URL.fullmatch(encoded):
        raise _invalid(Message("it is not base64url text"))
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _invalid(Message("it is not base64url text")) from exc


def _invalid(why: str) -> SdJwtError:
    return SdJwtError("sdjwt.disclosure_invalid", Verdict.MALFORMED, why=why)


def _structure(why: str) -> SdJwtError:
    return SdJwtError("sdjwt.structure_invalid", Verdict.MALFORMED, why=why)


def _show(path: ClaimPath) -> str:
    return "/".join(str(p) for p in path) or "the top level"
