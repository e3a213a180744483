"""What an import says back is in the learner's language, the verifier's reason included."""

from __future__ import annotations

import pytest
from django.utils import translation

from intake.services import arrival

pytestmark = pytest.mark.django_db


def test_a_refused_file_is_explained_in_spanish(owner):
    with translation.override("es"):
        outcome = arrival.credential_import(owner=owner, data=b"%PDF-1.7 ...", source="upload")

    assert outcome.message.startswith("Este archivo es un documento PDF, no una credencial.")
    assert "Satchel lee JSON de credenciales" in outcome.message


def test_the_verifiers_reason_is_given_in_arabic(owner):
    with translation.override("ar"):
        outcome = arrival.credential_import(owner=owner, data=b'{"a": 1, "a": 2}', source="upload")

    assert outcome.message.startswith("هذا الملف ليس شهادة تتعرّف عليها المحفظة.")
    assert "يكرّر JSON المفتاح 'a' في كائن واحد." in outcome.message
