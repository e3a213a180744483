"""Inputs built to hurt the parser: each must be refused quickly, in bounded memory."""

import builtins
import json
import socket
import time
import tracemalloc

import pytest

from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import bake_png, bake_svg, parse_input

from .parse_samples import (
    PNG_SIGNATURE,
    SVG_NS,
    b64url,
    chunk,
    credential,
    ihdr,
    signed_token,
    text_chunk,
    tiny_png,
)

LIMITS = Limits()
# Generous: every case here finishes well under a second; a parser that loops or expands
# blows it.
SECONDS = 2.0
MEGABYTE = 1024 * 1024

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (level, b"".join(b"&lol%d;" % (level - 1) for _ in range(10)))
        for level in range(1, 10)
    ).replace(b"&lol0;", b"&lol;")
    + b']>\n<svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>'
)


def refused(data: bytes, limits: Limits = LIMITS) -> MalformedInput:
    """Parse `data`, assert it is refused within the time budget, return the error."""
    started = time.perf_counter()
    with pytest.raises(MalformedInput) as caught:
        parse_input(data, limits=limits)
    assert time.perf_counter() - started < SECONDS
    return caught.value


def peak_memory_refusing(data: bytes, limits: Limits = LIMITS) -> int:
    """Peak bytes allocated while `data` is refused (traced separately: tracing is slow)."""
    tracemalloc.start()
    try:
        with pytest.raises(MalformedInput):
            parse_input(data, limits=limits)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_png_claiming_ten_billion_pixels_is_refused_without_decoding():
    image = PNG_SIGNATURE + ihdr(100_000, 100_000) + chunk(b"IEND", b"")
    assert refused(image).code == "parse.png_too_large"


def test_a_png_with_a_hundred_thousand_tiny_chunks_is_refused_at_the_chunk_limit():
    tiny = text_chunk("a", "b")
    image = PNG_SIGNATURE + ihdr() + tiny * 100_000 + chunk(b"IEND", b"")
    assert refused(image).code == "parse.png_too_large"


def test_a_png_with_a_hundred_thousand_chunks_is_walked_quickly_when_the_limit_allows():
    image = PNG_SIGNATURE + ihdr() + text_chunk("a", "b") * 100_000 + chunk(b"IEND", b"")
    assert refused(image, Limits(max_png_chunks=200_000)).code == "parse.not_baked"


def test_input_over_the_size_limit_is_refused_before_any_parsing():
    limits = Limits(max_input_bytes=1024)
    for data in (
        b"[" * 2048,
        tiny_png(text_chunk("x", "y" * 2048)),
        b"<svg>" + b" " * 2048,
        signed_token({"pad": "x" * 2048}).encode(),
    ):
        assert refused(data, limits).code == "parse.too_large"


def test_a_real_fifty_megabyte_input_is_refused_by_size_quickly():
    data = b'{"name": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    started = time.perf_counter()
    with pytest.raises(MalformedInput) as caught:
        parse_input(data, limits=LIMITS)
    assert time.perf_counter() - started < 0.5
    assert caught.value.code == "parse.too_large"


def test_svg_billion_laughs_is_refused():
    assert refused(BILLION_LAUGHS).code == "parse.svg_dtd"


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE svg [<!ENTITY % xxe SYSTEM "file:///etc/passwd"> %xxe;]>',
        b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>',
    ],
)
def test_an_svg_declaring_entities_or_defaults_is_refused(doctype):
    svg = doctype + b'<svg xmlns="http://www.w3.org/2000/svg"><title>&xxe;</title></svg>'
    assert refused(svg).code == "parse.svg_dtd"


def test_external_references_in_an_svg_are_never_opened(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser tried to open a file or a socket")

    svg = (
        b'<!DOCTYPE svg SYSTEM "file:///etc/passwd">'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="file:///etc/passwd"/><use href="https://evil.example/x.svg#a"/></svg>'
    )
    baked = bake_svg(svg, json.dumps(credential()), kind="ob3")
    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(socket, "socket", forbidden)
    assert parse_input(baked, limits=LIMITS).document == credential()


@pytest.mark.parametrize("depth", [65, 100_000, 1_000_000])
def test_deeply_nested_json_is_refused_in_every_container(depth):
    deep = "[" * depth + "]" * depth
    document = '{"a": ' + deep + "}"
    header = b64url(b'{"alg": "EdDSA"}')
    token = f"{header}.{b64url(document.encode())}.{b64url(b's')}"
    carriers = [
        document.encode(),
        token.encode(),
        bake_png(tiny_png(), document, keyword="openbadgecredential"),
        bake_svg(f'<svg xmlns="{SVG_NS}"/>'.encode(), document, kind="ob3"),
    ]
    for data in carriers:
        assert refused(data, Limits(max_svg_bytes=LIMITS.max_input_bytes)).code == (
            "parse.json_depth"
        )


def test_an_unclosed_hundred_thousand_deep_json_is_refused_without_recursion():
    assert refused(b"[" * 100_000).code == "parse.json_depth"
    assert refused(b'{"a":' * 100_000).code == "parse.json_depth"


def test_duplicate_keys_are_refused_in_json_and_in_token_headers():
    assert refused(b'{"id": "a", "id": "b"}').code == "parse.json_duplicate_key"
    header = b64url(b'{"alg": "EdDSA", "alg": "none"}')
    token = f"{header}.{b64url(json.dumps(credential()).encode())}.{b64url(b's')}"
    assert refused(token.encode()).code == "parse.json_duplicate_key"


def test_a_token_with_four_parts_is_refused():
    assert refused((signed_token(credential()) + ".AAAA").encode()).code == "parse.jwt_invalid"


@pytest.mark.parametrize(
    "text", ["file:///etc/passwd", "javascript:alert(document.cookie)", "JavaScript:void(0)"]
)
def test_links_that_are_not_http_are_refused(text):
    assert refused(text.encode()).code == "parse.url_scheme"


def test_a_baked_link_that_is_not_http_is_refused():
    image = bake_png(tiny_png(), "file:///etc/passwd", keyword="openbadges")
    assert refused(image).code == "parse.baked_unrecognised"


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000,
        PNG_SIGNATURE + ihdr(100_000, 100_000) + chunk(b"IEND", b""),
        BILLION_LAUGHS,
        tiny_png(text_chunk("a", "b") * 10_000),
    ],
    ids=["deep-json", "huge-png", "billion-laughs", "many-chunks"],
)
def test_refusing_hostile_input_needs_memory_in_proportion_to_its_size_only(data):
    assert peak_memory_refusing(data) < 4 * len(data) + MEGABYTE
