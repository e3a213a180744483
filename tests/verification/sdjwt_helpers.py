"""Helpers for the SD-JWT tests: the vendored IETF examples, and a small issuer of our own.

The issuer here builds Disclosures and digests with hashlib and signs with joserfc
directly, not with the library, so that a rule test cannot pass because the library agrees
with itself. It makes whatever an attacker could send: repeated digests, reserved names,
Disclosures in the wrong place.
"""

from __future__ import annotations

import base64
import hashlib
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey

from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import jwk_from_key
from wallet.verification.options import VerifyOptions

from .keyfixtures import ed_key, p256_key

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "sd-jwt"
ISSUER = "https://issuer.example.edu"
METADATA_URL = "https://issuer.example.edu/.well-known/jwt-vc-issuer"
STATUS_URI = "https://issuer.example.edu/status/7"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ISSUER_KEY = p256_key(151)
HOLDER_KEY = p256_key(152)
HOLDER_ED = ed_key(153)
OTHER_KEY = p256_key(154)


def vector_text(name: str) -> str:
    """A token as the specification prints it, without its line breaks and indentation."""
    return "".join((VECTORS / name).read_text().split())


def vector_json(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def disclosure(*contents: Any) -> tuple[str, str]:
    """(Disclosure, its SHA-256 digest) for [salt, name, value] or [salt, value]."""
    encoded = b64url(json.dumps(list(contents)).encode())
    return encoded, b64url(hashlib.sha256(encoded.encode()).digest())


def sign(
    payload: dict[str, Any],
    *,
    key: Any = ISSUER_KEY,
    header: dict[str, Any] | None = None,
) -> str:
    private = (
        OKPKey.import_key(key)
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else ECKey.import_key(key)
    )
    alg = "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "ES256"
    # A header member given as None is left out.
    protected = {"alg": alg, "typ": "dc+sd-jwt", "kid": "key-1"} | (header or {})
    protected = {k: v for k, v in protected.items() if v is not None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(
            protected,
            json.dumps(payload).encode(),
            private,
            algorithms=[protected["alg"]],
        )


def sd_jwt(
    payload: dict[str, Any],
    disclosures: list[str],
    *,
    key: Any = ISSUER_KEY,
    header: dict[str, Any] | None = None,
) -> str:
    return "~".join([sign(payload, key=key, header=header), *disclosures, ""])


def base_payload(**extra: Any) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "iat": 1767225600,
        "vct": "https://credentials.example.edu/badge",
        "cnf": {"jwk": jwk_from_key(HOLDER_KEY.public_key())},
    } | extra


def metadata(*keys: Any, issuer: str = ISSUER, kid: str = "key-1") -> str:
    jwks = [jwk_from_key(k.public_key()) | {"kid": kid} for k in keys]
    return json.dumps({"issuer": issuer, "jwks": {"keys": jwks}})


def fetcher(**entries: Any) -> MapFetcher:
    served: dict[str, Any] = {METADATA_URL: metadata(ISSUER_KEY)}
    served.update({k.replace("__", "/"): v for k, v in entries.items()})
    return MapFetcher(served)


def options(served: MapFetcher | None = None, **kwargs: Any) -> VerifyOptions:
    return VerifyOptions(now=kwargs.pop("now", NOW), fetcher=served or fetcher(), **kwargs)


def kb_jwt(
    presented: str,
    *,
    key: ec.EllipticCurvePrivateKey = HOLDER_KEY,
    iat: int | None = None,
    aud: str = "https://verifier.example",
    nonce: str = "n-123",
    typ: str = "kb+jwt",
    sd_hash: str | None = None,
) -> str:
    payload = {
        "iat": int(NOW.timestamp()) if iat is None else iat,
        "aud": aud,
        "nonce": nonce,
        "sd_hash": sd_hash or b64url(hashlib.sha256(presented.encode()).digest()),
    }
    return jws.serialize_compact(
        {"alg": "ES256", "typ": typ},
        json.dumps(payload).encode(),
        ECKey.import_key(key),
        algorithms=["ES256"],
    )
