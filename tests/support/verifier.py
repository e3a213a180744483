"""A stub OpenID4VP 1.0 verifier and a stub VC-API exchange on loopback, shaped after the
specifications' examples: request objects by reference (unsigned JSON, `alg: none`, or signed
by a did:key under `decentralized_identifier:`), served once; a `direct_post` response URI
that records what it is sent and answers with a `redirect_uri`; and a VC-API exchange that
answers `{}` with a presentation request and the presentation with a `redirectUrl`."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.support.stub_server import QuietHandler, serving
from wallet.verification.keys import did_key_from_public_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(header: dict[str, Any], payload: dict[str, Any], key: Any | None) -> str:
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    if key is None:
        return signing_input + "."
    return signing_input + "." + _b64(key.sign(signing_input.encode()))


class StubVerifier:
    def __init__(self) -> None:
        self.origin = ""
        self.objects: dict[str, tuple[str, str]] = {}  # path -> (content type, body)
        self.served: dict[str, int] = {}
        self.received: list[dict[str, list[str]]] = []
        self.exchange_posts: list[Any] = []
        self.vpr: dict[str, Any] = {}
        self.redirect = ""
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.did = did_key_from_public_key(self.key.public_key())

    @property
    def response_uri(self) -> str:
        return f"{self.origin}/response"

    def request(self, **changes: Any) -> dict[str, Any]:
        """An unsigned `redirect_uri:` request object asking for one OB 3.0 credential."""
        claims = {
            "client_id": f"redirect_uri:{self.response_uri}",
            "response_uri": self.response_uri,
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "nonce": "n-0S6_WzA2Mj",
            "state": "eyJhb-6-sVA",
            "dcql_query": {
                "credentials": [
                    {
                        "id": "badge",
                        "format": "ldp_vc",
                        "meta": {
                            "type_values": [
                                [
                                    "https://www.w3.org/2018/credentials#VerifiableCredential",
                                    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
                                ]
                            ]
                        },
                    }
                ]
            },
            "client_metadata": {"client_name": "Acme Hiring", "vp_formats_supported": {}},
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def serve(self, claims: dict[str, Any], *, form: str = "json", key: Any = None) -> str:
        """Put a request object at a fresh path; returns the wallet's link to it."""
        path = f"/request/{len(self.objects) + 1}"
        if form == "json":
            body, media = json.dumps(claims), "application/json"
        elif form == "none":
            header = {"alg": "none", "typ": "oauth-authz-req+jwt"}
            body, media = jwt(header, claims, None), "application/oauth-authz-req+jwt"
        else:
            signer = key or self.key
            did = did_key_from_public_key(signer.public_key())
            kid = f"{did}#{did.removeprefix('did:key:')}"
            header = {"alg": "EdDSA", "typ": "oauth-authz-req+jwt", "kid": kid}
            body, media = jwt(header, claims, signer), "application/oauth-authz-req+jwt"
        self.objects[path] = (media, body)
        params = {"client_id": claims.get("client_id", ""), "request_uri": self.origin + path}
        return "openid4vp://?" + urlencode(params, quote_via=quote)

    def sent_vp_token(self) -> dict[str, Any]:
        return json.loads(self.received[-1]["vp_token"][0])


def _handler(stub: StubVerifier) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _answer(self, status: int, body: str, media: str = "application/json") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/interaction":
                self._answer(200, json.dumps({"protocols": {"vcapi": stub.origin + "/exchange"}}))
                return
            if self.path not in stub.objects:
                self._answer(404, "{}")
                return
            stub.served[self.path] = stub.served.get(self.path, 0) + 1
            if stub.served[self.path] > 1:  # a request object is served once
                self._answer(410, '{"error": "invalid_request"}')
                return
            media, body = stub.objects[self.path]
            self._answer(200, body, media)

        def do_POST(self) -> None:
            body = self._body()
            if self.path == "/response":
                stub.received.append(parse_qs(body.decode()))
                answer = {"redirect_uri": stub.redirect} if stub.redirect else {}
                self._answer(200, json.dumps(answer))
                return
            if self.path == "/exchange":
                sent = json.loads(body or b"{}")
                stub.exchange_posts.append(sent)
                if not sent:
                    self._answer(200, json.dumps({"verifiablePresentationRequest": stub.vpr}))
                else:
                    self._answer(200, json.dumps({"redirectUrl": stub.origin + "/thanks"}))
                return
            self._answer(404, "{}")

    return Handler


def run_stub() -> Iterator[StubVerifier]:
    stub = StubVerifier()
    with serving(_handler(stub)) as origin:
        stub.origin = origin
        yield stub
