"""Web addresses a credential gives: checked before use, never an exception from urlsplit.

`urlsplit` raises ValueError on input such as `https://e[xample.org/` (an unclosed IPv6
bracket) or a port that is not a number; an address the credential controls must instead
become a finding that names the field it came from.
"""

from __future__ import annotations

from typing import TypeGuard
from urllib.parse import SplitResult, urlsplit

from .errors import MalformedInput
from .messages import Message

WEB_SCHEMES = ("https", "http")


def split(url: str) -> SplitResult | None:
    """The parts of `url`, or None when urlsplit (or its host or port) cannot read it."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - raises ValueError on a malformed host
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return parts


def is_web_url(value: object) -> TypeGuard[str]:
    """An absolute http(s) URL with a host that urlsplit can read."""
    if not isinstance(value, str):
        return False
    parts = split(value)
    return parts is not None and parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def require_web_url(value: object, *, field: str, code: str = "url.invalid") -> str:
    """`value` when it is a web address; else MalformedInput naming `field`."""
    if not is_web_url(value):
        raise MalformedInput(
            Message("The %(field)s is not a valid web address.", field=field),
            code=code,
            detail=repr(value)[:300],
        )
    return str(value)


def origin(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) in lower case, or None for an address without a readable host."""
    parts = split(url)
    if parts is None or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def same_origin(a: str, b: str) -> bool:
    first = origin(a)
    return first is not None and first == origin(b)


def hostname(url: str) -> str:
    parts = split(url)
    return (parts.hostname or "") if parts is not None else ""
