"""SD-JWT VCs in the record: imported by file or paste, kept as their compact form with their
media type, shown with the claims they disclose (as text), their verdict beside them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from intake.services import arrival
from tests.support.issuer import NOW
from tests.support.sdjwt_issuer import SD_ISSUER, SdJwtIssuer
from wallet.models import Credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def sd_issuer(issuer) -> SdJwtIssuer:
    return SdJwtIssuer(issuer.fetcher)


@pytest.fixture
def signed_in(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def _import(owner, data: bytes, **kwargs):
    kwargs.setdefault("source", "upload")
    return arrival.credential_import(owner=owner, data=data, now=NOW, **kwargs)


def test_it_imports_an_sd_jwt_vc_byte_for_byte_as_dc_sd_jwt(owner, sd_issuer):
    token = sd_issuer.issue(holder_jwk=None)

    outcome = _import(owner, token.encode(), filename="badge.sd-jwt")

    assert outcome.status == "imported"
    credential = Credential.objects.get()
    assert bytes(credential.original) == token.encode()
    assert credential.media_type == "application/dc+sd-jwt"
    assert (credential.format, credential.container) == ("sd-jwt-vc", "sd-jwt")
    assert credential.verdict == "verified"
    assert credential.title == "Data Analysis Fundamentals"
    assert credential.issuer_id == SD_ISSUER
    assert credential.issued_at is not None and credential.issued_at.year == 2025
    assert credential.file_extension == "sd-jwt"


def test_the_older_vc_sd_jwt_media_type_is_kept_as_the_issuer_said(owner, sd_issuer):
    token = sd_issuer.issue(holder_jwk=None, typ="vc+sd-jwt")

    _import(owner, token.encode())

    assert Credential.objects.get().media_type == "application/vc+sd-jwt"


def test_a_forged_sd_jwt_is_kept_with_its_verdict(owner, sd_issuer):
    token = sd_issuer.issue(holder_jwk=None, tamper=True)

    _import(owner, token.encode())

    assert Credential.objects.get().verdict == "invalid_signature"


def test_an_uploaded_sd_jwt_file_is_imported(signed_in: Client, sd_issuer):
    token = sd_issuer.issue(holder_jwk=None)
    upload = SimpleUploadedFile("badge.sd-jwt", token.encode(), "application/dc+sd-jwt")

    signed_in.post(reverse("wallet:import_upload"), {"files": [upload]})

    credential = Credential.objects.get()
    assert (credential.source, credential.container) == ("upload", "sd-jwt")


def test_a_pasted_sd_jwt_is_imported(signed_in: Client, sd_issuer):
    token = sd_issuer.issue(holder_jwk=None)

    signed_in.post(reverse("wallet:import_paste"), {"text": token + "\n"})

    credential = Credential.objects.get()
    assert (credential.source, credential.container) == ("paste", "sd-jwt")


def test_the_import_page_accepts_sd_jwt_files(signed_in: Client):
    page = signed_in.get(reverse("wallet:import")).content.decode()

    assert ".sd-jwt" in page and "application/dc+sd-jwt" in page


def test_the_credential_page_shows_the_disclosed_claims_as_text(
    signed_in: Client, owner, sd_issuer
):
    claims = {
        "name": "Data Analysis Fundamentals",
        "given_name": "<script>alert(1)</script>",
        "address": {"locality": "Utrecht"},
    }
    _import(owner, sd_issuer.issue(holder_jwk=None, claims=claims).encode())
    credential = Credential.objects.get()

    page = signed_in.get(reverse("wallet:credential", args=[credential.pk])).content.decode()

    assert "What it says" in page
    assert "address / locality" in page and "Utrecht" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "you choose whether to show this" in page
    assert "Verified" in page


def test_the_original_downloads_as_an_sd_jwt_file(signed_in: Client, owner, sd_issuer):
    token = sd_issuer.issue(holder_jwk=None)
    _import(owner, token.encode())
    credential = Credential.objects.get()

    response = signed_in.get(reverse("wallet:credential_original", args=[credential.pk]))

    assert response.content == token.encode()
    assert ".sd-jwt" in response["Content-Disposition"]
