"""QR codes for share links. They hold only the link's address (a credential is far too big
for a QR code), with error correction M so a slightly damaged print still scans."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> bytes:
    """An SVG (one path, no scripts, no external references) of the link."""
    buffer = io.BytesIO()
    _code(url).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    """A black-on-white PNG of the link, 10 pixels per module."""
    buffer = io.BytesIO()
    _code(url).make_image(image_factory=PilImage).save(buffer)
    return buffer.getvalue()
