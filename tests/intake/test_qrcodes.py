"""Reading a link from a picture of a QR code: photos, screenshots, and what is refused."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image

from intake.qrcodes import MAX_BYTES, QrCodeError, decode_qr

OFFER = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffer%2F7"


def qr_image(text: str, *, box_size: int = 8) -> Image.Image:
    maker = qrcode.QRCode(box_size=box_size, border=4)
    maker.add_data(text)
    return maker.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def test_a_screenshot_of_a_qr_code_gives_its_link():
    assert decode_qr(encoded(qr_image(OFFER))) == OFFER


def test_a_photo_stored_sideways_is_read_upright():
    # A phone keeps the sensor's orientation and says how to turn it (EXIF 274 = 6: 90 degrees).
    photo = Image.new("RGB", (900, 700), "white")
    photo.paste(qr_image(OFFER, box_size=6), (150, 80))
    sideways = photo.rotate(90, expand=True)
    exif = Image.Exif()
    exif[274] = 6
    assert decode_qr(encoded(sideways, "JPEG", quality=90, exif=exif.tobytes())) == OFFER


def test_a_large_photo_is_scaled_down_and_still_read():
    photo = Image.new("RGB", (4000, 3000), (200, 200, 200))
    photo.paste(qr_image(OFFER, box_size=20), (1200, 600))
    assert decode_qr(encoded(photo, "JPEG", quality=85)) == OFFER


def test_a_picture_without_a_qr_code_says_so():
    with pytest.raises(QrCodeError, match="No QR code could be read"):
        decode_qr(encoded(Image.new("RGB", (400, 300), "white")))


def test_two_different_codes_ask_the_learner_to_crop():
    both = Image.new("RGB", (1000, 500), "white")
    both.paste(qr_image("https://a.example/1", box_size=6), (20, 20))
    both.paste(qr_image("https://b.example/2", box_size=6), (520, 20))
    with pytest.raises(QrCodeError, match="more than one QR code"):
        decode_qr(encoded(both))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 not a picture", "not a picture"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a picture"),
        (b"x" * (MAX_BYTES + 1), "larger than 15 MB"),
    ],
)
def test_what_is_not_a_readable_picture_is_refused_with_a_sentence(data, message):
    with pytest.raises(QrCodeError, match=message):
        decode_qr(data)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 10,000 x 10,000 white pixels compress to a few hundred KB.
    bomb = encoded(Image.new("1", (10_000, 10_000), 1))
    assert len(bomb) < MAX_BYTES
    with pytest.raises(QrCodeError, match="too many pixels"):
        decode_qr(bomb)
