"""The app's one outbound door (docs/architecture.md, invariant 6): the guarded fetcher, and
`make_fetcher`, which builds the fetcher the SATCHEL_FETCHER setting names.

Every URL the verifier needs (hosted assertions, DID documents, status lists, keys) and every
call of the issuer and verifier protocols (`config.protocol_client`) leaves through here. It
speaks HTTPS only (plain HTTP only when the caller allows it for legacy Open Badges 2.0
hosting), resolves the host itself and contacts only globally routable addresses (an IPv6
address that carries an IPv4 one is judged by both), then connects to the address it checked
(so a second DNS answer cannot rebind it), re-checks every redirect, caps size, and caches
successful GET responses in the Django cache when asked to.

The operator's SATCHEL_OUTBOUND_ALLOW names origins contacted anyway (development issuers on
loopback, intranet verifiers): for those the scheme and address checks are skipped, nothing
else. A POST is never sent on to where a redirect points, except a 303, which becomes a GET
of its (re-checked) location, as HTTP says it should.

Time is capped per fetch, not per step: one wall-clock deadline covers the name lookups, the
connects, the TLS handshakes and every read of every redirect. Socket timeouts alone cannot do
that (a server that sends one byte just inside each read timeout never trips one), so when
the deadline passes a watchdog shuts down whatever socket the fetch has open, which ends the
read, handshake or connect blocked on it.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
import urllib3.connection
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from config.env import normalise_origin
from wallet.verification.fetch import Fetcher, FetchError, FetchRefused, FetchResult

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
NOT_PUBLIC = "refused: Satchel only contacts servers on the public internet"
USER_AGENT = "Satchel-Wallet/0.1 (+credential verification)"


# Prefixes whose addresses carry an IPv4 address inside (RFC 6052 NAT64, RFC 3056 6to4,
# RFC 4380 Teredo, RFC 4291 IPv4-mapped): the embedded address is where traffic really goes.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# RFC 8215 local-use NAT64: a site's own translator, never the public internet.
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
# The only IPv6 range allocated for global unicast (RFC 4291 2.4); older ranges such as
# site-local fec0::/10 and the IPv4-compatible ::/96 lie outside it.
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# Documentation (RFC 9637) is not globally routable though Python 3.11 calls it global.
_NOT_ROUTED = (ipaddress.ip_network("3fff::/20"),)


def public_address(address: Address) -> bool:
    """Only globally routable unicast addresses may be contacted, and an IPv6 address that
    embeds an IPv4 address only when that IPv4 address may be contacted too."""
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_global and not (
            address.is_multicast or address.is_reserved or address.is_unspecified
        )
    if address.ipv4_mapped is not None:
        return public_address(address.ipv4_mapped)
    if address in _NAT64:
        return public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _NAT64_LOCAL or address not in _GLOBAL_UNICAST:
        return False
    if any(address in network for network in _NOT_ROUTED):
        return False
    if address.sixtofour is not None and not public_address(address.sixtofour):
        return False
    if address.teredo is not None and not all(map(public_address, address.teredo)):
        return False
    return address.is_global and not (address.is_multicast or address.is_site_local)


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"could not resolve {host}: {exc}") from exc
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    address: str
    path: str


class GuardedFetcher:
    def __init__(
        self,
        *,
        allow_http: bool = False,
        allowed_origins: tuple[str, ...] | None = None,
        connect_timeout: float | None = None,
        total_timeout: float | None = None,
        max_bytes: int | None = None,
        cache_seconds: int | None = None,
        resolver: Resolver = system_resolver,
        address_allowed: Callable[[Address], bool] = public_address,
    ) -> None:
        self.allow_http = allow_http
        self.connect_timeout = connect_timeout or min(5.0, settings.SATCHEL_FETCH_TIMEOUT)
        self.total_timeout = total_timeout or float(settings.SATCHEL_FETCH_TIMEOUT)
        self.max_bytes = max_bytes or settings.SATCHEL_MAX_UPLOAD_BYTES
        self.cache_seconds = (
            settings.SATCHEL_FETCH_CACHE_SECONDS if cache_seconds is None else cache_seconds
        )
        self.resolver = resolver
        self.address_allowed = address_allowed
        self.allowed_origins = frozenset(
            settings.SATCHEL_OUTBOUND_ALLOW if allowed_origins is None else allowed_origins
        )

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        key = "fetch:" + hashlib.sha256(f"{accept}\n{url}".encode()).hexdigest()
        if self.cache_seconds:
            cached = cache.get(key)
            if isinstance(cached, FetchResult):
                return cached
        result = self.send("GET", url, headers={"Accept": accept})
        if self.cache_seconds and result.ok:
            cache.set(key, result, self.cache_seconds)
        return result

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """One request (GET or POST), never cached. A GET follows redirects (each re-checked);
        a POST follows none but a 303, which becomes a GET of its location. A redirect that
        is not followed comes back as the result, like any other status."""
        current, method = url, method.upper()
        sent_headers = {"Accept": "application/json", **(headers or {})}
        cap = max_bytes or self.max_bytes
        with _Deadline(self.total_timeout) as deadline:
            for _ in range(MAX_REDIRECTS + 1):
                target = self._check(current, deadline)
                response = self._request(target, method, sent_headers, body, cap, deadline)
                location = response.headers.get("location")
                if location and _follows(method, response.status):
                    current = urljoin(current, location)
                    if method != "GET":
                        # 303 See Other: the answer is fetched with a GET, without the body.
                        method, body = "GET", None
                        sent_headers = {
                            k: v for k, v in sent_headers.items() if k.lower() != "content-type"
                        }
                    continue
                return FetchResult(
                    url=current,
                    status=response.status,
                    body=response.body,
                    content_type=response.headers.get("content-type", ""),
                    headers=response.headers,
                )
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects from {url}")

    def _check(self, url: str, deadline: _Deadline) -> _Target:
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # "https://e[xample.org/" and friends
            raise FetchRefused(f"not a valid address: {url}") from exc
        scheme = parts.scheme.lower()
        try:
            listed = normalise_origin(f"{scheme}://{parts.netloc.rpartition('@')[2]}")
        except ValueError:
            listed = None
        allowed_anyway = listed is not None and listed in self.allowed_origins
        if scheme != "https" and not (scheme == "http" and self.allow_http) and not allowed_anyway:
            raise FetchRefused(f"only HTTPS URLs are fetched, not {scheme or 'no scheme'}: {url}")
        if not parts.hostname:
            raise FetchRefused(f"no host in {url}")
        if parts.username or parts.password:
            raise FetchRefused(f"credentials in URLs are refused: {url}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise FetchRefused(f"bad port in {url}") from exc
        addresses = _resolve(self.resolver, parts.hostname, port, deadline)
        if not addresses:
            raise FetchError(f"{parts.hostname} has no address")
        for raw in addresses:
            address = ipaddress.ip_address(raw.split("%")[0])
            if not allowed_anyway and not self.address_allowed(address):
                # What a name resolves to maps the network Satchel runs in: operators read it
                # in the log; the learner (and whoever chose the URL) only learns "refused".
                logger.warning("fetch refused: %s resolves to %s", parts.hostname, address)
                raise FetchRefused(NOT_PUBLIC)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return _Target(scheme, parts.hostname, port, addresses[0], path)

    def _request(
        self,
        target: _Target,
        method: str,
        headers: Mapping[str, str],
        body: bytes | None,
        cap: int,
        deadline: _Deadline,
    ) -> _Response:
        remaining = deadline.remaining()
        timeout = urllib3.Timeout(connect=min(self.connect_timeout, remaining), read=remaining)
        # Connect to the address we checked; the Host header and TLS name stay the hostname.
        pool: urllib3.HTTPConnectionPool
        if target.scheme == "https":
            pool = _HTTPSPool(
                target.address,
                port=target.port,
                timeout=timeout,
                retries=False,
                deadline=deadline,
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        else:
            pool = _HTTPPool(
                target.address, port=target.port, timeout=timeout, retries=False, deadline=deadline
            )
        default_port = 443 if target.scheme == "https" else 80
        host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
        try:
            response = pool.urlopen(
                method,
                target.path,
                body=body,
                # The caller's headers, but never its own idea of Host or User-Agent.
                headers={
                    **{
                        k: v
                        for k, v in headers.items()
                        if k.lower() not in ("host", "user-agent", "content-length")
                    },
                    "Host": host_header,
                    "User-Agent": USER_AGENT,
                },
                redirect=False,
                preload_content=False,
                decode_content=True,
            )
            try:
                received = self._read_capped(response, cap)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            deadline.check()
            # urllib3's message names the address connected to: the log keeps it.
            logger.info("fetch failed: %s (%s): %r", target.host, target.address, exc)
            url = f"{target.scheme}://{host_header}{target.path}"
            raise FetchError(f"could not fetch {url}: the connection failed") from exc
        finally:
            pool.close()
        # A body cut short by the watchdog can look complete (no length, connection closed).
        deadline.check()
        answer_headers = {k.lower(): v for k, v in response.headers.items()}
        return _Response(response.status, answer_headers, received)

    def _read_capped(self, response: urllib3.BaseHTTPResponse, cap: int) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchRefused(f"response of {declared} bytes exceeds the {cap} cap")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.stream(65536):
            size += len(chunk)
            if size > cap:
                raise FetchRefused(f"response exceeds the {cap}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)


def _follows(method: str, status: int) -> bool:
    if method == "GET":
        return status in (301, 302, 303, 307, 308)
    return status == 303


class _Deadline:
    """One fetch's wall-clock limit. Every socket the fetch opens is watched; when the limit
    passes they are all shut down, so nothing blocked on them outlives it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _Deadline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            for watched in self._watched:
                watched.close()
            self._watched.clear()

    def remaining(self) -> float:
        self.check()
        return self.at - time.monotonic()

    def check(self) -> None:
        if self.expired or time.monotonic() >= self.at:
            self.expired = True
            raise FetchError(f"timed out: no complete answer within {self.seconds:g} seconds")

    def watch(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor: TLS wrapping detaches the original socket object,
        # but shutting down any descriptor of a connection ends it for all of them.
        with self._lock:
            self._watched.append(sock.dup())
            if self._timer is None:
                self._timer = threading.Timer(max(0.0, self.at - time.monotonic()), self._expire)
                self._timer.daemon = True
                self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for watched in self._watched:
                try:
                    watched.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by the other side


def _resolve(resolver: Resolver, host: str, port: int, deadline: _Deadline) -> list[str]:
    """Look `host` up within the deadline. The system resolver cannot be interrupted, so it
    runs in a thread of its own, left to finish alone if the deadline passes first."""
    answer: list[list[str]] = []
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            answer.append(resolver(host, port))
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=lookup, name="fetch-dns", daemon=True)
    thread.start()
    thread.join(deadline.remaining())
    if failure:
        raise failure[0]
    if not answer:
        raise FetchError(f"timed out looking up {host}")
    return answer[0]


