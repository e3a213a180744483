"""The Fetcher protocol: the verifier's only way to reach anything outside its input.

The verifier never opens a socket. Callers pass a Fetcher: the app passes its guarded HTTP
fetcher (`config.outbound`), tests and the CLI's `--url-map` pass a `MapFetcher` that serves
URLs and DIDs from local files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class FetchResult:
    """An HTTP(-like) response. Non-2xx statuses are results, not errors: a 410 means revoked."""

    url: str
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> object:
        return json.loads(self.body)


class FetchError(Exception):
    """The resource could not be reached (network failure, timeout, DNS). Not forgery."""


class FetchRefused(FetchError):
    """The fetcher refused on policy (private address, scheme, size): never sent, or cut off."""


class Fetcher(Protocol):
    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        """Fetch `url` (an http(s) URL). Raise FetchError when it cannot be reached."""
        ...


class NullFetcher:
    """A fetcher for fully offline runs: everything is unreachable."""

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        raise FetchError(f"offline: {url} was not fetched")


def did_web_to_url(did: str) -> str:
    """did:web method-specific id -> the HTTPS URL of its DID document."""
    if not did.startswith("did:web:"):
        raise ValueError(f"not a did:web DID: {did}")
    parts = [unquote(p) for p in did[len("did:web:") :].split(":")]
    if not parts or not parts[0]:
        raise ValueError(f"did:web without a host: {did}")
    path = "/".join(parts[1:]) if len(parts) > 1 else ".well-known"
    url = f"https://{parts[0]}/{path}/did.json"
    try:
        valid = bool(urlsplit(url).hostname)
    except ValueError:
        valid = False
    if not valid or "/" in parts[0]:
        raise ValueError(f"did:web with an invalid host: {did}")
    return url


def _inside(folder: Path, name: str) -> Path | None:
    """The file `name` names in `folder`, or None when there is none or it lies outside the
    folder (`../`, an absolute path, a link out): a URL must not read the rest of the disk."""
    root = folder.resolve()
    try:
        candidate = (root / name).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        return None
    return candidate


class MapFetcher:
    """Serves URLs (and did:web DIDs) from local files or in-memory bodies.

    `entries` maps a URL or DID to bytes, a str body, or a Path. `prefix_rules` map a URL
    prefix to a folder: the rest of the URL names a file in it (never one outside it). Exact
    entries win. A URL
    that matches nothing answers 404 (the resource does not exist), unless
    `unreachable` lists it, in which case it raises FetchError.
    """

    def __init__(
        self,
        entries: Mapping[str, bytes | str | Path] | None = None,
        *,
        prefix_rules: Mapping[str, Path] | None = None,
        statuses: Mapping[str, int] | None = None,
        unreachable: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.entries: dict[str, bytes | str | Path] = {}
        for key, value in (entries or {}).items():
            self.add(key, value)
        self.prefix_rules = dict(prefix_rules or {})
        self.statuses = dict(statuses or {})
        self.unreachable = set(unreachable)
        self.requests: list[str] = []

    def add(self, key: str, value: bytes | str | Path) -> None:
        self.entries[key] = value
        if key.startswith("did:web:"):
            self.entries[did_web_to_url(key)] = value

    @classmethod
    def from_url_map(cls, path: str | Path) -> MapFetcher:
        """Load the format of shared/interop/url-map.json (paths relative to the map's folder)."""
        path = Path(path)
        base = path.parent
        data = json.loads(path.read_text())

        def resolve(p: str) -> Path:
            candidate = Path(p)
            return candidate if candidate.is_absolute() else base / candidate

        entries = {k: resolve(v) for k, v in data.get("map", {}).items()}
        rules = {k: resolve(v) for k, v in data.get("_prefix_rules", {}).items()}
        return cls(entries, prefix_rules=rules)

    def _body(self, url: str) -> bytes | None:
        value = self.entries.get(url)
        if value is None:
            for prefix in sorted(self.prefix_rules, key=len, reverse=True):
                if url.startswith(prefix):
                    value = _inside(self.prefix_rules[prefix], url[len(prefix) :].split("?")[0])
                    break
        if value is None:
            return None
        if isinstance(value, Path):
            return value.read_bytes()
        if isinstance(value, str):
            return value.encode()
        return value

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        self.requests.append(url)
        if url in self.unreachable:
            raise FetchError(f"unreachable: {url}")
        if url in self.statuses and self.statuses[url] >= 300:
            return FetchResult(url=url, status=self.statuses[url], body=b"")
        body = self._body(url)
        if body is None and "#" in url:
            body = self._body(url.partition("#")[0])
        if body is None:
            return FetchResult(url=url, status=404, body=b"")
        return FetchResult(url=url, status=self.statuses.get(url, 200), body=body)
