"""Recognise what a learner brought (JSON, token, PNG, SVG, link) from its bytes alone.

The declared media type is only a hint for a clearer message: browsers and mail clients
mislabel files often, and a label must never route bytes to a parser they do not fit.
"""

from __future__ import annotations

from typing import Any

from ..errors import MalformedInput
from ..limits import Limits
from ..messages import N_, Message
from ..sdjwt.compact import from_json_serialization, looks_like_sd_jwt
from ..sdjwt.wording import SdJwtError
from .jsonload import UTF8_BOM, decode_utf8, load_json
from .model import ParsedInput
from .png import PNG_SIGNATURE, parse_png
from .svg import parse_svg
from .text import looks_like_token, looks_like_url, parse_sd_jwt, parse_token, parse_url

_XML_WHITESPACE = b" \t\r\n"


def parse_input(data: bytes, *, limits: Limits, media_type: str | None = None) -> ParsedInput:
    """Find the credential in `data`; raise MalformedInput/UnsupportedInput if there is none."""
    if len(data) > limits.max_input_bytes:
        raise MalformedInput(
            Message(
                "The file is too large (%(count)s bytes; the limit is %(max_input_bytes)s).",
                count=len(data),
                max_input_bytes=limits.max_input_bytes,
            ),
            code="parse.too_large",
        )
    if data.startswith(PNG_SIGNATURE[:4]):
        return parse_png(data, limits=limits)
    markup = data.removeprefix(UTF8_BOM).lstrip(_XML_WHITESPACE)
    if markup.startswith(b"<"):
        return parse_svg(data, limits=limits)
    text = decode_utf8(data).strip()
    if not text:
        raise MalformedInput(N_("The file is empty."), code="parse.empty")
    if text[0] in "{[":
        return _json(data, limits=limits)
    if looks_like_url(text):
        return ParsedInput("url", url=parse_url(text))
    if "~" in text:
        return ParsedInput("sd-jwt", sd_jwt=parse_sd_jwt(text, limits=limits))
    if looks_like_token(text):
        return ParsedInput("jwt", token=parse_token(text, limits=limits))
    raise MalformedInput(_unrecognised_message(media_type), code="parse.unrecognised")


def _json(data: bytes, *, limits: Limits) -> ParsedInput:
    value = load_json(data, limits=limits)
    if isinstance(value, dict):
        return unwrap(value, limits=limits) or ParsedInput("json", document=value)
    if len(value) > limits.max_nested_credentials:
        raise MalformedInput(
            Message(
                "The file lists %(count)s credentials; at most "
                "%(max_nested_credentials)s can be imported at once.",
                count=len(value),
                max_nested_credentials=limits.max_nested_credentials,
            ),
            code="parse.too_large",
        )
    return ParsedInput(
        "json", documents=tuple(_listed_item(item, i) for i, item in enumerate(value))
    )


def unwrap(document: dict[str, Any], *, limits: Limits) -> ParsedInput | None:
    """The credential(s) a JSON wrapper carries, or None when `document` is not a wrapper.

    Wrappers: an SD-JWT in the JWS JSON serialization (RFC 9901 §8), and an OpenID4VCI
    Credential Response saved as is: `{"credential": ...}` (drafts) or `{"credentials":
    [{"credential": ...}, ...]}` (1.0), each credential a JSON object, a JWT or an SD-JWT.
    A credential itself never has these members, nor lacks both `@context` and `type`.
    """
    if "@context" in document or "type" in document:
        return None
    try:
        compact = from_json_serialization(document)
    except SdJwtError as exc:
        raise MalformedInput(exc.check.message, code=exc.check.code) from exc
    if compact is not None:
        return ParsedInput("json", sd_jwt=parse_sd_jwt(compact, limits=limits))
    issued = _issued_credentials(document)
    if not issued:
        return None
    if len(issued) > limits.max_nested_credentials:
        raise MalformedInput(
            Message(
                "The response holds %(count)s credentials; at most "
                "%(max_nested_credentials)s can be imported at once.",
                count=len(issued),
                max_nested_credentials=limits.max_nested_credentials,
            ),
            code="parse.too_large",
        )
    if len(issued) > 1:
        return ParsedInput(
            "json", documents=tuple(_listed_item(item, i) for i, item in enumerate(issued))
        )
    only = issued[0]
    if isinstance(only, dict):
        return ParsedInput("json", document=only)
    if looks_like_sd_jwt(only.strip()):
        return ParsedInput("json", sd_jwt=parse_sd_jwt(only, limits=limits))
    return ParsedInput("json", token=parse_token(only, limits=limits))


def _issued_credentials(document: dict[str, Any]) -> list[dict[str, Any] | str]:
    entries: list[Any] = []
    if "credential" in document:
        entries = [document]
    elif isinstance(document.get("credentials"), list):
        entries = document["credentials"]
    found: list[dict[str, Any] | str] = []
    for entry in entries:
        credential = entry.get("credential") if isinstance(entry, dict) else None
        if not isinstance(credential, dict | str):
            return []
        found.append(credential)
    return found


def _listed_item(item: dict[str, Any] | str, index: int) -> dict[str, Any] | str:
    # Only the shape is checked here: each token is parsed and verified as its own credential,
    # so one bad token fails alone instead of refusing the whole list.
    if isinstance(item, str) and not (looks_like_token(item) or looks_like_sd_jwt(item)):
        raise MalformedInput(
            Message(
                "Item %(value)s of the list is text but not a signed token (JWT or SD-JWT).",
                value=index + 1,
            ),
            code="parse.json_top_level",
        )
    return item


def _unrecognised_message(media_type: str | None) -> str:
    base = (
        "This is not a credential this wallet can read: expected JSON, a signed token (JWT), "
        "a baked PNG or SVG badge image, or an http(s) link."
    )
    if media_type:
        return f"{base} (The file was labelled '{media_type[:80]}'.)"
    return base
