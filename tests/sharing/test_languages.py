"""Languages: the learner reads Satchel in the language kept on their account (or their
browser's), Arabic mirrored right to left; the employer's page follows the employer's browser,
whatever the learner chose, and a page rendered in one language is never served in another."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from accounts.services import user_language_set

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate("en")


def _page(client: Client, path: str, language: str | None = None) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_without_a_choice_the_browser_language_is_used(client, owner):
    client.force_login(owner)
    page = _page(client, "/", "es-ES,es;q=0.9")
    assert '<html lang="es" dir="ltr">' in page
    assert "Tu expediente" in page and "Your record" not in page


def test_the_language_kept_on_the_account_wins_over_the_browser(client, owner):
    client.force_login(owner)
    response = client.post("/account/language/", {"language": "ar"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.language == "ar"
    page = _page(client, "/account/", "es")
    assert '<html lang="ar" dir="rtl">' in page
    assert "حُفظت لغتك." in page  # the confirmation, already in the new language
    assert "الحساب" in page


def test_a_language_satchel_is_not_translated_into_is_refused(client, owner):
    client.force_login(owner)
    client.post("/account/language/", {"language": "xx"})
    owner.refresh_from_db()
    assert owner.language == ""
    with pytest.raises(ValueError):
        user_language_set(user=owner, language="de")


def test_dates_are_written_the_way_each_language_writes_them(client, owner, add, issuer):
    credential = add(issuer.ob3())
    client.force_login(owner)
    user_language_set(user=owner, language="es")
    issued = credential.issued_at
    page = _page(client, f"/credentials/{credential.pk}/")
    assert f"<dt>Emitida</dt><dd>{issued.day} de " in page
    assert f" de {issued.year}</dd>" in page
    user_language_set(user=owner, language="en")
    page = _page(client, f"/credentials/{credential.pk}/")
    assert f"<dt>Issued</dt><dd>{issued.day} {issued:%B} {issued.year}</dd>" in page


def test_the_employer_page_follows_the_employers_browser_not_the_learner(client, shared, owner):
    _share, token, _credentials = shared
    user_language_set(user=owner, language="ar")
    spanish = _page(client, f"/s/{token}", "es")
    english = _page(client, f"/s/{token}", "en-GB,en;q=0.8")
    arabic = _page(client, f"/s/{token}", "ar")
    assert "Credenciales compartidas por Robin L." in spanish
    assert "Credentials shared by Robin L." in english and "Credenciales" not in english
    assert 'dir="rtl"' in arabic and "شهادات شاركها Robin L." in arabic
