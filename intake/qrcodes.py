"""Reading a QR code from a photo or screenshot the learner uploads.

Issuers and verifiers show their links as QR codes. On a phone the page's camera button reads
them in the browser (BarcodeDetector, static/js/qr-scan.js); everywhere else the learner
uploads a picture and the server reads it here, with zxing-cpp. The picture is decoded by
Pillow under byte and pixel caps (a photo is bigger than a badge, so the caps are looser than
wallet/images.py's), scaled down, read, and thrown away: nothing of it is stored.

The text found is only a link candidate: the caller parses it as it would a pasted link.
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# A phone photo is a few MB; a screenshot less.
MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000
# zxing reads a QR code well at this size and much faster than at a photo's full size.
WORKING_SIDE = 1600
MAX_TEXT = 16_384


class QrCodeError(ValueError):
    """The picture cannot be read, or holds no QR code; the message is for the learner."""


def decode_qr(data: bytes) -> str:
    """The text of the QR code in a picture (PNG, JPEG, WebP, GIF, BMP).

    Raises QrCodeError when the file is too large, not a picture, or shows no readable QR code,
    or shows several different ones (the learner should crop to the one they mean)."""
    if not data:
        raise QrCodeError(_("The picture is empty."))
    if len(data) > MAX_BYTES:
        raise QrCodeError(_("The picture is larger than 15 MB. Crop it to the QR code."))
    image = _open(data)
    texts: list[str] = []
    # One format where the stub asks for a set of them: the binding converts it (as zxing-cpp 2
    # and 3 both do), and BarcodeFormats itself is not in every version pyproject.toml allows.
    qr_only = zxingcpp.BarcodeFormat.QRCode
    for result in zxingcpp.read_barcodes(image, formats=qr_only):  # type: ignore[arg-type]
        if result.valid and result.text and result.text not in texts:
            texts.append(result.text)
    if not texts:
        raise QrCodeError(
            _("No QR code could be read in that picture. Try a sharper, closer picture.")
        )
    if len(texts) > 1:
        raise QrCodeError(
            _("That picture shows more than one QR code. Crop it to the one you mean.")
        )
    text = texts[0].strip()
    if len(text) > MAX_TEXT:
        raise QrCodeError(_("The QR code holds more text than a link."))
    return text


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse there too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise QrCodeError(_("The picture has too many pixels. Crop it to the QR code."))
                image.seek(0)
                # Phone photos are often stored sideways with an orientation tag.
                upright = ImageOps.exif_transpose(image)
                frame = upright.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise QrCodeError(_("The picture has too many pixels. Crop it to the QR code.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, QrCodeError):
            raise
        raise QrCodeError(_("That file is not a picture Satchel can read.")) from exc
    frame.thumbnail((WORKING_SIDE, WORKING_SIDE))
    return frame
