"""Look-alikes in the record: cards of one title from one issuer say what differs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client

from tests.support.issuer import NOW
from wallet.lookalikes import lookalike_notes

pytestmark = pytest.mark.django_db


def test_same_title_and_issuer_are_told_apart_by_date_and_recipient(owner, make_credential):
    first = make_credential(
        owner,
        title="Teamwork Badge",
        issuer_name="Example Corp",
        issued_at=datetime(2024, 5, 1, tzinfo=NOW.tzinfo),
        recipient_hint="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    )
    second = make_credential(
        owner,
        title="Teamwork Badge",
        issuer_name="Example Corp",
        issued_at=datetime(2025, 2, 3, tzinfo=NOW.tzinfo),
        recipient_hint="robin@example.org",
    )
    other = make_credential(owner, title="Leadership", issuer_name="Example Corp")

    notes = lookalike_notes([first, second, other])

    assert notes[first.pk] == "Issued 1 May 2024, to did:key:z6MkhaXgBZ…nnEGta2doK"
    assert notes[second.pk] == "Issued 3 Feb 2025, to robin@example.org"
    assert other.pk not in notes


def test_identical_copies_are_told_apart_by_when_they_were_added(owner, make_credential):
    copies = [
        make_credential(owner, title="Teamwork Badge", created_at=NOW + timedelta(minutes=i))
        for i in range(2)
    ]
    notes = lookalike_notes(copies)
    assert notes[copies[0].pk] != notes[copies[1].pk]
    assert all(note.startswith("Added ") for note in notes.values())


def test_the_record_shows_the_difference_on_each_card(client: Client, owner, make_credential):
    for issuer_id in ("did:web:one.example", "did:web:two.example"):
        make_credential(
            owner, title="Teamwork Badge", issuer_name="Example Corp", issuer_id=issuer_id
        )
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert "Issuer did:web:one.example" in page and "Issuer did:web:two.example" in page
