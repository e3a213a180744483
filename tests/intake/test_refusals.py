"""What a learner reads when what they gave is not a credential: one message, written for
them, naming what they gave (a file or pasted text) and never saying the same thing twice."""

from __future__ import annotations

import pytest

from intake.services.arrival import credential_import
from wallet.models import Credential

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "This file is a JPEG photo, not a"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "This file is a PDF document, not a credential."),
        (b"<!DOCTYPE html><html><body>Badge</body></html>", "This file is a web page"),
        (b'{"hello": "world"}', "This file is not a credential the wallet recognises. Satchel"),
        (b'{"a":', "recognises. The JSON is not well-formed"),
    ],
)
def test_a_refused_file_says_what_it_is(owner, data: bytes, expected: str) -> None:
    outcome = credential_import(owner=owner, data=data, source="upload")

    assert expected in outcome.message
    assert "UTF-8" not in outcome.message
    sentences = [s.strip() for s in outcome.message.split(". ") if s.strip()]
    assert len(sentences) == len(set(sentences))
    assert not Credential.objects.filter(owner=owner).exists()


def test_pasted_text_is_called_text(owner) -> None:
    outcome = credential_import(owner=owner, data=b"hello there", source="paste")

    assert outcome.message.startswith("This text is not a credential the wallet recognises.")
    assert "This file" not in outcome.message
