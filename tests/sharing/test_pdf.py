"""The printable PDF of a share or of one credential: the details in words, a QR code that
opens the live link, the originals attached inside, and nothing a credential says read as
markup."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from accounts.models import User
from sharing import services
from sharing.models import ShareLink
from sharing.pdf import attachment_name, credentials_pdf
from tests.sharing.conftest import SOON
from wallet.models import Credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def _read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _qr_images(reader: PdfReader) -> list[Image.Image]:
    return [image.image for page in reader.pages for image in page.images]


def test_a_share_prints_each_credential_with_its_verdict_and_the_originals_attached(
    signed_in: Client, shared: Any, frozen: Any
) -> None:
    share, token, credentials = shared

    response = signed_in.get(reverse("shares:pdf", kwargs={"share_id": share.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    reader = _read(response.content)
    text = _text(reader)
    assert "5 credentials" in text and "Robin L." in text
    assert "Test Achievement" in text and "Test Issuer" in text
    assert "Verified (checked" in text
    assert f"/s/{token}" in text.replace(" ", "")
    attached = reader.attachments
    assert sorted(attached) == sorted(attachment_name(c) for c in credentials)
    for credential in credentials:
        assert attached[attachment_name(credential)] == [bytes(credential.original)]
    assert len(_qr_images(reader)) == 1


def test_one_credential_gets_a_lasting_link_made_once_and_its_pdf(
    signed_in: Client, owner: User, shared: Any, frozen: Any
) -> None:
    _share, _token, credentials = shared
    ShareLink.objects.all().delete()
    credential = credentials[0]
    url = reverse("shares:credential_pdf", kwargs={"credential_id": credential.pk})

    first = signed_in.post(url)
    share = ShareLink.objects.get()
    assert first["Location"] == reverse("shares:pdf", kwargs={"share_id": share.pk})
    assert share.expires_at is None and share.display_name == "Robin Learner"
    assert signed_in.post(url)["Location"] == first["Location"]
    assert ShareLink.objects.count() == 1

    reader = _read(signed_in.get(first["Location"]).content)
    assert list(reader.attachments) == [attachment_name(credential)]
    assert "Test Achievement" in _text(reader)


def test_a_revoked_link_prints_nothing_and_says_why(
    signed_in: Client, owner: User, shared: Any, frozen: Any
) -> None:
    share, _token, _credentials = shared
    services.share_revoke(owner=owner, share_id=share.pk)

    response = signed_in.get(reverse("shares:pdf", kwargs={"share_id": share.pk}), follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert "a PDF of it would carry a QR code that fails" in response.content.decode()


def test_a_stranger_gets_neither_pdf(client: Client, stranger: Any, shared: Any) -> None:
    share, _token, credentials = shared
    client.force_login(stranger)
    assert client.get(reverse("shares:pdf", kwargs={"share_id": share.pk})).status_code == 404
    response = client.post(
        reverse("shares:credential_pdf", kwargs={"credential_id": credentials[0].pk})
    )
    assert response.status_code == 404
    assert ShareLink.objects.count() == 1


def test_hostile_fields_are_printed_as_text_and_load_nothing(
    make_hostile: Credential, tmp_path: Any
) -> None:
    # A Paragraph would read <img src="..."> as an image to load (a file, or an address).
    content = credentials_pdf(
        credentials=[make_hostile],
        learner='<img src="/etc/passwd"/>',
        url="https://satchel.example/s/token",
        title="One credential",
        now=SOON,
    )
    reader = _read(content)
    text = _text(reader)
    assert "<script>alert(1)</script>" in text
    assert '<img src="/etc/passwd"/>' in text.replace("/ >", "/>")
    assert len(_qr_images(reader)) == 1  # the QR code, nothing else


def test_an_attachment_name_is_made_safe() -> None:
    credential = Credential(pk=7, filename="../../evil name?.json", container="json")
    assert attachment_name(credential) == "7-evil-name.json"
    assert attachment_name(Credential(pk=8, filename="", container="jwt")) == "credential-8.jwt"


ARABIC_NAME = "ريم الخطيب"
# Arabic letters in their plain (unjoined) code points; punctuation such as the Arabic comma
# (U+060C) has no joined form and is left out.
FIRST_ARABIC, LAST_ARABIC = 0x0621, 0x064A
FIRST_FORM, LAST_FORM = 0xFB50, 0xFEFF  # Arabic presentation forms A and B


def test_an_arabic_learners_pdf_joins_the_letters_right_to_left(
    signed_in: Client, owner: User, shared: Any, frozen: Any
) -> None:
    share, _token, _credentials = shared
    owner.language = "ar"
    owner.save(update_fields=["language"])
    ShareLink.objects.filter(pk=share.pk).update(display_name=ARABIC_NAME)

    response = signed_in.get(reverse("shares:pdf", kwargs={"share_id": share.pk}))

    reader = _read(response.content)
    placed: list[tuple[str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            placed.append((text, cm[4] + tm[4]))

    text = reader.pages[0].extract_text(visitor_text=visit)
    shaped = [c for c in text if FIRST_FORM <= ord(c) <= LAST_FORM]
    assert shaped, "no Arabic letter in its joined (presentation) form"
    # The name in its joined forms, drawn from the right: pypdf reads glyphs of a
    # right-to-left script back into reading order, so a name drawn unreordered would come
    # out backwards.
    assert "ﺭﻳﻢ ﺍﻟﺨﻄﻴﺐ" in text and "ﺐﻴﻄﺨﻟﺍ ﻢﻳﺭ" not in text
    assert not any(FIRST_ARABIC <= ord(c) <= LAST_ARABIC for c in text)  # nothing unjoined
    # Right-aligned: the line holding the name ends near the right margin, not the left.
    [name_x] = [x for t, x in placed if "ﺭﻳﻢ" in t or "ﻢﻳﺭ" in t][:1] or [None]
    page_width = float(reader.pages[0].mediabox.width)
    assert name_x is not None and name_x > page_width / 2


def test_an_english_pdf_stays_left_to_right(signed_in: Client, shared: Any, frozen: Any) -> None:
    share, _token, _credentials = shared

    response = signed_in.get(reverse("shares:pdf", kwargs={"share_id": share.pk}))

    placed: list[float] = []
    _read(response.content).pages[0].extract_text(
        visitor_text=lambda t, cm, tm, f, s: placed.append(cm[4] + tm[4]) if t.strip() else None
    )
    assert min(placed) < 100  # drawn from the left margin (18 mm is about 51 pt)
