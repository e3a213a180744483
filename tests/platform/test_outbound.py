"""The guarded fetcher refuses what it must without sending traffic beyond loopback."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.core.cache import cache

from config.outbound import GuardedFetcher, public_address
from wallet.verification.fetch import FetchError, FetchRefused


class Handler(BaseHTTPRequestHandler):
    hits: list[tuple[str, str]] = []
    release = threading.Event()

    def log_message(self, *args: object) -> None:
        """Requests are not logged: the test output stays readable."""

    def do_GET(self) -> None:
        Handler.hits.append((self.path, self.headers.get("Host", "")))
        if self.path == "/ok":
            self._send(200, b'{"ok": true}')
        elif self.path == "/gone":
            self._send(410, b"")
        elif self.path == "/big":
            self._send(200, b"x" * 5000)
        elif self.path.startswith("/hop/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/hop/{n + 1}" if n < 10 else "/ok")
            self.end_headers()
        elif self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.1.2.3/secret")
            self.end_headers()
        elif self.path == "/stall":
            Handler.release.wait(10)
            self._send(200, b"late")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[int]:
    Handler.hits = []
    Handler.release = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()
    cache.clear()


def loopback_only(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return str(address) == "127.0.0.1"


def local_fetcher(**kwargs: object) -> GuardedFetcher:
    """A fetcher whose address policy admits only 127.0.0.1, so tests stay on loopback."""
    options: dict = {
        "allow_http": True,
        "resolver": lambda host, port: ["127.0.0.1"],
        "address_allowed": loopback_only,
        "cache_seconds": 0,
    }
    options.update(kwargs)
    return GuardedFetcher(**options)


def refuse_any_connection(host: str, port: int) -> list[str]:
    raise AssertionError("the fetcher must refuse before resolving")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.8",
        "172.16.4.4",
        "192.168.1.1",
        "169.254.169.254",
        "224.0.0.1",
        "0.0.0.0",  # noqa: S104
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "fec0::1",  # site-local (deprecated, yet `is_global` in Python 3.11)
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
        "64:ff9b::a00:8",  # NAT64 around 10.0.0.8
        "64:ff9b:1::5db8:d822",  # local-use NAT64, whatever it embeds
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::5db8:d822",  # IPv4-compatible: deprecated, routed nowhere
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "2001:0:5db8:d822:8000:63bf:a247:27dd",  # Teredo: not globally reachable at all
        "2001:db8::1",  # documentation
        "3fff::1",  # documentation (RFC 9637)
        "5f00::1",  # SRv6 segment identifiers
    ],
)
def test_the_default_policy_refuses_what_is_not_globally_routable(address: str) -> None:
    assert not public_address(ipaddress.ip_address(address))


def test_it_refuses_non_public_addresses_after_resolving() -> None:
    fetcher = GuardedFetcher(resolver=lambda host, port: ["2002:7f00:1::1"], cache_seconds=0)
    with pytest.raises(FetchRefused, match="refused"):
        fetcher.fetch("https://issuer.example/key")


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
        "::ffff:93.184.216.34",
        "2002:5db8:d822::1",  # 6to4 around a public address
        "64:ff9b::5db8:d822",  # NAT64 around a public address
    ],
)
def test_public_addresses_are_allowed_by_the_default_policy(address: str) -> None:
    assert public_address(ipaddress.ip_address(address))


def test_a_refusal_tells_the_learner_nothing_about_the_network_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fetcher = GuardedFetcher(resolver=lambda host, port: ["10.1.2.3"], cache_seconds=0)
    with caplog.at_level("WARNING", logger="config.outbound"):
        with pytest.raises(FetchRefused) as caught:
            fetcher.fetch("https://intranet.example/key")
    assert str(caught.value) == ("refused: Satchel only contacts servers on the public internet")
    assert "10.1.2.3" in caplog.text and "intranet.example" in caplog.text


def test_it_refuses_when_any_resolved_address_is_private() -> None:
    fetcher = GuardedFetcher(
        resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"], cache_seconds=0
    )
    with pytest.raises(FetchRefused):
        fetcher.fetch("https://rebinding.example/")


@pytest.mark.parametrize(
    "url", ["http://issuer.example/a", "file:///etc/passwd", "ftp://x.example/", "gopher://x"]
)
def test_it_refuses_schemes_other_than_https(url: str) -> None:
    fetcher = GuardedFetcher(resolver=refuse_any_connection, cache_seconds=0)
    with pytest.raises(FetchRefused, match="only HTTPS"):
        fetcher.fetch(url)


@pytest.mark.parametrize("url", ["https://e[xample.org/badge", "https://[::1/x", "https://a]b/"])
def test_an_address_that_does_not_parse_is_refused_not_raised(url: str) -> None:
    with pytest.raises(FetchRefused, match="not a valid address"):
        GuardedFetcher(resolver=refuse_any_connection, cache_seconds=0).fetch(url)


def test_it_refuses_credentials_in_urls() -> None:
    fetcher = GuardedFetcher(resolver=refuse_any_connection, cache_seconds=0)
    with pytest.raises(FetchRefused):
        fetcher.fetch("https://user:pw@issuer.example/")


def test_it_connects_to_the_address_it_checked_and_keeps_the_host_name(server: int) -> None:
    result = local_fetcher().fetch(f"http://issuer.example:{server}/ok")
    assert result.status == 200
    assert result.json() == {"ok": True}
    assert Handler.hits == [("/ok", f"issuer.example:{server}")]


def test_a_non_2xx_status_is_a_result_not_an_error(server: int) -> None:
    result = local_fetcher().fetch(f"http://issuer.example:{server}/gone")
    assert result.status == 410


def test_it_follows_at_most_three_redirects(server: int) -> None:
    fetcher = local_fetcher()
    assert fetcher.fetch(f"http://issuer.example:{server}/hop/8").json() == {"ok": True}
    with pytest.raises(FetchRefused, match="redirects"):
        fetcher.fetch(f"http://issuer.example:{server}/hop/1")


def test_it_rechecks_every_redirect_target(server: int) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["10.1.2.3"] if host == "10.1.2.3" else ["127.0.0.1"]

    with pytest.raises(FetchRefused, match="public internet"):
        local_fetcher(resolver=resolver).fetch(f"http://issuer.example:{server}/to-private")
    assert [path for path, _ in Handler.hits] == ["/to-private"]


def test_it_caps_the_response_size(server: int) -> None:
    with pytest.raises(FetchRefused, match="cap"):
        local_fetcher(max_bytes=1000).fetch(f"http://issuer.example:{server}/big")


def test_it_times_out_a_stalled_server(server: int) -> None:
    with pytest.raises(FetchError):
        local_fetcher(total_timeout=0.3).fetch(f"http://issuer.example:{server}/stall")


def test_an_unresolvable_host_is_unreachable_not_refused() -> None:
    def no_dns(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with mock.patch("config.outbound.socket.getaddrinfo", no_dns):
        with pytest.raises(FetchError) as caught:
            GuardedFetcher(cache_seconds=0).fetch("https://no-such-host.invalid/")
    assert not isinstance(caught.value, FetchRefused)


def test_it_caches_successful_responses(server: int) -> None:
    fetcher = local_fetcher(cache_seconds=60)
    first = fetcher.fetch(f"http://issuer.example:{server}/ok")
    second = fetcher.fetch(f"http://issuer.example:{server}/ok")
    assert first.body == second.body
    assert len(Handler.hits) == 1


def test_the_app_fetches_through_the_guarded_fetcher_by_default() -> None:
    from config import outbound

    fetcher = outbound.make_fetcher()

    assert isinstance(fetcher, GuardedFetcher)
    assert fetcher.allow_http  # Open Badges 2.0 badges were often hosted over plain HTTP
    with pytest.raises(FetchRefused, match="public internet"):
        fetcher.fetch("https://10.0.0.1/status/1")


def test_the_app_fetches_through_the_fetcher_the_setting_names(settings) -> None:
    from config import outbound

    settings.SATCHEL_FETCHER = "tests.platform.test_outbound.local_fetcher"

    fetcher = outbound.make_fetcher()

    assert isinstance(fetcher, GuardedFetcher)
    assert fetcher.address_allowed is loopback_only


@pytest.mark.parametrize("path", ["no.such.module.fetcher", "config.outbound.no_such_name"])
def test_a_fetcher_setting_that_names_nothing_stops_with_a_clear_error(settings, path) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config import outbound

    settings.SATCHEL_FETCHER = path

    with pytest.raises(ImproperlyConfigured, match=f"Setting SATCHEL_FETCHER: '{path}'"):
        outbound.make_fetcher()


# --- the wall-clock deadline --------------------------------------------------------------


class Drip:
    """A loopback server that answers one byte at a time, a tenth of a second apart.

    It stops after `DRIP_FOR` seconds at most, so a fetcher that ignores its deadline ends
    the test (as a failure) instead of hanging it; `sent` counts what it managed to send.
    """

    INTERVAL = 0.1
    DRIP_FOR = 8.0

    def __init__(self, head: bytes, body: bytes) -> None:
        self.head, self.body = head, body
        self.sent = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = conn.recv(65536)
            if b"GET /hop " in request:
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /drip\r\nContent-Length: 0\r\n\r\n")
                return
            conn.sendall(self.head)
            for _ in range(int(self.DRIP_FOR / self.INTERVAL)):
                try:
                    conn.sendall(self.body[self.sent % len(self.body) :][:1])
                except OSError:
                    return  # the fetcher hung up
                self.sent += 1
                if self.stop.wait(self.INTERVAL):
                    return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


HEAD_WITH_LENGTH = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
)
HEAD_UNTIL_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"


@pytest.fixture
def drip_server(request: pytest.FixtureRequest) -> Iterator[Drip]:
    head, body = request.param
    server = Drip(head, body)
    yield server
    server.close()


@pytest.mark.parametrize(
    "drip_server",
    [
        pytest.param((b"", HEAD_WITH_LENGTH), id="status-and-headers"),
        pytest.param((HEAD_WITH_LENGTH, b"x"), id="body-with-length"),
        pytest.param((HEAD_UNTIL_CLOSE, b"x"), id="body-until-close"),
        # A TLS handshake record announcing 16 KB, then sent a byte at a time.
        pytest.param((b"\x16\x03\x03\x40\x00", b"\x02"), id="tls-handshake"),
    ],
    indirect=True,
)
@pytest.mark.parametrize("path", ["/drip", "/hop"])
def test_a_dripping_server_cannot_hold_a_fetch_past_its_deadline(
    drip_server: Drip, path: str
) -> None:
    # Each byte arrives well within any read timeout; only a wall-clock deadline ends this.
    scheme = "https" if drip_server.head.startswith(b"\x16") else "http"
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        local_fetcher(total_timeout=0.5).fetch(
            f"{scheme}://issuer.example:{drip_server.port}{path}"
        )
    elapsed = time.monotonic() - started
    assert elapsed < Drip.DRIP_FOR / 2, f"the fetch took {elapsed:.1f}s against a 0.5s limit"
    assert drip_server.sent < 20


def test_a_slow_name_lookup_counts_against_the_deadline() -> None:
    answered = threading.Event()

    def stuck_resolver(host: str, port: int) -> list[str]:
        answered.wait(Drip.DRIP_FOR)
        return ["127.0.0.1"]

    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="timed out"):
            local_fetcher(total_timeout=0.3, resolver=stuck_resolver).fetch(
                "http://issuer.example/slow-dns"
            )
        assert time.monotonic() - started < Drip.DRIP_FOR / 2
    finally:
        answered.set()


def test_a_failed_connection_does_not_tell_the_learner_the_address(caplog) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with caplog.at_level("INFO", logger="config.outbound"):
        with pytest.raises(FetchError) as caught:
            local_fetcher().fetch(f"http://issuer.example:{port}/key")

    assert str(caught.value) == (
        f"could not fetch http://issuer.example:{port}/key: the connection failed"
    )
    assert "127.0.0.1" in caplog.text
