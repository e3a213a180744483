"""A test issuer that signs every format the wallet imports, with fixed-seed keys.

It issues OB 3.0 with Data Integrity (eddsa-rdfc-2022, and Ed25519Signature2020 on VC 1.1),
OB 3.0 VC-JWT (EdDSA via did:key and did:jwk, ES256 via did:key, RS256 via did:web), CLR 2.0
bundles, OB 2.0 hosted and signed assertions, baked PNG and SVG images of any of them, and
presentations signed by a holder. Each comes in variants: "valid", "tampered" (edited after
signing), "revoked" (listed in the issuer's status list), "expired" (validUntil before NOW)
and "wrong_key" (signed by a key the issuer does not control).

Everything the credentials point at (DID documents, status lists, OB 2.0 badge classes,
issuers, keys, revocation lists) is served by `issuer.fetcher`, a MapFetcher: no network.
JWS are signed here with joserfc, independently of the library's signer; Data Integrity
proofs use the library's `sign` (canonicalization is not something to write twice).
"""

from __future__ import annotations

import base64
import copy
import gzip
import io
import json
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey, RSAKey
from PIL import Image

from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import did_jwk_from_key, did_key_from_public_key, jwk_from_key
from wallet.verification.options import VerifyOptions
from wallet.verification.parse.png import bake_png
from wallet.verification.parse.svg import bake_svg
from wallet.verification.proofs.dataintegrity import sign

from .keys import ed25519_key, p256_key, public_pem, rsa_key

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ISSUED = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
EXPIRED_AT = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"

VARIANTS = ("valid", "tampered", "revoked", "expired", "wrong_key")
JWT_ALGS = ("EdDSA", "EdDSA-did-jwk", "ES256", "RS256")

WEB_DID = "did:web:issuer.example"
STATUS_LIST_URL = "https://issuer.example/status/1"
REVOKED_INDEX = 42
GOOD_INDEX = 7
OB2_BASE = "https://issuer.example/ob2"
EARNER_EMAIL = "learner@example.net"
EARNER_DID_LABEL = "earner"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign_jws(header: dict[str, Any], payload: dict[str, Any], key: Any) -> str:
    # joserfc directly, not the library's signer: the test issuer stays independent of it.
    jose_key = (
        OKPKey.import_key(key)
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else ECKey.import_key(key)
        if isinstance(key, ec.EllipticCurvePrivateKey)
        else RSAKey.import_key(key)
    )
    body = json.dumps(payload).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # "EdDSA": still what issuers send
        return jws.serialize_compact(header, body, jose_key, algorithms=[header["alg"]])


