"""Strict JSON loading with caps on size and nesting, safe for hostile input.

Python's json module recurses once per nesting level, so depth is measured on a bracket
skeleton of the raw bytes *before* parsing: a 100,000-deep `[[[[` is refused without ever
building a frame for it.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from .. import budget
from ..errors import MalformedInput
from ..limits import Limits
from ..messages import N_, Message

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# A JSON string, or an unterminated one running to the end; unambiguous, so linear time.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_DEPTH_STEP = [0] * 256
_DEPTH_STEP[ord("[")] = _DEPTH_STEP[ord("{")] = 1
_DEPTH_STEP[ord("]")] = _DEPTH_STEP[ord("}")] = -1
# Only when an escaped surrogate appears is the full (slower) surrogate check worth running.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def decode_utf8(data: bytes) -> str:
    """Bytes to text: UTF-8 only (RFC 8259, OB 3.0 §5), a leading BOM tolerated."""
    if data.startswith(UTF16_BOMS):
        raise MalformedInput(
            N_("The file is encoded as UTF-16; credentials must be UTF-8."), code="parse.encoding"
        )
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput(
            N_("The file is not valid UTF-8 text."),
            code="parse.encoding",
            detail=f"invalid byte at offset {exc.start}",
        ) from exc


def json_depth(raw: bytes) -> int:
    """Deepest bracket nesting outside strings; never recurses, memory linear in the input."""
    skeleton = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, skeleton)), default=0)


def load_json(data: bytes | str, *, limits: Limits, any_value: bool = False) -> Any:
    """Parse a JSON object, or an array of credentials, refusing anything ambiguous or oversized.

    Refused (MalformedInput): more than `limits.max_input_bytes`, nesting deeper than
    `limits.max_json_depth`, invalid UTF-8, duplicate keys, NaN/Infinity or numbers that
    overflow to infinity, unpaired surrogates, and a top level that is not an object or a
    non-empty array of objects and strings (other wallets export JWT credentials as strings).
    `any_value` lifts that last rule, for JSON that is part of a credential (an SD-JWT
    Disclosure is an array of a salt, a name and any value).
    """
    raw = _as_bytes(data)
    if len(raw) > limits.max_input_bytes:
        raise MalformedInput(
            Message(
                "The JSON is too large (%(count)s bytes; the limit is %(max_input_bytes)s).",
                count=len(raw),
                max_input_bytes=limits.max_input_bytes,
            ),
            code="parse.too_large",
        )
    text = decode_utf8(raw)
    # Nesting can be no deeper than the number of opening brackets; counting them is far
    # cheaper than the skeleton scan, which only files with many objects then need.
    opening = raw.count(b"{") + raw.count(b"[")
    depth = json_depth(raw) if opening > limits.max_json_depth else opening
    if depth > limits.max_json_depth:
        raise MalformedInput(
            Message(
                "The JSON is nested too deeply (more than %(max_json_depth)s levels).",
                max_json_depth=limits.max_json_depth,
            ),
            code="parse.json_depth",
            detail=f"depth {depth}",
        )
    value = _decode(text)
    if _ESCAPED_SURROGATE.search(raw):
        _refuse_unpaired_surrogates(value)
    if not any_value:
        _check_top_level(value)
    return value


def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedInput(
            N_("The text contains characters that cannot be encoded as UTF-8."),
            code="parse.encoding",
        ) from exc


def _decode(text: str) -> Any:
    # A large text (millions of objects) checks the budget as it goes; a small one is quick.
    decoder = _TICKING_DECODER if len(text) >= budget.FINE_GRAINED_FROM_BYTES else _DECODER
    try:
        if text.startswith("\ufeff"):  # what json.loads refuses before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise MalformedInput(
            Message(
                "The JSON is not well-formed: %(msg)s (line %(lineno)s, column %(colno)s).",
                msg=exc.msg,
                lineno=exc.lineno,
                colno=exc.colno,
            ),
            code="parse.json_invalid",
        ) from exc
    except ValueError as exc:
        # Integers beyond Python's digit limit land here rather than in JSONDecodeError.
        raise MalformedInput(
            N_("The JSON contains a number that is too long."), code="parse.json_number"
        ) from exc
    except RecursionError as exc:
        # The skeleton check should make this unreachable; kept so no RecursionError escapes.
        raise MalformedInput(N_("The JSON is nested too deeply."), code="parse.json_depth") from exc


def _ticking_object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    budget.tick()
    return _object_without_duplicates(pairs)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Building the dict in C and comparing sizes is several times faster than a Python loop;
    # the loop runs only to name the repeated key.
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    result = {}
    for key, value in pairs:
        if key in result:
            # Two parsers may keep different copies: the signed value and the shown one differ.
            raise MalformedInput(
                Message("The JSON repeats the key '%(key)s' in one object.", key=key[:80]),
                code="parse.json_duplicate_key",
            )
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise MalformedInput(
        Message("The JSON contains '%(name)s', which is not valid JSON.", name=name),
        code="parse.json_number",
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedInput(
            N_("The JSON contains a number too large to represent."), code="parse.json_number"
        )
    return value


# json.loads with hooks builds a decoder on every call; these are built once (a decoder
# keeps no state between calls: json.loads itself shares one across threads).
_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates,
    parse_constant=_refuse_constant,
    parse_float=_finite_float,
)
_TICKING_DECODER = json.JSONDecoder(
    object_pairs_hook=_ticking_object_without_duplicates,
    parse_constant=_refuse_constant,
    parse_float=_finite_float,
)


def _refuse_unpaired_surrogates(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedInput(
            N_("The JSON contains an unpaired UTF-16 surrogate escape."), code="parse.encoding"
        ) from exc


def _check_top_level(value: Any) -> None:
    if isinstance(value, dict):
        return
    if isinstance(value, list) and value and all(isinstance(item, dict | str) for item in value):
        return
    raise MalformedInput(
        N_(
            "The JSON must be an object (one credential) or a list of credentials "
            "(objects or signed tokens)."
        ),
        code="parse.json_top_level",
    )
