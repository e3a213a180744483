import io
import json
import struct
import zlib

import pytest
from PIL import Image

from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import ParsedInput, bake_png, parse_input

from .parse_samples import (
    PNG_SIGNATURE,
    chunk,
    credential,
    ihdr,
    itxt,
    ob2_assertion,
    png_chunk_types,
    signed_token,
    text_chunk,
    tiny_png,
)

LIMITS = Limits()


def malformed_code(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(MalformedInput) as caught:
        parse_input(data, limits=limits)
    return caught.value.code


def test_it_extracts_a_json_credential_baked_for_open_badges_3():
    baked = bake_png(tiny_png(), json.dumps(credential()), keyword="openbadgecredential")
    parsed = parse_input(baked, limits=LIMITS)
    assert parsed == ParsedInput("png", document=credential(), baked_as="ob3")


def test_it_extracts_a_baked_token_and_a_baked_clr():
    token = signed_token(credential())
    assert parse_input(
        bake_png(tiny_png(), token, keyword="openbadgecredential"), limits=LIMITS
    ) == (ParsedInput("png", token=token, baked_as="ob3"))
    clr = parse_input(bake_png(tiny_png(), token, keyword="clrcredential"), limits=LIMITS)
    assert (clr.baked_as, clr.token) == ("clr", token)


def test_it_extracts_an_open_badges_2_assertion_or_hosted_link():
    assertion = bake_png(tiny_png(), json.dumps(ob2_assertion()), keyword="openbadges")
    assert parse_input(assertion, limits=LIMITS).document == ob2_assertion()
    link = bake_png(tiny_png(), "https://issuer.example/a/1", keyword="openbadges")
    assert parse_input(link, limits=LIMITS) == ParsedInput(
        "png", url="https://issuer.example/a/1", baked_as="ob2"
    )


def test_it_reads_a_legacy_text_chunk_holding_a_hosted_assertion_link():
    image = tiny_png(text_chunk("openbadges", "https://issuer.example/assertion"))
    assert parse_input(image, limits=LIMITS).url == "https://issuer.example/assertion"


def test_it_bakes_one_uncompressed_itxt_right_after_the_header_and_keeps_the_image_valid():
    image = tiny_png(text_chunk("Software", "drawing tool"), width=3, height=2)
    baked = bake_png(image, json.dumps(credential()), keyword="openbadgecredential")
    assert png_chunk_types(baked) == [b"IHDR", b"iTXt", b"tEXt", b"IDAT", b"IEND"]
    itxt_start = len(PNG_SIGNATURE) + 25
    assert baked[itxt_start + 8 :].startswith(b"openbadgecredential\0\0\0\0\0{")
    with Image.open(io.BytesIO(baked)) as decoded:
        decoded.load()
        assert decoded.size == (3, 2)
        assert json.loads(decoded.text["openbadgecredential"]) == credential()


def test_baking_again_replaces_the_old_credential_instead_of_adding_a_second():
    first = bake_png(tiny_png(), json.dumps(credential("First")), keyword="openbadgecredential")
    second = bake_png(first, json.dumps(credential("Second")), keyword="openbadgecredential")
    assert png_chunk_types(second).count(b"iTXt") == 1
    assert parse_input(second, limits=LIMITS).document["name"] == "Second"


def test_baking_replaces_a_legacy_chunk_with_the_same_keyword_but_keeps_other_bakings():
    image = tiny_png(text_chunk("openbadges", "https://old.example/a"))
    rebaked = bake_png(image, json.dumps(ob2_assertion()), keyword="openbadges")
    assert png_chunk_types(rebaked) == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    both = bake_png(rebaked, json.dumps(credential()), keyword="openbadgecredential")
    assert png_chunk_types(both).count(b"iTXt") == 2


def test_it_prefers_the_open_badges_3_credential_when_an_image_carries_several_bakings():
    image = tiny_png(
        itxt("openbadges", json.dumps(ob2_assertion())),
        itxt("openbadgecredential", json.dumps(credential())),
    )
    assert parse_input(image, limits=LIMITS).baked_as == "ob3"


def test_it_refuses_two_chunks_with_the_same_badge_keyword():
    image = tiny_png(
        itxt("openbadgecredential", json.dumps(credential("Shown"))),
        itxt("openbadgecredential", json.dumps(credential("Verified"))),
    )
    assert malformed_code(image) == "parse.png_duplicate"


def test_it_refuses_a_compressed_open_badges_3_credential():
    image = tiny_png(itxt("openbadgecredential", json.dumps(credential()), compressed=True))
    assert malformed_code(image) == "parse.png_compressed"


def test_it_inflates_a_compressed_open_badges_2_assertion_within_the_size_limit():
    text = json.dumps(ob2_assertion())
    image = tiny_png(itxt("openbadges", text, compressed=True))
    assert parse_input(image, limits=LIMITS).document == ob2_assertion()
    bomb = tiny_png(itxt("openbadges", "{" + " " * 1_000_000 + "}", compressed=True))
    assert len(bomb) < 5_000
    assert malformed_code(bomb, Limits(max_input_bytes=100_000)) == "parse.too_large"


def test_it_requires_open_badges_3_to_use_an_itxt_chunk():
    image = tiny_png(text_chunk("openbadgecredential", json.dumps(credential())))
    assert malformed_code(image) == "parse.png_invalid"


def test_it_says_so_when_an_image_has_no_badge():
    assert malformed_code(tiny_png(text_chunk("Comment", "hello"))) == "parse.not_baked"


def test_it_rejects_a_chunk_with_a_wrong_checksum():
    baked = bytearray(bake_png(tiny_png(), json.dumps(credential()), keyword="openbadgecredential"))
    baked[len(PNG_SIGNATURE) + 25 + 40] ^= 0x01
    assert malformed_code(bytes(baked)) == "parse.png_crc"


@pytest.mark.parametrize("cut", [10, 30, 60, -13, -1])
def test_it_rejects_a_truncated_png(cut):
    baked = bake_png(tiny_png(), json.dumps(credential()), keyword="openbadgecredential")
    assert malformed_code(baked[:cut]) == "parse.png_truncated"


def test_it_rejects_a_png_that_does_not_start_with_its_header():
    image = PNG_SIGNATURE + chunk(b"tEXt", b"a\0b") + ihdr() + chunk(b"IEND", b"")
    assert malformed_code(image) == "parse.png_invalid"


def test_it_rejects_a_chunk_whose_length_field_is_impossible():
    image = PNG_SIGNATURE + ihdr() + struct.pack(">I", 0xFFFFFFF0) + b"iTXt" + b"\0" * 20
    assert malformed_code(image) == "parse.png_invalid"


def test_it_rejects_a_malformed_itxt_and_a_bad_compression_method():
    bare = tiny_png(chunk(b"iTXt", b"openbadgecredential\0\0"))
    assert malformed_code(bare) == "parse.png_invalid"
    method = chunk(b"iTXt", b"openbadges\0\x01\x07\0\0" + zlib.compress(b"{}"))
    assert malformed_code(tiny_png(method)) == "parse.png_invalid"


def test_it_rejects_baked_text_that_is_not_a_credential():
    image = bake_png(tiny_png(), "hello, world", keyword="openbadgecredential")
    assert malformed_code(image) == "parse.baked_unrecognised"
    empty = bake_png(tiny_png(), "   ", keyword="openbadgecredential")
    assert malformed_code(empty) == "parse.baked_empty"


def test_bake_png_refuses_an_unknown_keyword_and_a_broken_image():
    with pytest.raises(ValueError):
        bake_png(tiny_png(), "{}", keyword="Comment")
    with pytest.raises(MalformedInput):
        bake_png(tiny_png()[:-5], "{}", keyword="openbadgecredential")
