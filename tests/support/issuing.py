"""Stub issuers on loopback: an OpenID4VCI 1.0 credential issuer (with its authorization
server) and a VC-API exchange (with the DCC's legacy request), shaped after the
specifications' own examples (OpenID4VCI 1.0,
https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html; W3C VCALM,
https://www.w3.org/TR/vcalm-1.0/) and what real services do: offers by reference served
once, pre-authorized codes used once and dropped after three wrong transaction codes, nonces
used once, key proofs checked for `typ`, `kid`, `aud`, `iat` and `nonce` and their
signature, the deferred and notification endpoints, the authorization code flow with PKCE
S256 and pushed requests, and exchanges that answer a completed exchange with 400.

The credentials issued come from the TestIssuer, bound to the earner's holder DID; an SD-JWT
VC (`dc+sd-jwt`, or the drafts' `vc+sd-jwt`) comes from the SdJwtIssuer, bound (`cnf.jwk`)
to the key the proof carried, as the specification's Appendix A.3 example configures it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from PIL import Image

from tests.support.issuer import EARNER_DID_LABEL, TestIssuer
from tests.support.keys import ed25519_key
from tests.support.sdjwt_issuer import VCT, SdJwtIssuer
from tests.support.stub_server import QuietHandler, serving
from wallet.verification.errors import VerificationInputError
from wallet.verification.keys import (
    KeyResolutionError,
    jwk_from_key,
    key_from_jwk,
    resolve_verification_method,
)

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class StubIssuer:
    def __init__(self, issuer: TestIssuer) -> None:
        self.issuer = issuer
        self.origin = ""
        self.holder_key = ed25519_key(EARNER_DID_LABEL).public_key()
        # OpenID4VCI
        self.offers: dict[str, dict[str, Any]] = {}
        self.offer_fetches: dict[str, int] = {}
        self.codes: dict[str, dict[str, Any]] = {}  # pre-authorized code -> {tx_code, used, wrong}
        self.tokens: dict[str, str] = {}  # access token -> configuration id
        self.nonces: set[str] = set()
        self.stale_nonces = 0  # answer invalid_nonce this many more times
        self.proofs: list[dict[str, Any]] = []
        self.credential_requests: list[dict[str, Any]] = []
        self.token_requests: list[dict[str, list[str]]] = []
        self.notifications: list[dict[str, Any]] = []
        self.deferred: dict[str, int] = {}  # transaction id -> polls before it is ready
        self.defer_next = False
        self.format = "ldp_vc"
        self.proof_types: dict[str, Any] = {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        }
        self.require_par = False
        self.auth_codes: dict[str, dict[str, Any]] = {}
        self.par_requests: dict[str, dict[str, str]] = {}
        self.metadata_overrides: dict[str, Any] = {}
        self.refuse_proof = False
        self.metadata_redirect = ""
        self.huge_metadata = False
        # An issuer of the drafts before 1.0: no nonce endpoint (the nonce comes with the
        # token), the token endpoint in its own metadata, no server metadata, and one
        # credential unwrapped in the response.
        self.draft = False
        self.also_ask: dict[str, Any] | None = None  # a QueryByExample beside DIDAuthentication
        self.interaction_vcapi = ""  # what an interaction URL names instead of the exchange
        self.issue_garbage = False
        # SD-JWT VCs: the key the last proof carried, and whether to bind another one instead.
        self.proof_jwk: dict[str, Any] | None = None
        self.proof_kid = ""  # the DID URL an ES256 proof named its key by, if it did
        self.bind_other_key = False
        self.metadata_binding = ["jwk"]
        self.invalid_proof_nonces = 0  # answer invalid_proof with a c_nonce (the drafts) this often
        self._sd_issuer: SdJwtIssuer | None = None
        # VC-API
        self.exchanges: dict[str, dict[str, Any]] = {}
        self.exchange_posts: list[Any] = []
        self.legacy_posts: list[tuple[dict[str, Any], str]] = []
        self.vpr_domain: str | None = None
        self.redirect = ""

    # --- OpenID4VCI ------------------------------------------------------------------

    @property
    def credential_issuer(self) -> str:
        return self.origin

    def metadata(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "format": self.format,
            "scope": "OpenBadgeCredential",
            "cryptographic_binding_methods_supported": ["did:key"],
            "proof_types_supported": self.proof_types,
            "credential_metadata": {
                "display": [
                    {
                        "name": "Test Achievement",
                        "locale": "en-US",
                        "description": "Awarded for passing the test.",
                        "logo": {"uri": "https://issuer.example/logo.png", "alt_text": "logo"},
                    }
                ]
            },
        }
        if self.format in ("dc+sd-jwt", "vc+sd-jwt"):
            # OpenID4VCI 1.0 Appendix A.3.4's example configuration, with this issuer's vct.
            config["vct"] = VCT
            config["cryptographic_binding_methods_supported"] = self.metadata_binding
            config["credential_signing_alg_values_supported"] = ["ES256"]
        elif self.format == "ldp_vc":
            config["credential_definition"] = {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
            }
        else:
            config["credential_definition"] = {
                "type": ["VerifiableCredential", "OpenBadgeCredential"]
            }
        data = {
            "credential_issuer": self.credential_issuer,
            "credential_endpoint": f"{self.origin}/credential",
            "nonce_endpoint": f"{self.origin}/nonce",
            "deferred_credential_endpoint": f"{self.origin}/deferred",
            "notification_endpoint": f"{self.origin}/notification",
            "display": [
                {
                    "name": "Riverside Test College",
                    "locale": "en-US",
                    "logo": {"uri": f"{self.origin}/logo.png", "alt_text": "college logo"},
                }
            ],
            "credential_configurations_supported": {"OpenBadge": config},
        }
        if self.draft:
            del data["nonce_endpoint"]
            data["token_endpoint"] = f"{self.origin}/token"
        data.update(self.metadata_overrides)
        return data

    def server_metadata(self) -> dict[str, Any]:
        data = {
            "issuer": self.origin,
            "token_endpoint": f"{self.origin}/token",
            "authorization_endpoint": f"{self.origin}/authorize",
            "pushed_authorization_request_endpoint": f"{self.origin}/par",
            "require_pushed_authorization_requests": self.require_par,
            "code_challenge_methods_supported": ["S256"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }
        return data

    def offer(self, *, tx_code: str | None = None, grant: str = "pre") -> dict[str, Any]:
        """An offer shaped like the specification's example (credential_offer_by_reference)."""
        grants: dict[str, Any] = {}
        if grant == "pre":
            code = secrets.token_urlsafe(12)
            self.codes[code] = {"tx_code": tx_code, "used": False, "wrong": 0}
            detail: dict[str, Any] = {"pre-authorized_code": code}
            if tx_code is not None:
                detail["tx_code"] = {
                    "length": len(tx_code),
                    "input_mode": "numeric",
                    "description": "Please provide the one-time code that was sent via e-mail",
                }
            grants[PRE_AUTH] = detail
        else:
            grants["authorization_code"] = {"issuer_state": "eyJhbGciOiJSU0Et"}
        return {
            "credential_issuer": self.credential_issuer,
            "credential_configuration_ids": ["OpenBadge"],
            "grants": grants,
        }

    def offer_link(self, offer: dict[str, Any] | None = None, **kwargs: Any) -> str:
        offer = offer or self.offer(**kwargs)
        return "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))

    def offer_by_reference(self, **kwargs: Any) -> str:
        offer_id = secrets.token_urlsafe(8)
        self.offers[offer_id] = self.offer(**kwargs)
        uri = f"{self.origin}/offers/{offer_id}"
        return "openid-credential-offer://?credential_offer_uri=" + quote(uri, safe="")

    def _check_proof(self, jwt: str) -> str:
        """Appendix F.1 checks; returns the error code, or ""."""
        try:
            header_b64, payload_b64, signature_b64 = jwt.split(".")
            header = json.loads(_b64decode(header_b64))
            payload = json.loads(_b64decode(payload_b64))
        except ValueError:
            return "invalid_proof"
        self.proofs.append({"header": header, "payload": payload})
        if header.get("typ") != "openid4vci-proof+jwt":
            return "invalid_proof"
        alg = header.get("alg")
        if alg not in self._proof_algs():
            return "invalid_proof"
        if alg == "ES256":
            return self._check_es256(header, payload, f"{header_b64}.{payload_b64}", signature_b64)
        kid, jwk = header.get("kid", ""), header.get("jwk")
        if "kid" in header and "jwk" in header:
            return "invalid_proof"  # F.1: one or the other
        if jwk is not None:
            if jwk != jwk_from_key(self.holder_key):
                return "invalid_proof"
            self.proof_jwk = jwk
        elif kid.startswith(self.issuer.earner_did + "#"):
            self.proof_jwk = jwk_from_key(self.holder_key)  # the did:key's key
        else:
            return "invalid_proof"
        try:
            self.holder_key.verify(
                _b64decode(signature_b64), f"{header_b64}.{payload_b64}".encode()
            )
        except InvalidSignature:
            return "invalid_proof"
        return self._check_claims(payload)

    def _proof_algs(self) -> list[str]:
        listed = self.proof_types.get("jwt", {}).get("proof_signing_alg_values_supported")
        return list(listed) if listed else ["EdDSA", "Ed25519"]

    def _check_es256(
        self, header: dict[str, Any], payload: dict[str, Any], signed: str, signature_b64: str
    ) -> str:
        """An ES256 proof: the key is whichever the proof carries (`jwk`, or a did:key or
        did:jwk DID URL in `kid`), as any issuer takes it: possession is what is proven."""
        if ("kid" in header) == ("jwk" in header):
            return "invalid_proof"  # F.1: one or the other
        try:
            if "jwk" in header:
                key = key_from_jwk(header["jwk"])
            else:
                key = resolve_verification_method(
                    header["kid"], fetcher=self.issuer.fetcher, purpose="authentication"
                ).public_key
        except (KeyResolutionError, VerificationInputError):
            return "invalid_proof"
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            return "invalid_proof"
        raw = _b64decode(signature_b64)
        if len(raw) != 64:
            return "invalid_proof"
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            key.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "invalid_proof"
        self.proof_jwk = jwk_from_key(key)
        self.proof_kid = header.get("kid", "")
        return self._check_claims(payload)

    def _check_claims(self, payload: dict[str, Any]) -> str:
        if payload.get("aud") != self.credential_issuer or not isinstance(payload.get("iat"), int):
            return "invalid_proof"
        if "iss" in payload:
            return "invalid_proof"  # anonymous pre-authorized access carries no iss
        nonce = payload.get("nonce")
        if self.invalid_proof_nonces:
            self.invalid_proof_nonces -= 1
            return "invalid_proof+c_nonce"
        if self.stale_nonces:
            self.stale_nonces -= 1
            return "invalid_nonce"
        if nonce not in self.nonces:
            return "invalid_nonce"
        self.nonces.discard(nonce)
        return ""

    def _check_di_vp(self, vp: dict[str, Any]) -> str:
        proof = vp.get("proof", {})
        self.proofs.append({"di_vp": vp})
        if (
            proof.get("proofPurpose") != "authentication"
            or proof.get("domain") != self.credential_issuer
        ):
            return "invalid_proof"
        if proof.get("challenge") not in self.nonces:
            return "invalid_nonce"
        self.nonces.discard(proof.get("challenge"))
        return ""

    def issued_credential(self) -> Any:
        if self.issue_garbage:
            return {"not": "a credential"}
        if self.format in ("dc+sd-jwt", "vc+sd-jwt"):
            if self._sd_issuer is None:
                self._sd_issuer = SdJwtIssuer(self.issuer.fetcher)
            holder = self.proof_jwk
            if self.bind_other_key:
                holder = jwk_from_key(ed25519_key("someone-else").public_key())
            return self._sd_issuer.issue(
                holder_jwk=holder, typ=self.format, holder_kid=self.proof_kid
            )
        return self.issuer.ob3() if self.format == "ldp_vc" else self.issuer.ob3_jwt()

    # --- VC-API ---------------------------------------------------------------------

    def exchange_link(self, *, interaction: bool = True) -> str:
        exchange_id = secrets.token_urlsafe(8)
        self.exchanges[exchange_id] = {"challenge": secrets.token_urlsafe(8), "done": False}
        if interaction:
            return f"{self.origin}/interactions/{exchange_id}?iuv=1"
        request = {
            "credentialRequestOrigin": "https://college.example",
            "protocols": {"vcapi": f"{self.origin}/exchanges/{exchange_id}"},
        }
        return "https://lcw.app/request?request=" + quote(json.dumps(request))

    def legacy_link(self, *, auth_type: str = "") -> str:
        params = {
            "issuer": "Riverside Test College",
            "vc_request_url": f"{self.origin}/legacy",
            "challenge": "c-2b8f",
        }
        if auth_type:
            params["auth_type"] = auth_type
        return "dccrequest://request?" + urlencode(params)


