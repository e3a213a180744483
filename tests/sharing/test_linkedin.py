"""LinkedIn's add-certification link: the right parameters, encoded, only for what verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from sharing.linkedin import ADD_TO_PROFILE, linkedin_add_url, offers_linkedin
from wallet.models import Credential

SHARE_URL = "https://satchel.example/s/AbC-123_xyz"


def credential(issuer: dict[str, Any] | None = None, **fields: Any) -> Credential:
    """An unsaved credential: what the link is built from, no database needed."""
    document = {"type": ["VerifiableCredential"], "issuer": issuer or {"id": "did:web:u.example"}}
    values: dict[str, Any] = {
        "format": "ob3",
        "original": json.dumps(document).encode(),
        "title": "Data Analysis with Python",
        "issuer_name": "Example University",
        "issued_at": datetime(2024, 3, 15, 12, 0, tzinfo=UTC),
        "awarded_at": None,
        "valid_until": None,
        "credential_id": "urn:uuid:8f0c3e52-8a4f-4a53-9f57-2f4d2f3b8c11",
        "verdict": "verified",
    }
    values.update(fields)
    return Credential(**values)


def params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_it_opens_linkedins_add_certification_form() -> None:
    url = linkedin_add_url(credential=credential(), share_url=SHARE_URL)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ADD_TO_PROFILE
    assert ADD_TO_PROFILE == "https://www.linkedin.com/profile/add"
    assert params(url) == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Data Analysis with Python",
        "organizationName": "Example University",
        "issueYear": "2024",
        "issueMonth": "3",
        "certUrl": SHARE_URL,
        "certId": "urn:uuid:8f0c3e52-8a4f-4a53-9f57-2f4d2f3b8c11",
    }


@pytest.mark.parametrize(
    "issuer",
    [
        {"id": "did:web:u.example", "url": "https://www.linkedin.com/company/1337/"},
        {
            "id": "did:web:u.example",
            "sameAs": ["https://u.example", "https://linkedin.com/company/1337"],
        },
        {
            "id": "did:web:u.example",
            "otherIdentifier": [{"identifier": "https://www.linkedin.com/company/1337"}],
        },
    ],
)
def test_it_names_the_organisation_when_the_issuer_profile_gives_its_linkedin_page(
    issuer: dict[str, Any],
) -> None:
    url = linkedin_add_url(credential=credential(issuer), share_url=SHARE_URL)
    assert params(url)["organizationId"] == "1337"


@pytest.mark.parametrize(
    "page",
    [
        "https://www.linkedin.com/company/example-university",
        "https://evil.example/linkedin.com/company/1337",
        "javascript:alert(1)//linkedin.com/company/1337",
    ],
)
def test_it_gives_no_organisation_for_anything_but_a_numbered_company_page(page: str) -> None:
    url = linkedin_add_url(
        credential=credential({"id": "did:web:u.example", "url": page}), share_url=SHARE_URL
    )
    assert "organizationId" not in params(url)


def test_it_adds_the_expiry_month_when_the_credential_has_an_end_date() -> None:
    url = linkedin_add_url(
        credential=credential(valid_until=datetime(2027, 11, 30, tzinfo=UTC)), share_url=SHARE_URL
    )
    assert params(url)["expirationYear"] == "2027"
    assert params(url)["expirationMonth"] == "11"


def test_it_prefers_the_award_date_to_the_issue_date() -> None:
    url = linkedin_add_url(
        credential=credential(awarded_at=datetime(2023, 6, 1, tzinfo=UTC)), share_url=SHARE_URL
    )
    assert (params(url)["issueYear"], params(url)["issueMonth"]) == ("2023", "6")


def test_it_leaves_out_what_the_credential_does_not_say() -> None:
    url = linkedin_add_url(
        credential=credential(issuer_name="", issued_at=None, credential_id=""),
        share_url=SHARE_URL,
    )
    assert set(params(url)) == {"startTask", "name", "certUrl"}


def test_it_percent_encodes_every_value() -> None:
    hostile = credential(
        title="C++ & Rust: 100% <safe>?",
        issuer_name="École d'été / Summer #1",
        credential_id="https://issuer.example/a?b=c&d=e",
    )
    url = linkedin_add_url(credential=hostile, share_url=SHARE_URL + "?x=1&y=2")
    query = urlsplit(url).query
    assert "name=C%2B%2B%20%26%20Rust%3A%20100%25%20%3Csafe%3E%3F" in query
    assert "organizationName=%C3%89cole%20d%27%C3%A9t%C3%A9%20%2F%20Summer%20%231" in query
    assert "certUrl=https%3A%2F%2Fsatchel.example%2Fs%2FAbC-123_xyz%3Fx%3D1%26y%3D2" in query
    assert "#" not in url and " " not in url and "<" not in url
    decoded = params(url)
    assert decoded["name"] == "C++ & Rust: 100% <safe>?"
    assert decoded["certId"] == "https://issuer.example/a?b=c&d=e"
    assert decoded["certUrl"] == SHARE_URL + "?x=1&y=2"


def test_an_untitled_credential_is_named_as_everywhere_else() -> None:
    assert (
        params(linkedin_add_url(credential=credential(title=""), share_url=SHARE_URL))["name"]
        == "Untitled credential"
    )


@pytest.mark.parametrize(
    ("verdict", "offered"),
    [
        ("verified", True),
        ("verified_with_warnings", True),
        ("expired", False),
        ("revoked", False),
        ("suspended", False),
        ("invalid_signature", False),
        ("issuer_unreachable", False),
        ("malformed", False),
        ("unsupported", False),
        ("not_yet_valid", False),
        ("", False),
    ],
)
def test_it_is_offered_only_for_credentials_that_verify(verdict: str, offered: bool) -> None:
    assert offers_linkedin(credential(verdict=verdict)) is offered
