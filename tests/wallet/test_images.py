"""Badge images are kept only as sanitised copies."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image, PngImagePlugin

from wallet import images


def _png(size=(16, 16), text: dict[str, str] | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


HOSTILE_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="10" height="10" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://tracker.example/x.css);</style>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <a href="javascript:alert(3)"><rect width="5" height="5"/></a>
  <image href="https://tracker.example/pixel.png" width="1" height="1"/>
  <use xlink:href="https://evil.example/sprite.svg#x"/>
  <rect width="10" height="10" fill="url(#grad)" onclick="alert(4)" stroke="url(https://e/x)"/>
  <linearGradient id="grad"><stop offset="0" stop-color="#fff"/></linearGradient>
</svg>"""


def test_an_svg_keeps_its_drawing_and_loses_everything_active():
    clean = images.sanitise_svg(HOSTILE_SVG)

    lowered = clean.lower()
    for forbidden in (
        b"script",
        b"onload",
        b"onclick",
        b"foreignobject",
        b"javascript",
        b"tracker.example",
        b"evil.example",
        b"<style",
        b"https://e/x",
    ):
        assert forbidden not in lowered
    assert b'fill="url(#grad)"' in clean
    assert b"<rect" in clean and b"lineargradient" in lowered


def test_an_svg_with_an_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">&b;</svg>'
    )

    with pytest.raises(images.ImageRefused):
        images.sanitise_svg(bomb)


def test_a_raster_image_is_re_encoded_without_its_metadata():
    baked = _png(text={"openbadgecredential": '{"secret": "payload"}'})

    content, width, height = images.sanitise_raster(baked)

    assert (width, height) == (16, 16)
    assert b"payload" not in content
    assert Image.open(io.BytesIO(content)).format == "PNG"


def test_a_large_image_is_scaled_down():
    _content, width, height = images.sanitise_raster(_png(size=(2048, 1024)))

    assert (width, height) == (images.MAX_OUTPUT_SIDE, images.MAX_OUTPUT_SIDE // 2)


def test_an_image_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_SOURCE_PIXELS", 100)

    with pytest.raises(images.ImageRefused, match="more pixels"):
        images.sanitise_raster(_png(size=(11, 10)))


def test_pillows_decompression_bomb_limit_is_respected(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64)

    with pytest.raises(images.ImageRefused):
        images.sanitise_raster(_png(size=(10, 10)))


def test_something_that_is_not_an_image_is_refused():
    with pytest.raises(images.ImageRefused, match="not an image"):
        images.sanitise_raster(b"<html>hello</html>")


def test_an_embedded_data_uri_image_is_found_and_sanitised():
    uri = "data:image/png;base64," + base64.b64encode(_png()).decode()

    found = images.find_image(original=b"{}", container="json", image_ref=uri, fetcher=None)

    assert found is not None
    assert found.media_type == "image/png"
    assert found.origin == "embedded"


def test_an_image_that_cannot_be_fetched_is_simply_absent():
    from wallet.verification.fetch import MapFetcher

    found = images.find_image(
        original=b"{}",
        container="json",
        image_ref="https://issuer.example/missing.png",
        fetcher=MapFetcher(),
    )

    assert found is None


def test_a_fetched_image_is_sanitised():
    from wallet.verification.fetch import MapFetcher

    fetcher = MapFetcher({"https://issuer.example/badge.png": _png()})

    found = images.find_image(
        original=b"{}",
        container="json",
        image_ref="https://issuer.example/badge.png",
        fetcher=fetcher,
    )

    assert found is not None and found.origin == "fetched"


def test_pngs_that_differ_only_in_their_text_share_a_pixels_key():
    first = _png(text={"openbadgecredential": '{"id": "urn:uuid:1"}'})
    second = _png(text={"openbadgecredential": '{"id": "urn:uuid:2"}'})

    assert first != second
    assert images.png_pixels_key(first) == images.png_pixels_key(second)
    assert images.png_pixels_key(first) != images.png_pixels_key(_png(size=(17, 16)))


def test_something_that_is_not_a_whole_png_has_no_pixels_key():
    assert images.png_pixels_key(b"GIF89a not a png") is None
    assert images.png_pixels_key(_png()[:-20]) is None


def test_a_css_escape_cannot_spell_a_remote_url_past_the_checks():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1" '
        b'style="fill: \\75 rl(https://tracker.example/x)" fill="red"/></svg>'
    )

    clean = images.sanitise_svg(svg)

    assert b"tracker.example" not in clean
    assert b'fill="red"' in clean


def test_an_svg_nested_past_any_drawing_is_refused_not_a_crash():
    deep = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 5000 + b"</g>" * 5000 + b"</svg>"

    with pytest.raises(images.ImageRefused):
        images.sanitise_svg(deep)