def _handler(stub: StubIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _answer(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _form(self) -> dict[str, list[str]]:
            return parse_qs(self._body().decode())

        def _token(self) -> str:
            value = self.headers.get("Authorization", "")
            token = value.removeprefix("Bearer ")
            return token if token in stub.tokens else ""

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-credential-issuer" and stub.metadata_redirect:
                self.send_response(302)
                self.send_header("Location", stub.metadata_redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/.well-known/openid-credential-issuer" and stub.huge_metadata:
                self._answer(200, {**stub.metadata(), "padding": "x" * (3 * 1024 * 1024)})
            elif path == "/.well-known/openid-credential-issuer":
                self._answer(200, stub.metadata())
            elif path == "/.well-known/oauth-authorization-server" and stub.draft:
                self._answer(404, {})
            elif path == "/.well-known/oauth-authorization-server":
                self._answer(200, stub.server_metadata())
            elif path == "/logo.png":
                picture = io.BytesIO()
                Image.new("RGB", (400, 300), (200, 30, 30)).save(picture, format="PNG")
                data = picture.getvalue()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            elif path.startswith("/offers/"):
                offer_id = path.rsplit("/", 1)[1]
                stub.offer_fetches[offer_id] = stub.offer_fetches.get(offer_id, 0) + 1
                if offer_id not in stub.offers or stub.offer_fetches[offer_id] > 1:
                    self._answer(410, {"error": "offer_gone"})
                else:
                    self._answer(200, stub.offers[offer_id])
            elif path == "/authorize":
                self._authorize()
            elif path.startswith("/interactions/"):
                exchange_id = path.rsplit("/", 1)[1]
                if self.headers.get("Accept", "") != "application/json":
                    self._answer(406, {})
                    return
                named = stub.interaction_vcapi or f"{stub.origin}/exchanges/{exchange_id}"
                self._answer(200, {"protocols": {"vcapi": named}})
            else:
                self._answer(404, {})

        def _authorize(self) -> None:
            params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            if stub.require_par:
                if params.get("request_uri") not in stub.par_requests:
                    self._answer(400, {"error": "invalid_request"})
                    return
                params = stub.par_requests.pop(params["request_uri"])
            if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
                self._answer(400, {"error": "invalid_request"})
                return
            code = secrets.token_urlsafe(12)
            stub.auth_codes[code] = params
            location = (
                params["redirect_uri"] + "?" + urlencode({"code": code, "state": params["state"]})
            )
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            routes = {
                "/token": self._token_endpoint,
                "/par": self._par,
                "/nonce": self._nonce,
                "/credential": self._credential,
                "/deferred": self._deferred,
                "/notification": self._notification,
                "/legacy": self._legacy,
            }
            if path in routes:
                routes[path]()
            elif path.startswith("/exchanges/"):
                self._exchange(path.rsplit("/", 1)[1])
            else:
                self._answer(404, {})

        def _par(self) -> None:
            form = {k: v[0] for k, v in self._form().items()}
            request_uri = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(8)
            stub.par_requests[request_uri] = form
            self._answer(201, {"request_uri": request_uri, "expires_in": 60})

        def _token_endpoint(self) -> None:
            form = self._form()
            stub.token_requests.append(form)
            grant = form.get("grant_type", [""])[0]
            if grant == PRE_AUTH:
                code = form.get("pre-authorized_code", [""])[0]
                entry = stub.codes.get(code)
                if entry is None or entry["used"] or entry["wrong"] >= 3:
                    self._answer(400, {"error": "invalid_grant"})
                    return
                sent = form.get("tx_code", [None])[0]
                if entry["tx_code"] is None and sent is not None:
                    self._answer(400, {"error": "invalid_request"})
                    return
                if entry["tx_code"] is not None and sent != entry["tx_code"]:
                    entry["wrong"] += 1
                    self._answer(400, {"error": "invalid_grant"})
                    return
                entry["used"] = True
            elif grant == "authorization_code":
                code = form.get("code", [""])[0]
                params = stub.auth_codes.pop(code, None)
                verifier = form.get("code_verifier", [""])[0]
                digest = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if (
                    params is None
                    or digest != params["code_challenge"]
                    or form.get("redirect_uri", [""])[0] != params["redirect_uri"]
                    or form.get("client_id", [""])[0] != params["client_id"]
                ):
                    self._answer(400, {"error": "invalid_grant"})
                    return
            else:
                self._answer(400, {"error": "unsupported_grant_type"})
                return
            token = secrets.token_urlsafe(16)
            stub.tokens[token] = "OpenBadge"
            answer = {"access_token": token, "token_type": "Bearer", "expires_in": 86400}
            if stub.draft:
                answer["c_nonce"] = secrets.token_urlsafe(12)
                stub.nonces.add(answer["c_nonce"])
            self._answer(200, answer)

        def _nonce(self) -> None:
            nonce = secrets.token_urlsafe(12)
            stub.nonces.add(nonce)
            self._answer(200, {"c_nonce": nonce})

        def _credential(self) -> None:
            if not self._token():
                self._answer(401, {"error": "invalid_token"})
                return
            request = json.loads(self._body() or b"{}")
            stub.credential_requests.append(request)
            if "proof" in request or "format" in request:
                self._answer(400, {"error": "invalid_credential_request"})
                return
            if request.get("credential_configuration_id") != "OpenBadge":
                self._answer(400, {"error": "unknown_credential_configuration"})
                return
            proofs = request.get("proofs", {})
            if "jwt" in proofs:
                error = stub._check_proof(proofs["jwt"][0])
            elif "di_vp" in proofs:
                error = stub._check_di_vp(proofs["di_vp"][0])
            else:
                error = "invalid_proof"
            if stub.refuse_proof:
                error = "invalid_proof"
            if error == "invalid_proof+c_nonce":
                # The drafts before 1.0: the refusal carries the nonce to prove over next.
                nonce = secrets.token_urlsafe(12)
                stub.nonces.add(nonce)
                answer = {"error": "invalid_proof", "c_nonce": nonce, "c_nonce_expires_in": 86400}
                self._answer(400, answer)
                return
            if error:
                self._answer(400, {"error": error})
                return
            if stub.defer_next:
                transaction_id = secrets.token_urlsafe(8)
                stub.deferred[transaction_id] = 1
                self._answer(202, {"transaction_id": transaction_id, "interval": 60})
                return
            if stub.draft:
                self._answer(200, {"credential": stub.issued_credential(), "format": stub.format})
                return
            self._answer(
                200,
                {
                    "credentials": [{"credential": stub.issued_credential()}],
                    "notification_id": "n-3fwe98js",
                },
            )

        def _deferred(self) -> None:
            if not self._token():
                self._answer(401, {"error": "invalid_token"})
                return
            transaction_id = json.loads(self._body() or b"{}").get("transaction_id")
            if transaction_id not in stub.deferred:
                self._answer(400, {"error": "invalid_transaction_id"})
                return
            if stub.deferred[transaction_id] > 0:
                stub.deferred[transaction_id] -= 1
                self._answer(202, {"transaction_id": transaction_id, "interval": 60})
                return
            del stub.deferred[transaction_id]
            self._answer(200, {"credentials": [{"credential": stub.issued_credential()}]})

        def _notification(self) -> None:
            if not self._token():
                self._answer(401, {"error": "invalid_token"})
                return
            stub.notifications.append(json.loads(self._body() or b"{}"))
            self._answer(204)

        # --- VC-API --------------------------------------------------------------------

        def _exchange(self, exchange_id: str) -> None:
            exchange = stub.exchanges.get(exchange_id)
            if self.headers.get("Content-Type") != "application/json":
                self._answer(415, {})
                return
            sent = json.loads(self._body() or b"{}")
            stub.exchange_posts.append(sent)
            if exchange is None or exchange["done"]:
                self._answer(400, {"message": "exchange not found or complete"})
                return
            host = urlsplit(stub.origin).hostname
            if not sent:
                did_auth = {"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}
                request = {
                    "query": [did_auth, stub.also_ask] if stub.also_ask else did_auth,
                    "challenge": exchange["challenge"],
                    "domain": stub.vpr_domain if stub.vpr_domain is not None else host,
                }
                self._answer(200, {"verifiablePresentationRequest": request})
                return
            vp = sent.get("verifiablePresentation", {})
            proof = vp.get("proof", {})
            if (
                proof.get("challenge") != exchange["challenge"]
                or proof.get("proofPurpose") != "authentication"
            ):
                self._answer(400, {"message": "bad presentation"})  # a refused attempt stays open
                return
            exchange["done"] = True
            credential = stub.issued_credential()
            answer: dict[str, Any] = {
                "verifiablePresentation": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"],
                    "verifiableCredential": [credential],
                },
                "verifiableCredential": [credential],
            }
            if stub.redirect:
                answer["redirectUrl"] = stub.redirect
            self._answer(200, answer)

        def _legacy(self) -> None:
            vp = json.loads(self._body() or b"{}")
            stub.legacy_posts.append((vp, self.headers.get("Authorization", "")))
            if vp.get("proof", {}).get("challenge") != "c-2b8f":
                self._answer(400, {"message": "bad challenge"})
                return
            self._answer(200, stub.issued_credential())

    return Handler


def run_stub_issuer(issuer: TestIssuer) -> Iterator[StubIssuer]:
    stub = StubIssuer(issuer)
    with serving(_handler(stub)) as origin:
        stub.origin = origin
        yield stub
