"""The main navigation marks the section the page belongs to."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User


@pytest.fixture
def signed_in(client: Client, db) -> Client:
    user = User.objects.create_user(email="nav@example.org", password="unused-password-1")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", "Record"),
        ("/timeline/", "Record"),
        ("/skills/", "Record"),
        ("/trash/", "Record"),
        ("/import/", "Import"),
        ("/shares/", "Shares"),
        ("/account/", "Account"),
        ("/accounts/email/", "Account"),
    ],
)
def test_the_current_section_is_marked(signed_in: Client, path: str, section: str) -> None:
    body = signed_in.get(path).content.decode()
    main_nav = body.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    current = [line for line in main_nav.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1, current
    assert f">{section}</a>" in current[0]


def test_the_account_page_and_the_record_lead_to_export_and_restore(signed_in: Client) -> None:
    account = signed_in.get("/account/").content.decode()
    assert 'href="/export/"' in account and 'href="/restore/"' in account
    assert 'href="/export/"' in signed_in.get("/").content.decode()
