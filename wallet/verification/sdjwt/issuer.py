"""Whose key signed the issuer's JWT: SD-JWT VC §3.5 "Issuer Signature Mechanisms".

- `iss` is a DID: the header's `kid` names the key in the DID's document (or the DID is the
  key: did:key, did:jwk), with the same key-to-issuer binding rules as every other JWT
  credential (proofs.jose.token_key, keys.binding).
- `iss` is an https URL: the JWT VC Issuer Metadata (SD-JWT VC §5) at
  `https://<host>/.well-known/jwt-vc-issuer<path>` names the issuer's keys, inline (`jwks`)
  or by reference (`jwks_uri`); its `issuer` must be `iss` exactly (§5.3) or it is not used.
  The header's `kid` picks the key; without one, each published key is tried. An issuer that
  publishes no metadata may still name its key by a `kid` URL (a JWK or controller document).
- an `x5c` certificate chain: checking one needs trust anchors (the certificate authorities
  an ecosystem trusts), which this wallet has none of, so such a credential is `unsupported`
  with that reason, rather than trusting whatever certificate it carries.

Everything is fetched through the caller's Fetcher.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import urls
from ..errors import MalformedInput, VerificationInputError
from ..fetch import FetchError
from ..keys import VerificationMethod, key_from_jwk
from ..messages import Message, message_of
from ..options import VerifyOptions
from ..proofs import jose
from ..report import Check, Status, Verdict
from .wording import fail, ok

WELL_KNOWN = "/.well-known/jwt-vc-issuer"
# Issuers publish one to a few keys; a longer list is not worth trying one by one.
MAX_KEYS = 32


@dataclass(frozen=True)
class _Metadata:
    url: str
    keys: list[dict[str, Any]]


class _Unpublished(Exception):
    """The issuer serves no JWT VC Issuer Metadata (a 404, say): try another mechanism."""


class _Refused(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.message)
        self.check = check


def verify_issuer_signature(
    jws: jose.CompactJws, issuer: Any, *, options: VerifyOptions
) -> list[Check]:
    """The key checks and the signature check of the issuer-signed JWT."""
    problem = jose.header_problem(jws)
    if problem is not None:
        return [problem]
    has_x5c = "x5c" in jws.header
    if isinstance(issuer, str) and issuer.startswith("did:"):
        return _by_token_key(jws, issuer, options)
    if isinstance(issuer, str) and metadata_url(issuer) is not None:
        try:
            return _by_metadata(jws, issuer, options)
        except _Refused as exc:
            return [exc.check]
        except _Unpublished as exc:
            if has_x5c:
                return [_x5c()]
            if isinstance(jws.header.get("kid"), str):
                return _by_token_key(jws, issuer, options)
            return [
                fail(
                    "key",
                    "key.issuer_metadata_invalid",
                    Verdict.UNSUPPORTED,
                    str(exc),
                    why=Message(
                        "the issuer publishes none at %(metadata_url)s",
                        metadata_url=metadata_url(issuer),
                    ),
                )
            ]
    if has_x5c:
        return [_x5c()]
    return [
        fail(
            "key",
            "key.issuer_unresolvable",
            Verdict.UNSUPPORTED,
            "iss is neither a DID nor an https URL, and the header carries no x5c",
            iss=issuer if isinstance(issuer, str) else "no 'iss'",
        )
    ]


def metadata_url(issuer: str) -> str | None:
    """Where the JWT VC Issuer Metadata of an https `iss` is (SD-JWT VC §5.1), else None."""
    parts = urls.split(issuer)
    if parts is None or parts.scheme != "https" or not parts.hostname:
        return None
    if parts.query or parts.fragment or "#" in issuer or "?" in issuer:
        return None
    return f"https://{parts.netloc}{WELL_KNOWN}{parts.path.rstrip('/')}"


def _by_token_key(jws: jose.CompactJws, issuer: str, options: VerifyOptions) -> list[Check]:
    key_checks, method = jose.token_key(jws, issuer, options)
    if method is None:
        return key_checks
    return [*key_checks, jose.signature_check(jws, method)]


def _by_metadata(jws: jose.CompactJws, issuer: str, options: VerifyOptions) -> list[Check]:
    metadata = _fetch_metadata(issuer, options)
    kid = jws.header.get("kid")
    published = metadata.keys
    if isinstance(kid, str):
        published = [k for k in published if k.get("kid") == kid]
    candidates = [m for m in (_method(k, i, metadata.url) for i, k in enumerate(published)) if m]
    if not candidates:
        raise _Refused(
            fail(
                "key",
                "key.issuer_key_not_found",
                Verdict.INVALID_SIGNATURE,
                f"kid {kid!r}; {len(metadata.keys)} usable key(s) at {metadata.url}",
            )
        )
    last: Check | None = None
    for method in candidates:
        last = jose.signature_check(jws, method)
        if last.status is Status.PASS:
            return [ok("key", "key.issuer_metadata_matches", method.id), last]
    if len(candidates) == 1 and last is not None:
        return [ok("key", "key.issuer_metadata_matches", candidates[0].id), last]
    return [
        fail(
            "key",
            "key.issuer_key_not_found",
            Verdict.INVALID_SIGNATURE,
            f"tried {len(candidates)} key(s) from {metadata.url}",
        )
    ]


def _method(jwk: dict[str, Any], index: int, url: str) -> VerificationMethod | None:
    if jwk.get("use") not in (None, "sig"):
        return None
    try:
        key = key_from_jwk(jwk)
    except MalformedInput as exc:
        if exc.code == "key.private_key_exposed":
            raise _Refused(
                fail(
                    "key",
                    "key.issuer_metadata_invalid",
                    Verdict.INVALID_SIGNATURE,
                    url,
                    why=message_of(exc),
                )
            ) from exc
        return None
    except VerificationInputError:
        return None  # a key type this wallet does not verify with: another key may fit
    kid = jwk.get("kid")
    return VerificationMethod(
        id=f"{url}#{kid if isinstance(kid, str) else index}",
        controller=url,
        type="JsonWebKey",
        public_key=key,
        binding="issuer-metadata",
    )


def _fetch_metadata(issuer: str, options: VerifyOptions) -> _Metadata:
    url = metadata_url(issuer)
    if url is None:
        raise _Unpublished(f"{issuer} is not an https URL")
    document = _fetch_json(url, options, missing_is_unpublished=True)
    found = document.get("issuer")
    if found != issuer:
        raise _Refused(
            fail(
                "key",
                "key.issuer_metadata_mismatch",
                Verdict.INVALID_SIGNATURE,
                f"issuer {found!r} != iss {issuer!r}",
                url=url,
                found=found if isinstance(found, str) else "nobody",
            )
        )
    if ("jwks" in document) == ("jwks_uri" in document):
        raise _invalid(
            url, Message("it must give either its keys (jwks) or their address (jwks_uri)")
        )
    jwks = document.get("jwks")
    if "jwks_uri" in document:
        jwks_uri = document["jwks_uri"]
        if not isinstance(jwks_uri, str) or metadata_url(jwks_uri) is None:
            raise _invalid(url, Message("the address of its keys (jwks_uri) is not an https URL"))
        jwks = _fetch_json(jwks_uri, options, missing_is_unpublished=False)
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise _invalid(url, Message("its key set has no list of keys"))
    return _Metadata(url, [k for k in keys[:MAX_KEYS] if isinstance(k, dict)])


def _fetch_json(
    url: str, options: VerifyOptions, *, missing_is_unpublished: bool
) -> dict[str, Any]:
    try:
        result = options.fetcher.fetch(url, accept="application/json")
    except FetchError as exc:
        raise _Refused(_unreachable(url, str(exc))) from exc
    if result.status >= 500 or result.status in (408, 429):
        raise _Refused(_unreachable(url, f"HTTP {result.status}"))
    if not result.ok:
        if missing_is_unpublished:
            raise _Unpublished(f"GET {url} -> HTTP {result.status}")
        raise _invalid(url, Message("its key set answers HTTP %(status)s", status=result.status))
    if len(result.body) > options.limits.max_fetch_bytes:
        raise _invalid(url, Message("it is larger than this wallet accepts"))
    try:
        document = json.loads(result.body)
    except (ValueError, RecursionError) as exc:
        raise _invalid(url, Message("it is not JSON")) from exc
    if not isinstance(document, dict):
        raise _invalid(url, Message("it is not a JSON object"))
    return document


def _unreachable(url: str, detail: str) -> Check:
    return fail(
        "key", "key.issuer_metadata_unreachable", Verdict.ISSUER_UNREACHABLE, detail, url=url
    )


def _invalid(url: str, why: str) -> _Refused:
    return _Refused(fail("key", "key.issuer_metadata_invalid", Verdict.MALFORMED, url, why=why))


def _x5c() -> Check:
    return fail(
        "key",
        "key.x5c_unsupported",
        Verdict.UNSUPPORTED,
        "x5c needs trust anchors to validate the chain; none are configured",
    )