class _Watched:
    """A connection whose socket the fetch's deadline watches from the moment it connects
    (the connect itself is bounded by its timeout, at most what is left of the deadline)."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        self._deadline.watch(sock)
        return sock


class _DeadlineConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _DeadlineTLSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineTLSConnection


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes


# --- the app's fetcher -------------------------------------------------------------------------


def guarded_fetcher() -> Fetcher:
    """The production fetcher (SATCHEL_FETCHER's default): the guarded one, with plain HTTP
    allowed because Open Badges 2.0 badges were often hosted so (their checks warn of it)."""
    return GuardedFetcher(allow_http=True)


def make_fetcher() -> Fetcher:
    """The fetcher every verification, import and re-check of the app uses: the one built by
    the callable SATCHEL_FETCHER names by its dotted path (as allauth picks ACCOUNT_ADAPTER).

    Production keeps the default; the development server names the demo issuers' fetcher in
    its environment file, and tests name theirs, so no production module knows of either.
    """
    return _factory(settings.SATCHEL_FETCHER)()


@functools.cache
def _factory(path: str) -> Callable[[], Fetcher]:
    try:
        factory = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"Setting SATCHEL_FETCHER: {path!r} is not the dotted path of a callable that "
            f"returns a fetcher ({exc})"
        ) from exc
    if not callable(factory):
        raise ImproperlyConfigured(f"Setting SATCHEL_FETCHER: {path!r} is not callable")
    return factory
