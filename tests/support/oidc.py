"""A small OpenID Connect provider on loopback, for the unit tests of school sign-in.

It answers what allauth asks a provider for (discovery, token, userinfo, keys) over real
HTTP, so allauth's own client code runs; the browser steps (authorize, the provider's login
page) are skipped by calling the callback with the state allauth put in the authorize URL.
The browser journey in tests/e2e/ uses a real provider (django-oauth-toolkit) instead.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import jwt
from django.test import Client

CLIENT_ID = "satchel"
CLIENT_SECRET = "s3cret-the-school-gave-us-for-satchel-2026"
PROVIDER_ID = "school"
PROVIDER_NAME = "Springfield University"


@dataclass
class StubProvider:
    origin: str = ""
    # Where the learner's browser is sent; another origin than the API endpoints by default,
    # as at providers whose sign-in pages live on their own host.
    authorization_endpoint: str = "https://login.springfield.example/authorize"
    client_secret: str = CLIENT_SECRET
    claims: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "student-42",
            "email": "lin@springfield.example",
            "email_verified": True,
            "name": "Lin Park",
        }
    )
    discovery_requests: int = 0
    # When set, served as the discovery document instead of a well-formed one.
    broken_discovery: Any = None

    @property
    def server_url(self) -> str:
        return self.origin

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.origin,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": f"{self.origin}/token",
            "userinfo_endpoint": f"{self.origin}/userinfo",
            "jwks_uri": f"{self.origin}/jwks",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256"],
        }

    def id_token(self) -> str:
        now = int(time.time())
        payload = {"iss": self.origin, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        return jwt.encode({**payload, **self.claims}, self.client_secret, algorithm="HS256")

    def settings(self) -> dict[str, Any]:
        """SOCIALACCOUNT_PROVIDERS for Satchel, as config/settings.py builds it."""
        return providers_setting(server_url=self.origin)


def providers_setting(*, server_url: str, secret: str = CLIENT_SECRET) -> dict[str, Any]:
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": PROVIDER_NAME,
                    "client_id": CLIENT_ID,
                    "secret": secret,
                    "settings": {"server_url": server_url},
                }
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    }


def _handler(provider: StubProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                provider.discovery_requests += 1
                body = provider.broken_discovery
                self._answer(200, provider.discovery() if body is None else body)
            elif path == "/userinfo":
                self._answer(200, provider.claims)
            elif path == "/jwks":
                self._answer(200, {"keys": []})
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            if urlsplit(self.path).path != "/token":
                self._answer(404, {"error": "not_found"})
            elif form.get("client_secret") != provider.client_secret:
                self._answer(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "Client authentication failed",
                    },
                )
            else:
                self._answer(
                    200,
                    {
                        "access_token": "stub-access-token",
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(),
                    },
                )

    return Handler


@contextmanager
def running_provider(**overrides: Any) -> Iterator[StubProvider]:
    provider = StubProvider(**overrides)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def unreachable_origin() -> str:
    """A loopback origin where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


LOGIN_URL = f"/accounts/oidc/{PROVIDER_ID}/login/"
CALLBACK_URL = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"


def start_school_sign_in(client: Client, *, process: str = "login"):
    """The learner's "Sign in with <school>" and then "Continue": allauth's answer to the form."""
    client.get(LOGIN_URL, {"process": process})
    return client.post(f"{LOGIN_URL}?process={process}")


def finish_school_sign_in(client: Client, *, process: str = "login"):
    """The whole round trip: the provider sends the learner back with a code."""
    response = start_school_sign_in(client, process=process)
    assert response.status_code == 302, response.content
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    return client.get(CALLBACK_URL, {"code": "a-code", "state": state})
