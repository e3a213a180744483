"""The client every issuer and verifier protocol speaks through: JSON (or a form) in, JSON out,
over the one outbound door (`config.outbound.GuardedFetcher`), never cached.

Answers with an error status are answers, not exceptions: a protocol reads `invalid_nonce` or
a 410 and decides what they mean. What cannot be an answer (nothing reached, a refused
address, a body that is not JSON where JSON was needed) raises `RemoteError`. The log names
the remote party and what it said, cut short; what the learner reads is the protocol's own
sentence, never a stack of internals or the remote party's text verbatim.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from config.outbound import GuardedFetcher
from wallet.verification.fetch import FetchError, FetchRefused, FetchResult

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
# Protocol messages are small; a credential or two in a presentation fits many times over.
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_LOGGED_BODY_CHARS = 300


class RemoteError(Exception):
    """The remote party could not be asked, or its answer could not be read.

    `refused` is True when the door would not send the request at all (a private address, a
    scheme other than HTTPS, an oversized answer): that is about the address, not the party.
    """

    def __init__(self, message: str, *, url: str, refused: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.refused = refused


@dataclass(frozen=True)
class Answer:
    """What a remote party answered: its status, its JSON (None when the body was not JSON),
    and its headers (lower-case names)."""

    url: str
    status: int
    data: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        """The OAuth-style `error` code of an error answer ("invalid_nonce"), or ""."""
        if isinstance(self.data, dict) and isinstance(self.data.get("error"), str):
            return self.data["error"]
        return ""

    def json_object(self) -> dict[str, Any]:
        """The answer as a JSON object; RemoteError when it is anything else."""
        if not isinstance(self.data, dict):
            raise RemoteError(f"{self.url} did not answer with a JSON object", url=self.url)
        return self.data


class ProtocolClient:
    """Talks to one remote party on behalf of a protocol. `party` names it in the log."""

    def __init__(
        self,
        *,
        party: str = "remote party",
        fetcher: GuardedFetcher | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.party = party
        self.max_bytes = max_bytes
        self.fetcher = fetcher or GuardedFetcher(
            cache_seconds=0, total_timeout=float(settings.SATCHEL_FETCH_TIMEOUT)
        )

    def get_json(
        self, url: str, *, accept: str = JSON_TYPE, headers: Mapping[str, str] | None = None
    ) -> Answer:
        return self._send("GET", url, {"Accept": accept, **(headers or {})}, None)

    def post_json(
        self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None
    ) -> Answer:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        sent = {"Content-Type": JSON_TYPE, "Accept": JSON_TYPE, **(headers or {})}
        return self._send("POST", url, sent, body)

    def post_form(
        self, url: str, fields: Mapping[str, str], *, headers: Mapping[str, str] | None = None
    ) -> Answer:
        body = urlencode(dict(fields)).encode()
        sent = {"Content-Type": FORM_TYPE, "Accept": JSON_TYPE, **(headers or {})}
        return self._send("POST", url, sent, body)

    def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        try:
            result = self.fetcher.send(
                method, url, headers=headers, body=body, max_bytes=self.max_bytes
            )
        except FetchRefused as exc:
            logger.warning(
                "%s: %s %s refused by the outbound door: %s",
                self.party,
                method,
                _without_query(url),
                exc,
            )
            raise RemoteError(str(exc), url=url, refused=True) from exc
        except FetchError as exc:
            logger.warning("%s: %s %s failed: %s", self.party, method, _without_query(url), exc)
            raise RemoteError(str(exc), url=url) from exc
        answer = Answer(
            url=result.url, status=result.status, data=_json_of(result), headers=result.headers
        )
        if not answer.ok:
            logger.info(
                "%s answered %s to %s %s: %s",
                self.party,
                result.status,
                method,
                _without_query(url),
                result.body[:_LOGGED_BODY_CHARS].decode("utf-8", "replace"),
            )
        return answer


def _json_of(result: FetchResult) -> Any:
    if not result.body.strip():
        return None
    try:
        return json.loads(result.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _without_query(url: str) -> str:
    # Codes and tokens travel in queries; the log keeps where, not what.
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an address that does not parse)"
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