def tamper_jws(token: str, edit: dict[str, Any]) -> str:
    """Change claims of a JWS while keeping its signature (a forgery)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    target = claims["vc"] if "vc" in claims else claims
    target.update(edit)
    return f"{header}.{_b64url(json.dumps(claims).encode())}.{signature}"


class _Key:
    """A private key with the DID and verification method id that name it."""

    def __init__(self, private: Any, did: str, vm: str) -> None:
        self.private = private
        self.did = did
        self.vm = vm


def _did_key(private: Any) -> _Key:
    did = did_key_from_public_key(private.public_key())
    return _Key(private, did, f"{did}#{did.split(':')[-1]}")


class TestIssuer:
    """Issues credentials in every format; `fetcher` serves what they point at."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.ed = _did_key(ed25519_key("issuer-ed25519"))
        self.p256 = _did_key(p256_key("issuer-p256"))
        jwk_private = ed25519_key("issuer-did-jwk")
        jwk_did = did_jwk_from_key(jwk_private.public_key())
        self.jwk = _Key(jwk_private, jwk_did, f"{jwk_did}#0")
        self.rsa = _Key(rsa_key(), WEB_DID, f"{WEB_DID}#rsa-1")
        self.intruder = _did_key(ed25519_key("intruder"))
        self.holder = _did_key(ed25519_key("holder"))
        self.earner_did = did_key_from_public_key(ed25519_key(EARNER_DID_LABEL).public_key())
        self._fetcher = MapFetcher()
        self._serial = 0
        self._serve_did_web()
        self._serve_status_list()
        self._serve_ob2_resources()

    @property
    def fetcher(self) -> MapFetcher:
        return self._fetcher

    def options(self, **overrides: Any) -> VerifyOptions:
        values: dict[str, Any] = {"now": NOW, "fetcher": self.fetcher} | overrides
        return VerifyOptions(**values)

    # --- what the issuer serves ----------------------------------------------------------

    def _serve_did_web(self) -> None:
        jwk = jwk_from_key(self.rsa.private.public_key())
        document = {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
            "id": WEB_DID,
            "verificationMethod": [
                {
                    "id": self.rsa.vm,
                    "type": "JsonWebKey",
                    "controller": WEB_DID,
                    "publicKeyJwk": jwk,
                }
            ],
            "assertionMethod": [self.rsa.vm],
            "authentication": [self.rsa.vm],
        }
        self._fetcher.add(WEB_DID, json.dumps(document))

    def _serve_status_list(self) -> None:
        bits = bytearray(131_072 // 8)
        bits[REVOKED_INDEX // 8] |= 0x80 >> (REVOKED_INDEX % 8)
        encoded = "u" + _b64url(gzip.compress(bytes(bits), mtime=0))
        status_list = {
            "@context": [VC_V2],
            "id": STATUS_LIST_URL,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.ed.did,
            "validFrom": _stamp(ISSUED - timedelta(days=30)),
            "credentialSubject": {
                "id": f"{STATUS_LIST_URL}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded,
            },
        }
        self._fetcher.add(STATUS_LIST_URL, json.dumps(self._di_sign(status_list, self.ed)))

    def _serve_ob2_resources(self) -> None:
        issuer = {
            "@context": OB2_CONTEXT,
            "id": f"{OB2_BASE}/issuer",
            "type": "Issuer",
            "name": "Test Issuer",
            "url": "https://issuer.example",
            "email": "badges@issuer.example",
            "publicKey": f"{OB2_BASE}/key",
            "revocationList": f"{OB2_BASE}/revocations",
        }
        badge = {
            "@context": OB2_CONTEXT,
            "id": f"{OB2_BASE}/badge",
            "type": "BadgeClass",
            "name": "Test Badge",
            "description": "Awarded by the test issuer.",
            "image": "https://issuer.example/ob2/badge.png",
            "criteria": {"narrative": "Pass the test."},
            "issuer": issuer["id"],
        }
        key = {
            "@context": OB2_CONTEXT,
            "id": f"{OB2_BASE}/key",
            "type": "CryptographicKey",
            "owner": issuer["id"],
            "publicKeyPem": public_pem(self.rsa.private),
        }
        revocations = {
            "@context": OB2_CONTEXT,
            "id": f"{OB2_BASE}/revocations",
            "type": "RevocationList",
            "issuer": issuer["id"],
            "revokedAssertions": [{"id": self._ob2_id("revoked"), "revocationReason": "Test"}],
        }
        for document in (issuer, badge, key, revocations):
            self._fetcher.add(document["id"], json.dumps(document))

    # --- signing helpers -----------------------------------------------------------------

    def _di_sign(self, document: dict[str, Any], key: _Key, **extra: Any) -> dict[str, Any]:
        return sign(
            document,
            private_key=key.private,
            verification_method=key.vm,
            purpose=extra.pop("purpose", "assertionMethod"),
            created=ISSUED,
            **extra,
        )

    def _next_id(self, kind: str) -> str:
        self._serial += 1
        return f"urn:uuid:00000000-0000-4000-8000-{self._serial:012d}-{kind}"

    def _status_entry(self, index: int) -> dict[str, Any]:
        return {
            "id": f"{STATUS_LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": STATUS_LIST_URL,
        }

    # --- OB 3.0 --------------------------------------------------------------------------

    def achievement_credential(
        self,
        issuer_did: str,
        *,
        variant: str = "valid",
        vc1: bool = False,
        large: bool = False,
        status: bool = True,
    ) -> dict[str, Any]:
        """The unsigned OB 3.0 credential body for `variant` (before any proof)."""
        credential: dict[str, Any] = {
            "@context": [VC_V1, OB_CONTEXT, ED25519_2020] if vc1 else [VC_V2, OB_CONTEXT],
            "id": self._next_id("ob3"),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer_did, "type": ["Profile"], "name": "Test Issuer"},
            "name": "Test Achievement",
            "credentialSubject": {
                "id": self.earner_did,
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://issuer.example/achievements/1",
                    "type": ["Achievement"],
                    "name": "Test Achievement",
                    "description": "Awarded for passing the test.",
                    "criteria": {"narrative": "Pass the test."},
                },
            },
        }
        credential["issuanceDate" if vc1 else "validFrom"] = _stamp(ISSUED)
        if variant == "expired":
            credential["expirationDate" if vc1 else "validUntil"] = _stamp(EXPIRED_AT)
        if status and not vc1:
            index = REVOKED_INDEX if variant == "revoked" else GOOD_INDEX
            credential["credentialStatus"] = self._status_entry(index)
        if large:
            self._enlarge(credential)
        return credential

    @staticmethod
    def _enlarge(credential: dict[str, Any]) -> None:
        achievement = credential["credentialSubject"]["achievement"]
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"Competency {n}",
                "targetUrl": f"https://case.example/uri/{n:08d}",
                "targetCode": f"C-{n:04d}",
                "targetDescription": "Demonstrates the skill described by this framework item.",
                "targetFramework": "Test Framework",
                "targetType": "CFItem",
            }
            for n in range(12)
        ]
        achievement["tag"] = ["testing", "verification", "open badges"]
        credential["description"] = "A larger credential, shaped like a real course badge. " * 4

    def ob3(
        self,
        variant: str = "valid",
        *,
        suite: str = "eddsa-rdfc-2022",
        large: bool = False,
        status: bool = True,
    ) -> dict[str, Any]:
        """OB 3.0 with a Data Integrity proof; suite "Ed25519Signature2020" makes a VC 1.1 one."""
        vc1 = suite == "Ed25519Signature2020"
        credential = self.achievement_credential(
            self.ed.did, variant=variant, vc1=vc1, large=large, status=status
        )
        if vc1 and variant == "revoked":
            credential["credentialStatus"] = self._status_entry(REVOKED_INDEX)
            credential["@context"].insert(2, "https://www.w3.org/ns/credentials/status/v1")
        signer = self.intruder if variant == "wrong_key" else self.ed
        signed = self._di_sign(credential, signer, cryptosuite=suite)
        if variant == "tampered":
            signed["credentialSubject"]["achievement"]["name"] = "Forged Achievement"
        return signed

    def _jwt_signer(self, alg: str) -> tuple[_Key, str]:
        return {
            "EdDSA": (self.ed, "EdDSA"),
            "EdDSA-did-jwk": (self.jwk, "EdDSA"),
            "ES256": (self.p256, "ES256"),
            "RS256": (self.rsa, "RS256"),
        }[alg]

    def ob3_jwt(self, variant: str = "valid", *, alg: str = "EdDSA", status: bool = True) -> str:
        """OB 3.0 as a VC-JOSE-COSE JWT (payload = the credential, plus the OB JWT claims)."""
        key, jws_alg = self._jwt_signer(alg)
        credential = self.achievement_credential(key.did, variant=variant, status=status)
        payload = dict(credential)
        payload |= {"iss": key.did, "jti": credential["id"], "sub": self.earner_did}
        payload["nbf"] = int(ISSUED.timestamp())
        if variant == "expired":
            payload["exp"] = int(EXPIRED_AT.timestamp())
        signer = self.intruder if variant == "wrong_key" else key
        header = {
            "alg": "EdDSA" if signer is self.intruder else jws_alg,
            "kid": key.vm,
            "typ": "vc+jwt",
        }
        if signer is self.intruder:
            header["kid"] = self.intruder.vm
        token = _sign_jws(header, payload, signer.private)
        if variant == "tampered":
            token = tamper_jws(token, {"name": "Forged Achievement"})
        return token

    # --- CLR 2.0 -------------------------------------------------------------------------

    def clr(
        self, variant: str = "valid", *, inner: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A CLR 2.0 signed by the issuer, carrying OB 3.0 credentials.

        The variant applies to the CLR itself; pass `inner` to choose what it carries.
        """
        inner = inner if inner is not None else [self.ob3(), self.ob3()]
        achievements = [c["credentialSubject"]["achievement"] for c in inner]
        clr: dict[str, Any] = {
            "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
            "id": self._next_id("clr"),
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": {"id": self.ed.did, "type": ["Profile"], "name": "Test Issuer"},
            "name": "Test Transcript",
            "validFrom": _stamp(ISSUED),
            "credentialSubject": {
                "id": self.earner_did,
                "type": ["ClrSubject"],
                "verifiableCredential": inner,
                "achievement": achievements,
            },
        }
        if variant == "expired":
            clr["validUntil"] = _stamp(EXPIRED_AT)
        index = REVOKED_INDEX if variant == "revoked" else GOOD_INDEX
        clr["credentialStatus"] = self._status_entry(index)
        signer = self.intruder if variant == "wrong_key" else self.ed
        signed = self._di_sign(clr, signer)
        if variant == "tampered":
            signed["name"] = "Forged Transcript"
        return signed

    # --- OB 2.0 --------------------------------------------------------------------------

    def _ob2_id(self, variant: str) -> str:
        return f"{OB2_BASE}/assertions/{variant}"

    def _ob2_assertion(self, variant: str, verification: dict[str, Any]) -> dict[str, Any]:
        assertion = {
            "@context": OB2_CONTEXT,
            "id": self._ob2_id(variant),
            "type": "Assertion",
            "recipient": {"type": "email", "hashed": False, "identity": EARNER_EMAIL},
            "badge": f"{OB2_BASE}/badge",
            "verification": verification,
            "issuedOn": _stamp(ISSUED),
        }
        if variant == "expired":
            assertion["expires"] = _stamp(EXPIRED_AT)
        return assertion

    def ob2_hosted(self, variant: str = "valid") -> dict[str, Any]:
        """A hosted OB 2.0 assertion, served at its id. "revoked" answers 410 Gone;
        "wrong_key" is hosted on an origin the issuer does not allow."""
        assertion = self._ob2_assertion(variant, {"type": "hosted"})
        if variant == "wrong_key":
            assertion["id"] = "https://elsewhere.example/ob2/assertions/stolen"
        if variant == "tampered":
            served = copy.deepcopy(assertion)
            self._fetcher.add(assertion["id"], json.dumps(served))
            assertion["recipient"]["identity"] = "forger@example.net"
            return assertion
        self._fetcher.add(assertion["id"], json.dumps(assertion))
        if variant == "revoked":
            self._fetcher.statuses[assertion["id"]] = 410
        return assertion

    def ob2_signed(self, variant: str = "valid") -> str:
        """A signed OB 2.0 assertion (RS256 JWS); "revoked" is on the issuer's revocation list."""
        assertion = self._ob2_assertion(variant, {"type": "signed", "creator": f"{OB2_BASE}/key"})
        key = rsa_key("other") if variant == "wrong_key" else self.rsa.private
        token = _sign_jws({"alg": "RS256"}, assertion, key)
        if variant == "tampered":
            token = tamper_jws(token, {"issuedOn": _stamp(ISSUED - timedelta(days=400))})
        return token

    # --- baking ----------------------------------------------------------------------------

    @staticmethod
    def png_image() -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (30, 90, 160)).save(buffer, "PNG")
        return buffer.getvalue()

    @staticmethod
    def svg_image() -> bytes:
        return (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
            b'<rect width="8" height="8" fill="#1e5aa0"/></svg>'
        )

    def baked_png(self, payload: dict[str, Any] | str, *, kind: str = "ob3") -> bytes:
        keyword = {"ob3": "openbadgecredential", "clr": "clrcredential", "ob2": "openbadges"}[kind]
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return bake_png(self.png_image(), text, keyword=keyword)

    def baked_svg(self, payload: dict[str, Any] | str, *, kind: str = "ob3") -> bytes:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return bake_svg(self.svg_image(), text, kind=kind)

    # --- hostile files -------------------------------------------------------------------

    def canonicalization_bomb(self, entries: int = 1000, *, shape: str = "list") -> bytes:
        """A did:key OB 3.0 credential (~20 KB at 1,000 entries) whose blank nodes make RDF
        canonicalization take minutes: its proof is the issuer's, copied from another
        credential, since signing it would run the same canonicalization.

        "list": one JSON-LD list of `{"@id": "_:bN"}` entries, a chain of blank nodes that
        first-degree hashing cannot tell apart. "tree": anonymous objects nested as a binary
        tree `entries` levels deep, all alike.
        """
        credential = self.achievement_credential(self.ed.did)
        achievement = credential["credentialSubject"]["achievement"]
        if shape == "list":
            achievement["alignment"] = {"@list": [{"@id": f"_:b{n}"} for n in range(entries)]}
        else:
            node: dict[str, Any] = {}
            for _ in range(entries):
                node = {"type": ["Alignment"], "alignment": [node, copy.deepcopy(node)]}
            achievement["alignment"] = [node]
        credential["proof"] = self.ob3()["proof"]
        return json.dumps(credential).encode()

    # --- presentations ---------------------------------------------------------------------

    def presentation(
        self,
        credentials: list[dict[str, Any] | str],
        *,
        challenge: str | None = "challenge-1",
        domain: str | None = "https://verifier.example",
        holder: str | None = None,
        variant: str = "valid",
    ) -> dict[str, Any]:
        """A VC 2.0 presentation signed by the holder; JWT credentials are enveloped.

        "revoked" and "expired" carry such a credential (a presentation has no status of its
        own); "tampered" and "wrong_key" spoil the holder's proof.
        """
        if variant in ("revoked", "expired"):
            credentials = [*credentials, self.ob3(variant)]
        entries = [
            c
            if isinstance(c, dict)
            else {
                "@context": VC_V2,
                "type": "EnvelopedVerifiableCredential",
                "id": f"data:application/vc+jwt,{c}",
            }
            for c in credentials
        ]
        presentation = {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "holder": holder or self.holder.did,
            "verifiableCredential": entries,
        }
        signer = self.intruder if variant == "wrong_key" else self.holder
        signed = self._di_sign(
            presentation, signer, purpose="authentication", challenge=challenge, domain=domain
        )
        if variant == "tampered":
            signed["holder"] = self.intruder.did
        return signed

    def presentation_jwt(
        self,
        tokens: list[str],
        *,
        nonce: str = "challenge-1",
        aud: str = "https://verifier.example",
        exp: int | None = None,
    ) -> str:
        """A VC 1.1 JWT presentation: the `vp` claim lists JWT credentials, signed by the holder."""
        payload: dict[str, Any] = {
            "iss": self.holder.did,
            "aud": aud,
            "nonce": nonce,
            "vp": {
                "@context": [VC_V1],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": tokens,
            },
        }
        if exp is not None:
            payload["exp"] = exp
        header = {"alg": "EdDSA", "kid": self.holder.vm, "typ": "JWT"}
        return _sign_jws(header, payload, self.holder.private)
