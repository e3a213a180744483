"""Verdicts and check sentences follow the reader's language on every page that shows them:
the learner's credential page, the employer's page and the public verifier. The stored
report stays English; the page translates it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from sharing.services import share_create
from tests.support.issuer import NOW
from wallet.selectors import credential_latest_run

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate("en")


def _get(client: Client, path: str, language: str) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, HTTP_USER_AGENT="Firefox/126.0")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "label", "sentence"),
    [
        ("es", "La firma no se verifica", "no coincide con la credencial"),
        ("ar", "التوقيع لا يجتاز التحقق", "لا يطابق الشهادة"),
    ],
)
def test_the_credential_page_gives_the_verdict_and_checks_in_the_learners_language(
    client, owner, add, issuer, language, label, sentence
):
    credential = add(issuer.ob3("tampered"))
    failing = next(
        c
        for c in credential_latest_run(credential=credential).report["checks"]
        if c["status"] == "fail"
    )
    client.force_login(owner)

    page = _get(client, f"/credentials/{credential.pk}/", language)

    assert label in page and "Signature does not verify" not in page
    assert sentence in page
    assert escape(failing["message"]) not in page  # the English sentence, stored as it was
    assert failing["code"] in page  # the technical detail stays as written


def test_the_employer_page_gives_explanations_and_warnings_in_the_employers_language(
    client, stranger, add, issuer
):
    credential = add(issuer.ob3(), user=stranger)  # issued to someone else: a warning
    assert credential.verdict == "verified_with_warnings"
    _, token = share_create(
        owner=stranger, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    spanish = _get(client, f"/s/{token}", "es")
    english = _get(client, f"/s/{token}", "en")

    assert "Verificada, con advertencias" in spanish
    assert "una comprobación ha generado una advertencia" in spanish
    assert "Esta credencial se emitió a una identidad" in spanish
    assert "This credential was issued to an identity" not in spanish
    assert "This credential was issued to an identity" in english
    assert issuer.earner_did in spanish  # the value is filled in after translation


def test_the_public_verifier_answers_in_the_visitors_language(client, issuer):
    response = client.post(
        "/verify",
        {"text": issuer.ob3_jwt("tampered")},
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    page = response.content.decode()

    assert "التوقيع لا يجتاز التحقق" in page
    assert "توقيع الرمز المميز غير مطابق" in page
    assert "The token's signature does not match" not in page
