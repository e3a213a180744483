"""An SD-JWT VC issuer for the app's tests, in the shape eduBadges-style issuers send them.

The issuer is an https URL publishing JWT VC Issuer Metadata (SD-JWT VC §5) on the test
issuer's MapFetcher; it signs with ES256 through joserfc directly, and builds Disclosures
with hashlib, so the app's tests do not pass because the library agrees with itself. Every
claim below the top level's `iss`, `vct`, `iat` and `cnf` is selectively disclosable, with
the address's members disclosable one by one inside the disclosable `address`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import warnings
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey

from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import jwk_from_key

from .keys import p256_key

SD_ISSUER = "https://badges.example.edu"
SD_METADATA_URL = "https://badges.example.edu/.well-known/jwt-vc-issuer"
VCT = "https://badges.example.edu/credentials/badge"
ISSUED_AT = 1756717200  # 2025-09-01T09:00:00Z, before the tests' NOW


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SdJwtIssuer:
    """Issues SD-JWT VCs bound to a holder's public key; serves its metadata on `fetcher`."""

    __test__ = False

    def __init__(self, fetcher: MapFetcher, *, key: ec.EllipticCurvePrivateKey | None = None):
        self.key = key or p256_key("sd-jwt-issuer")
        jwk = jwk_from_key(self.key.public_key()) | {"kid": "badge-key"}
        fetcher.add(SD_METADATA_URL, json.dumps({"issuer": SD_ISSUER, "jwks": {"keys": [jwk]}}))
        self._salt = 0

    def _disclosure(self, *contents: Any) -> tuple[str, str]:
        encoded = _b64url(json.dumps(list(contents)).encode())
        return encoded, _b64url(hashlib.sha256(encoded.encode()).digest())

    def _salted(self, name: str, value: Any) -> tuple[str, str]:
        self._salt += 1
        return self._disclosure(f"salt-{self._salt}", name, value)

    def issue(
        self,
        *,
        holder_jwk: dict[str, Any] | None,
        typ: str = "dc+sd-jwt",
        claims: dict[str, Any] | None = None,
        tamper: bool = False,
        holder_kid: str = "",
    ) -> str:
        """An SD-JWT VC (ending in '~', no key binding) with `claims` selectively disclosable,
        bound to `holder_jwk` (`cnf.jwk`) or, given, to the DID URL `holder_kid` (`cnf.kid`)."""
        claims = claims or {
            "name": "Data Analysis Fundamentals",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "address": {"locality": "Utrecht", "country": "NL"},
        }
        disclosures: list[str] = []
        top_digests: list[str] = []
        for name, value in claims.items():
            if isinstance(value, dict):
                inner: list[str] = []
                for inner_name, inner_value in value.items():
                    encoded, digest = self._salted(inner_name, inner_value)
                    disclosures.append(encoded)
                    inner.append(digest)
                value = {"_sd": sorted(inner)}
            encoded, digest = self._salted(name, value)
            disclosures.append(encoded)
            top_digests.append(digest)
        payload: dict[str, Any] = {
            "iss": SD_ISSUER,
            "iat": ISSUED_AT,
            "vct": VCT,
            "_sd": sorted(top_digests),
            "_sd_alg": "sha-256",
        }
        if holder_kid:
            payload["cnf"] = {"kid": holder_kid}
        elif holder_jwk is not None:
            payload["cnf"] = {"jwk": holder_jwk}
        header = {"alg": "ES256", "typ": typ, "kid": "badge-key"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            token = jws.serialize_compact(
                header, json.dumps(payload).encode(), ECKey.import_key(self.key), ["ES256"]
            )
        if tamper:
            head, _body, signature = token.split(".")
            forged = dict(payload, vct=VCT + "/forged")
            token = ".".join((head, _b64url(json.dumps(forged).encode()), signature))
        return "~".join([token, *disclosures, ""])


def ecdsa_sd_badge(issuer: Any, *, mandatory: tuple[str, ...] = ("/issuer", "/validFrom")) -> Any:
    """An OB 3.0 credential with an ecdsa-sd-2023 base proof by the test issuer's P-256
    did:key: what an issuer hands the holder, who derives a disclosed copy from it.

    The evidence below is what a learner may want to keep back from an employer."""
    from wallet.verification.proofs import ecdsa_sd

    credential = issuer.achievement_credential(issuer.p256.did, status=False)
    credential["credentialSubject"]["result"] = [
        {"type": ["Result"], "value": "B+", "resultDescription": "urn:test:grade"}
    ]
    return ecdsa_sd.sign_base(
        credential,
        private_key=issuer.p256.private,
        proof={
            "type": "DataIntegrityProof",
            "cryptosuite": "ecdsa-sd-2023",
            "created": "2025-09-01T09:00:00Z",
            "verificationMethod": issuer.p256.vm,
            "proofPurpose": "assertionMethod",
        },
        mandatory_pointers=list(mandatory),
    )
