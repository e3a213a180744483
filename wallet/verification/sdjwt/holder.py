"""The holder's side, as pure functions: which claims can be revealed, and presenting.

`disclosable_claims(sd_jwt)` lists, for the share flow's checkboxes, every claim a
Disclosure of the issued SD-JWT reveals: its path, its value, and the path of the claim it
sits in. `present(sd_jwt, disclose=paths)` keeps only the Disclosures those claims need (RFC
9901 §7.2): a claim's own Disclosure, those of the claims it sits in (without which a
verifier cannot place it, §4.2.6), and those of everything inside it (revealing an address
reveals its street). `bind(presentation, ...)` appends the KB-JWT signed with the holder's
key (the learner's holder key: Ed25519 for EdDSA, or P-256 for ES256).

None of these verifies the issuer's signature: the SD-JWT was verified when it was imported.
They raise ValueError on input that is not an SD-JWT or names a claim it does not have.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import VerificationInputError
from ..keys import jwk_from_key, key_from_jwk, same_key
from ..limits import Limits
from ..proofs import jose
from .compact import DEFAULT_HASH, HASHES, SdJwt, serialize, split
from .disclosures import ClaimPath, Processed, process
from .keybinding import make_key_binding_jwt
from .wording import SdJwtError


@dataclass(frozen=True)
class DisclosableClaim:
    path: ClaimPath
    value: Any
    # The claim this one sits in, when that claim is itself revealed by a Disclosure.
    parent: ClaimPath | None


def disclosable_claims(sd_jwt: str) -> list[DisclosableClaim]:
    """Every claim the SD-JWT's Disclosures can reveal, outermost first."""
    _, processed, _ = _read(sd_jwt)
    by_digest = {c.disclosure.digest: c.path for c in processed.disclosed}
    return [
        DisclosableClaim(
            path=claim.path,
            value=_value_at(processed.claims, claim.path),
            parent=by_digest.get(claim.parent) if claim.parent else None,
        )
        for claim in processed.disclosed
    ]


def processed_claims(sd_jwt: str) -> dict[str, Any]:
    """The claims the SD-JWT shows as it stands: what the issuer signed in the open and what
    its Disclosures reveal (the Processed SD-JWT Payload, RFC 9901 §7.1), without `_sd`."""
    return _read(sd_jwt)[1].claims


def present(sd_jwt: str, *, disclose: Collection[ClaimPath]) -> str:
    """The SD-JWT with only the Disclosures that reveal the chosen claims, ending in '~'."""
    parsed, processed, _ = _read(sd_jwt)
    chosen = {tuple(path) for path in disclose}
    by_digest = {c.disclosure.digest: c for c in processed.disclosed}
    known = {c.path for c in processed.disclosed}
    unknown = [p for p in chosen if p not in known and not _has_path(processed.claims, p)]
    if unknown:
        raise ValueError(f"the SD-JWT has no claim at {sorted(map(str, unknown))[:5]}")
    keep: set[str] = set()
    for claim in processed.disclosed:
        inside = any(claim.path[: len(p)] == p for p in chosen)
        if not inside:
            continue
        digest: str | None = claim.disclosure.digest
        while digest is not None and digest not in keep:
            keep.add(digest)
            digest = by_digest[digest].parent
    digests = {c.disclosure.encoded: c.disclosure.digest for c in processed.disclosed}
    ordered = [d for d in parsed.disclosures if digests.get(d) in keep]
    return serialize(parsed.issuer_jwt, ordered)


def bind(
    presentation: str,
    *,
    private_key: jose.PrivateKey,
    audience: str,
    nonce: str,
    issued_at: datetime,
) -> str:
    """`presentation` (from `present`) with a KB-JWT appended, signed by `private_key`.

    Refuses (ValueError) a key that is not the one the issuer bound the credential to in
    `cnf.jwk`: the verifier would reject the presentation.
    """
    parsed, processed, hash_name = _read(presentation)
    if parsed.kb_jwt is not None:
        raise ValueError("the presentation already carries a key binding JWT")
    cnf = processed.claims.get("cnf")
    if isinstance(cnf, dict) and isinstance(cnf.get("jwk"), dict):
        try:
            bound = key_from_jwk(cnf["jwk"])
        except VerificationInputError as exc:
            raise ValueError(f"the credential's holder key is not usable: {exc}") from exc
        if not same_key(bound, private_key.public_key()):
            raise ValueError(
                f"the credential is bound to another key ({jwk_from_key(bound)}), "
                "not to the one given"
            )
    return presentation + make_key_binding_jwt(
        parsed.without_key_binding,
        private_key=private_key,
        audience=audience,
        nonce=nonce,
        issued_at=issued_at,
        hash_name=hash_name,
    )


def _read(sd_jwt: str) -> tuple[SdJwt, Processed, str]:
    try:
        parsed = split(sd_jwt)
        payload = jose.decode_compact(parsed.issuer_jwt).payload_json()
        if not isinstance(payload, dict):
            raise ValueError("the issuer's payload is not a JSON object")
        hash_name = payload.get("_sd_alg", DEFAULT_HASH)
        if hash_name not in HASHES:
            raise ValueError(f"unsupported _sd_alg {hash_name!r}")
        processed = process(payload, parsed.disclosures, hash_name=hash_name, limits=Limits())
    except SdJwtError as exc:
        raise ValueError(exc.check.message) from exc
    except VerificationInputError as exc:
        raise ValueError(str(exc)) from exc
    return parsed, processed, hash_name


def _has_path(claims: Any, path: ClaimPath) -> bool:
    node = claims
    for step in path:
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return False
    return True


def _value_at(claims: Any, path: ClaimPath) -> Any:
    node = claims
    for step in path:
        node = node[step]
    return node
