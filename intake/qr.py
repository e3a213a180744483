"""Reading the QR code in a photo or screenshot of an issuer's offer (a web wallet cannot
catch `openid-credential-offer://` from the phone's camera app, so the learner uploads the
picture). Decoded on the server with zxing-cpp; nothing in the image is kept."""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

# A phone photo is a few megapixels; a decompression bomb is refused before it is decoded.
MAX_PIXELS = 40_000_000
MAX_BYTES = 15 * 1024 * 1024


class QrError(ValueError):
    """No link could be read from the image; the message is for the learner."""


def read_qr_link(data: bytes) -> str:
    """The text of the first QR code in the image."""
    if len(data) > MAX_BYTES:
        raise QrError("The picture is too large: a screenshot of the QR code is enough.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise QrError("The picture is too large: a screenshot of the QR code is enough.")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Warning):
        raise QrError("That file is not a picture Satchel can read.") from None
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [b.text for b in found if b.text]
    if not texts:
        raise QrError("No QR code could be read in that picture. Try a sharper, closer one.")
    return texts[0]
