"""Text forms a credential can take: compact JWS, link, JSON; shared by files and baked images."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..errors import MalformedInput, UnsupportedInput
from ..limits import Limits
from ..messages import N_, Message
from ..proofs.jose import b64url_decode
from ..sdjwt.compact import looks_like_sd_jwt
from .jsonload import load_json
from .model import ParsedInput

MAX_URL_LENGTH = 8192

_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_=-]+(?:\.[A-Za-z0-9_=-]*)+")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def looks_like_token(text: str) -> bool:
    return _TOKEN_LIKE.fullmatch(text) is not None


def looks_like_url(text: str) -> bool:
    return _SCHEME.match(text) is not None


def parse_token(text: str, *, limits: Limits) -> str:
    """Check a compact JWS's shape and decode its header and payload; return it trimmed.

    Only shape is checked here: the signature, algorithm and claims are the proof step's job.
    """
    token = text.strip()
    parts = token.split(".")
    if len(parts) == 5:
        raise UnsupportedInput(
            N_("This is an encrypted token (JWE); only signed tokens (JWS) can be verified."),
            code="parse.jwe",
        )
    if len(parts) != 3:
        raise MalformedInput(
            Message(
                "This looks like a token but has %(count)s parts; a signed token "
                "(compact JWS) has exactly three base64url parts separated by dots.",
                count=len(parts),
            ),
            code="parse.jwt_invalid",
        )
    if not _COMPACT_JWS.fullmatch(token):
        raise MalformedInput(
            N_("The token has an empty part or characters outside base64url (no padding)."),
            code="parse.jwt_invalid",
        )
    # Capped loading first: a hostile header or payload nested 100,000 deep must not reach an
    # uncapped json.loads (RecursionError) and duplicate keys must be refused.
    header = load_json(b64url_decode(parts[0]), limits=limits)
    if not isinstance(header, dict):
        raise MalformedInput(
            N_("The token's header is not a JSON object."), code="parse.jwt_invalid"
        )
    if not isinstance(load_json(b64url_decode(parts[1]), limits=limits), dict):
        raise MalformedInput(
            N_("The token's payload is not a JSON object."), code="parse.jwt_invalid"
        )
    if not isinstance(header.get("alg"), str):
        raise MalformedInput(N_("The token's header names no algorithm."), code="parse.jwt_invalid")
    return token


def parse_sd_jwt(text: str, *, limits: Limits) -> str:
    """Check an SD-JWT's shape and its issuer JWT's header and payload; return it trimmed.

    The Disclosures and the key binding JWT are the verifier's to read.
    """
    compact = text.strip()
    if not looks_like_sd_jwt(compact):
        raise MalformedInput(
            N_(
                "This looks like a selectively disclosable credential (SD-JWT) but is not one: "
                "expected a signed token, then '~'-separated parts."
            ),
            code="parse.sd_jwt_invalid",
        )
    parse_token(compact.partition("~")[0], limits=limits)
    return compact


def parse_url(text: str) -> str:
    """Accept a single absolute http(s) link; anything else (file:, javascript:) is refused."""
    url = text.strip()
    if len(url) > MAX_URL_LENGTH:
        raise MalformedInput(N_("The link is too long."), code="parse.url_invalid")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise MalformedInput(
            N_("A link must be one line with no spaces or control characters."),
            code="parse.url_invalid",
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise MalformedInput(N_("The link is not a valid URL."), code="parse.url_invalid") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise MalformedInput(
            Message(
                "Only http and https links can be imported, not '%(scheme)s:' links.",
                scheme=scheme[:20],
            ),
            code="parse.url_scheme",
        )
    if not hostname:
        raise MalformedInput(N_("The link names no host."), code="parse.url_invalid")
    return url


def parse_text_payload(text: str, *, limits: Limits, container: str, baked_as: str) -> ParsedInput:
    """What an image carries: JSON starts with `{`, a link with `http`, else a compact JWS."""
    payload = text.strip()
    if not payload:
        raise MalformedInput(
            N_("The image's badge data is empty."), code="parse.baked_empty", detail=baked_as
        )
    if payload.startswith("{"):
        document = load_json(payload, limits=limits)
        return ParsedInput(container, document=document, baked_as=baked_as)
    if payload[:4].lower() == "http":
        return ParsedInput(container, url=parse_url(payload), baked_as=baked_as)
    if looks_like_token(payload):
        return ParsedInput(container, token=parse_token(payload, limits=limits), baked_as=baked_as)
    raise MalformedInput(
        N_("The image's badge data is neither a JSON credential, a link, nor a signed token."),
        code="parse.baked_unrecognised",
        detail=baked_as,
    )
