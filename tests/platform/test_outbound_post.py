"""The door's POST, its redirect policy, the operator's allow list, and the protocol client on
top of it, against a server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from config.outbound import GuardedFetcher
from config.protocol_client import ProtocolClient, RemoteError
from wallet.verification.fetch import FetchRefused


class Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, bytes, str]] = []

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Handler.seen.append((self.command, self.path, body, self.headers.get("Content-Type", "")))
        return body

    def do_GET(self) -> None:
        self._record()
        if self.path == "/answer":
            self._send(200, {"answer": 42})
        elif self.path == "/to-private":
            self._redirect(302, "http://10.9.9.9/secret")
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:
        body = self._record()
        if self.path == "/echo":
            self._send(
                200, {"got": json.loads(body or b"null"), "type": self.headers["Content-Type"]}
            )
        elif self.path == "/see-other":
            self._redirect(303, "/answer")
        elif self.path == "/temporary":
            self._redirect(307, "/echo")
        elif self.path == "/see-other-private":
            self._redirect(303, "http://10.9.9.9/secret")
        elif self.path == "/nonce":
            self._send(400, {"error": "invalid_nonce", "error_description": "stale"})
        elif self.path == "/html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"<html>")
        elif self.path == "/big":
            self._send(200, {"x": "y" * 5000})
        else:
            self._send(404, {"error": "not_found"})

    def _send(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def origin() -> Iterator[str]:
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allowed(settings, origin: str) -> str:
    settings.SATCHEL_OUTBOUND_ALLOW = (env.normalise_origin(origin),)
    return origin


def test_loopback_and_plain_http_are_refused_unless_the_operator_lists_the_origin(
    origin: str,
) -> None:
    with pytest.raises(FetchRefused):
        GuardedFetcher(cache_seconds=0).send("GET", f"{origin}/answer")
    assert Handler.seen == []


def test_a_listed_origin_is_contacted_plain_http_and_loopback_included(allowed: str) -> None:
    result = GuardedFetcher(cache_seconds=0).send("GET", f"{allowed}/answer")
    assert result.status == 200 and result.json() == {"answer": 42}


def test_a_listed_origin_allows_nothing_else_on_the_same_host(allowed: str) -> None:
    other_port = allowed.rsplit(":", 1)[0] + ":1"
    with pytest.raises(FetchRefused):
        GuardedFetcher(cache_seconds=0).send("GET", f"{other_port}/answer")


def test_it_posts_json_and_reads_the_answer(allowed: str) -> None:
    answer = ProtocolClient().post_json(f"{allowed}/echo", {"a": "é"})
    assert answer.ok and answer.data == {"got": {"a": "é"}, "type": "application/json"}


def test_it_posts_a_form(allowed: str) -> None:
    ProtocolClient().post_form(f"{allowed}/echo-form", {"grant_type": "x y", "code": "1&2"})
    method, path, body, content_type = Handler.seen[0]
    assert (method, path) == ("POST", "/echo-form")
    assert body == b"grant_type=x+y&code=1%262"
    assert content_type == "application/x-www-form-urlencoded"


def test_a_303_after_a_post_becomes_a_get_of_the_location(allowed: str) -> None:
    answer = ProtocolClient().post_json(f"{allowed}/see-other", {"secret": "s"})
    assert answer.data == {"answer": 42}
    assert [(m, p, b) for m, p, b, _ in Handler.seen] == [
        ("POST", "/see-other", b'{"secret":"s"}'),
        ("GET", "/answer", b""),
    ]


def test_a_post_is_never_sent_on_to_another_address_by_a_307(allowed: str) -> None:
    answer = ProtocolClient().post_json(f"{allowed}/temporary", {"secret": "s"})
    assert answer.status == 307
    assert [p for _, p, _, _ in Handler.seen] == ["/temporary"]


def test_every_redirect_target_is_checked_again(allowed: str) -> None:
    with pytest.raises(RemoteError) as caught:
        ProtocolClient().post_json(f"{allowed}/see-other-private", {})
    assert caught.value.refused
    with pytest.raises(RemoteError):
        ProtocolClient().get_json(f"{allowed}/to-private")


def test_an_error_answer_is_an_answer_with_its_code(allowed: str, caplog) -> None:
    with caplog.at_level("INFO", logger="config.protocol_client"):
        answer = ProtocolClient(party="issuer.example").post_json(f"{allowed}/nonce", {})
    assert answer.status == 400 and answer.error == "invalid_nonce"
    assert "issuer.example answered 400" in caplog.text and "stale" in caplog.text


def test_a_body_that_is_not_json_cannot_pass_for_an_object(allowed: str) -> None:
    answer = ProtocolClient().post_json(f"{allowed}/html", {})
    assert answer.data is None
    with pytest.raises(RemoteError, match="JSON object"):
        answer.json_object()


def test_answers_are_capped(allowed: str) -> None:
    with pytest.raises(RemoteError) as caught:
        ProtocolClient(max_bytes=1000).post_json(f"{allowed}/big", {})
    assert caught.value.refused


def test_an_unreachable_party_raises_a_remote_error(settings) -> None:
    from tests.conftest import closed_loopback_url

    url = closed_loopback_url("http").rsplit("/", 1)[0]
    settings.SATCHEL_OUTBOUND_ALLOW = (env.normalise_origin(url),)
    with pytest.raises(RemoteError) as caught:
        ProtocolClient().get_json(f"{url}/x")
    assert not caught.value.refused


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("http://127.0.0.1:9441", ("http://127.0.0.1:9441",)),
        (
            " HTTPS://Issuer.Intranet , http://[::1]:8000/",
            ("https://issuer.intranet:443", "http://[::1]:8000"),
        ),
    ],
)
def test_the_allow_list_setting_is_read_strictly(monkeypatch, raw: str, expected) -> None:
    monkeypatch.setenv("SATCHEL_OUTBOUND_ALLOW", raw)
    assert env.origins("SATCHEL_OUTBOUND_ALLOW") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "127.0.0.1:9441",
        "ftp://files.example",
        "https://issuer.example/path",
        "https://user@issuer.example",
        "https://issuer.example?x=1",
        "https://issuer.example:99999",
    ],
)
def test_an_allow_list_entry_that_is_not_an_origin_stops_start_up(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("SATCHEL_OUTBOUND_ALLOW", raw)
    with pytest.raises(ImproperlyConfigured, match="SATCHEL_OUTBOUND_ALLOW"):
        env.origins("SATCHEL_OUTBOUND_ALLOW")
