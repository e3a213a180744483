"""Properties of parse_input over generated and then damaged inputs.

Whatever the bytes, parse_input returns a ParsedInput or raises MalformedInput /
UnsupportedInput, quickly: never another exception, never a hang.
"""

import json
import struct
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet.verification.errors import MalformedInput, UnsupportedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import ParsedInput, bake_png, bake_svg, parse_input

from .parse_samples import PNG_SIGNATURE, SVG_IMAGE, credential, signed_token, tiny_png

LIMITS = Limits(max_input_bytes=256 * 1024, max_svg_bytes=256 * 1024, max_json_depth=32)
SECONDS = 1.0
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def credentials(draw) -> dict:
    document = credential(draw(st.text(max_size=40)))
    document["credentialSubject"]["extra"] = draw(json_values)
    return document


@st.composite
def valid_inputs(draw) -> tuple[bytes, ParsedInput]:
    """Bytes in one of the supported forms, with what parse_input must find in them."""
    document = draw(credentials())
    token = signed_token(document)
    form = draw(st.sampled_from(["json", "jwt", "png", "png-jwt", "svg", "svg-jwt", "url"]))
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    if form == "json":
        return text.encode(), ParsedInput("json", document=document)
    if form == "jwt":
        return token.encode(), ParsedInput("jwt", token=token)
    if form.startswith("png"):
        payload = token if form == "png-jwt" else text
        image = tiny_png(width=draw(st.integers(1, 4)), height=draw(st.integers(1, 4)))
        baked = bake_png(image, payload, keyword="openbadgecredential")
        return baked, ParsedInput("png", **_found(payload, document), baked_as="ob3")
    if form.startswith("svg"):
        payload = token if form == "svg-jwt" else text
        baked = bake_svg(SVG_IMAGE, payload, kind="ob3")
        return baked, ParsedInput("svg", **_found(payload, document), baked_as="ob3")
    url = "https://issuer.example/assertions/" + draw(
        st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True)
    )
    return url.encode(), ParsedInput("url", url=url)


def _found(payload: str, document: dict) -> dict:
    return {"token": payload} if not payload.startswith("{") else {"document": document}


def png_chunk_spans(data: bytes) -> list[tuple[int, int]]:
    spans, offset = [], len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        spans.append((offset, offset + 12 + length))
        offset += 12 + length
    return spans


@st.composite
def damaged(draw, source: bytes) -> bytes:
    """`source` with one kind of damage a network, a disk or an attacker could do."""
    size = len(source)
    at = draw(st.integers(0, max(size - 1, 0)))
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "junk", "duplicate", "delete", "length", "nest", "chunk"]
        )
    )
    if kind == "truncate":
        return source[:at]
    if kind == "flip":
        bit = 1 << draw(st.integers(0, 7))
        return source[:at] + bytes([source[at] ^ bit]) + source[at + 1 :] if size else source
    if kind == "junk":
        return source[:at] + draw(st.binary(min_size=1, max_size=64)) + source[at:]
    if kind == "duplicate":
        end = draw(st.integers(at, size))
        return source[:end] + source[at:end] + source[end:]
    if kind == "delete":
        end = draw(st.integers(at, size))
        return source[:at] + source[end:]
    if kind == "length":
        huge = draw(
            st.sampled_from([b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x10\x00\x00"])
        )
        return source[:at] + huge + source[at + 4 :]
    if kind == "nest":
        depth = draw(st.integers(30, 50_000))
        return source[:at] + b"[" * depth + b"{" * depth + source[at:]
    spans = png_chunk_spans(source) if source.startswith(PNG_SIGNATURE) else []
    if not spans:
        return source + source
    start, end = draw(st.sampled_from(spans))
    return source[:end] + source[start:end] + source[end:]


def parse_within_budget(data: bytes) -> ParsedInput | None:
    # CPU time of this thread, which other processes on a busy machine do not move: a
    # parse that runs away uses it, one that merely waits for a core does not.
    started = time.thread_time()
    try:
        return parse_input(data, limits=LIMITS)
    except (MalformedInput, UnsupportedInput):
        return None
    finally:
        assert time.thread_time() - started < SECONDS


@PROPERTY_SETTINGS
@given(valid_inputs())
def test_every_supported_form_yields_the_credential_it_carries(case):
    data, expected = case
    assert parse_input(data, limits=LIMITS) == expected


@PROPERTY_SETTINGS
@given(st.data())
def test_damaged_input_is_parsed_or_refused_but_never_crashes(data):
    source, _ = data.draw(valid_inputs())
    broken = data.draw(damaged(source))
    result = parse_within_budget(broken)
    assert result is None or result.container in ("json", "jwt", "png", "svg", "url")


@PROPERTY_SETTINGS
@given(st.binary(max_size=512))
def test_random_bytes_are_parsed_or_refused_but_never_crash(data):
    parse_within_budget(data)


@PROPERTY_SETTINGS
@given(
    st.binary(max_size=256),
    st.sampled_from([PNG_SIGNATURE, b"<svg", b"{", b"eyJ", b"\xef\xbb\xbf<"]),
)
def test_random_bytes_behind_a_format_prefix_never_crash(tail, prefix):
    parse_within_budget(prefix + tail)
