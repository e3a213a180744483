"""QR codes of share links: a valid SVG and PNG of a sensible size, error correction M."""

from __future__ import annotations

import io

from defusedxml import ElementTree
from PIL import Image

from sharing.qr import qr_png, qr_svg

# Shaped like a real link: 43 characters of a url-safe token, mixed case.
URL = "https://satchel.example/s/" + "Ab3_-xYz9Q" * 4 + "Ab3"


def test_the_svg_is_one_clean_path_with_nothing_active():
    svg = qr_svg(URL)

    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # This link needs version 4 at level L, 5 at M, 6 at Q: 37 modules, plus a 4-module border.
    assert root.get("viewBox") == "0 0 45 45"
    assert [child.tag.rsplit("}", 1)[-1] for child in root] == ["path"]
    assert b"<script" not in svg and b"href" not in svg


def test_the_png_is_a_square_black_and_white_image():
    png = qr_png(URL)

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (450, 450)
        assert {value for _count, value in image.convert("L").getcolors()} == {0, 255}


def test_a_longer_link_makes_a_larger_code():
    with Image.open(io.BytesIO(qr_png(URL + "/presentation?challenge=" + "x" * 80))) as image:
        assert image.size[0] > 450
