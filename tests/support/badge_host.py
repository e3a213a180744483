"""A stub Open Badges 3.0 host on loopback, built from the specification's examples (OB 3.0
sections 6.2.2, 6.3.1, 7.1): a discovery document, RFC 7591 registration, an authorization
step that records the PKCE challenge (what the learner's browser would do there is
`approve`), a token endpoint that checks HTTP Basic client authentication and the S256
verifier and refreshes, an RFC 7009 revocation endpoint (named in discovery by the
`x-imssf-revocationUrl` extension), and getCredentials paged with `Link` and `X-Total-Count`,
holding credentials as objects and as VC-JWTs (under `compactJwsStrings`, as the example
spells it, when `plural_jws` is set)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.stub_server import QuietHandler, serving

OB_PATH, OB_READ = (
    "/ims/ob/v3p0",
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly",
)
CLR_PATH, CLR_READ = (
    "/ims/clr/v2p0",
    "https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.readonly",
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class StubHost:
    origin: str = ""
    credentials: list[Any] = field(default_factory=list)  # dicts and JWS strings
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> metadata+secret
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    plural_jws: bool = False
    discovery_status: int = 200
    refuse_refresh: bool = False
    next_link_origin: str = ""  # send `next` elsewhere when set
    page_size: int = 2
    api_path: str = OB_PATH  # CLR_PATH makes it a CLR 2.0 host
    bare_object: bool = False  # `credential` as one object, not an array
    revoked: list[tuple[str, str]] = field(default_factory=list)  # (token, token_type_hint)
    # getCredentials' `since` (6.2.2): when each credential last changed (by its index in
    # `credentials`; one never stamped changed long ago), and every `since` asked for.
    changed_at: dict[int, datetime] = field(default_factory=dict)
    since_asked: list[str] = field(default_factory=list)
    queries: list[tuple[str, str]] = field(default_factory=list)  # (path, query) of each GET
    fail_offsets: set[int] = field(default_factory=set)  # getCredentials pages answered 500
    revocation_status: int = 200
    names_revocation_url: bool = True

    def discovery(self) -> dict[str, Any]:
        return {
            "openapi": "3.0.1",
            "info": {
                "title": "Example University Badges",
                "version": "3.0",
                "termsOfService": f"{self.origin}/tos",
                "x-imssf-privacyPolicyUrl": f"{self.origin}/privacy",
            },
            "components": {
                "securitySchemes": {
                    "OAuth2ACG": {
                        "type": "oauth2",
                        "description": "OAuth 2.0 Authorization Code Grant authorization",
                        "x-imssf-name": "Example University",
                        "x-imssf-registrationUrl": f"{self.origin}/connect/register",
                        **(
                            {"x-imssf-revocationUrl": f"{self.origin}/revoke"}
                            if self.names_revocation_url
                            else {}
                        ),
                        "flows": {
                            "authorizationCode": {
                                "tokenUrl": f"{self.origin}/token",
                                "authorizationUrl": f"{self.origin}/authorize",
                                "refreshUrl": f"{self.origin}/token",
                                "scopes": {self.read_scope: "...", "offline_access": "..."},
                            }
                        },
                    }
                },
                "schemas": {},
            },
        }

    @property
    def read_scope(self) -> str:
        return CLR_READ if self.api_path == CLR_PATH else OB_READ

    def approve(self, authorization_url: str) -> dict[str, str]:
        """The learner allows Satchel on the host's page: the query Satchel is sent back with."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert query["client_id"] in self.clients
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        return {"code": code, "state": query["state"], "scope": query["scope"]}

    def add(self, credential: Any, *, at: datetime) -> None:
        self.changed_at[len(self.credentials)] = at
        self.credentials.append(credential)

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 3600,
            "token_type": "Bearer",
            "scope": f"{self.read_scope} offline_access",
        }


def _handler(stub: StubHost) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            stub.requests.append(("GET", path))
            stub.queries.append((path, query))
            if path == stub.api_path + "/discovery":
                if stub.discovery_status != 200:
                    self._answer(stub.discovery_status, {})
                    return
                self._answer(200, stub.discovery())
            elif path == stub.api_path + "/credentials":
                self._credentials(parse_qs(query))
            else:
                self._answer(404, {})

        def _credentials(self, query: dict[str, list[str]]) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in stub.access_tokens:
                self._answer(401, {"imsx_codeMajor": "failure", "imsx_severity": "error"})
                return
            limit = min(int(query.get("limit", ["2"])[0]), stub.page_size)
            offset = int(query.get("offset", ["0"])[0])
            if offset in stub.fail_offsets:
                self._answer(500, {"imsx_codeMajor": "failure", "imsx_severity": "error"})
                return
            since_raw = query.get("since", [""])[0]
            held = stub.credentials
            if since_raw:
                stub.since_asked.append(since_raw)
                since = datetime.fromisoformat(since_raw)
                held = [
                    c
                    for i, c in enumerate(stub.credentials)
                    if stub.changed_at.get(i, LONG_AGO) >= since
                ]
            page = held[offset : offset + limit]
            body: dict[str, Any] = {}
            objects = [c for c in page if isinstance(c, dict)]
            tokens = [c for c in page if isinstance(c, str)]
            if objects:
                body["credential"] = objects[0] if stub.bare_object else objects
            if tokens:
                body["compactJwsStrings" if stub.plural_jws else "compactJwsString"] = tokens
            total = len(held)
            base = (stub.next_link_origin or stub.origin) + stub.api_path + "/credentials"
            kept = {"since": since_raw} if since_raw else {}
            links = [
                f'<{stub.origin}{stub.api_path}/credentials?limit={limit}&offset=0>; rel="first"'
            ]
            if offset + limit < total:
                after = urlencode({"limit": limit, "offset": offset + limit, **kept})
                links.append(f'<{base}?{after}>; rel="next"')
            self._answer(200, body, {"X-Total-Count": str(total), "Link": ", ".join(links)})

        def do_POST(self) -> None:
            path = self.path.partition("?")[0]
            stub.requests.append(("POST", path))
            body = self._body()
            if path == "/connect/register":
                metadata = json.loads(body)
                client_id, secret = secrets.token_hex(8), secrets.token_hex(16)
                stub.clients[client_id] = {**metadata, "client_secret": secret}
                self._answer(201, {**metadata, "client_id": client_id, "client_secret": secret})
            elif path == "/token":
                self._token({k: v[0] for k, v in parse_qs(body.decode()).items()})
            elif path == "/revoke":
                self._revoke({k: v[0] for k, v in parse_qs(body.decode()).items()})
            else:
                self._answer(404, {})

        def _client_id(self) -> str | None:
            """The client authenticated by HTTP Basic, or None (answered 401)."""
            basic = self.headers.get("Authorization", "").removeprefix("Basic ")
            client_id, _, secret = base64.b64decode(basic or "Og==").decode().partition(":")
            client = stub.clients.get(client_id)
            if client is None or client["client_secret"] != secret:
                self._answer(401, {"error": "invalid_client"})
                return None
            return client_id

        def _revoke(self, form: dict[str, str]) -> None:
            if self._client_id() is None:
                return
            if stub.revocation_status != 200:
                self._answer(stub.revocation_status, {"error": "temporarily_unavailable"})
                return
            token = form.get("token", "")
            stub.revoked.append((token, form.get("token_type_hint", "")))
            stub.access_tokens.discard(token)
            stub.refresh_tokens.discard(token)
            self._answer(200, {})

        def _token(self, form: dict[str, str]) -> None:
            client_id = self._client_id()
            if client_id is None:
                return
            if form.get("grant_type") == "refresh_token":
                if stub.refuse_refresh or form.get("refresh_token") not in stub.refresh_tokens:
                    self._answer(400, {"error": "invalid_grant"})
                    return
                stub.refresh_tokens.discard(form["refresh_token"])
                self._answer(200, stub._issue())
                return
            asked = stub.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                asked is None
                or asked["client_id"] != client_id
                or asked["redirect_uri"] != form.get("redirect_uri")
                or asked["code_challenge"] != challenge
            ):
                self._answer(400, {"error": "invalid_grant"})
                return
            self._answer(200, stub._issue())

    return Handler


def run_stub_host() -> Iterator[StubHost]:
    stub = StubHost()
    with serving(_handler(stub)) as origin:
        stub.origin = origin
        yield stub
