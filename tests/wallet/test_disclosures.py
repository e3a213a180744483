"""What the learner sent is recorded, with its audit row, and only the owner's credentials."""

from __future__ import annotations

import pytest

from tests.support.issuer import NOW
from wallet import selectors
from wallet.models import AuditEvent, Disclosure
from wallet.services.disclosures import disclosure_record


def test_a_disclosure_keeps_who_received_what_and_why(owner, stranger, make_credential) -> None:
    first = make_credential(owner, title="Welding Level 2")
    second = make_credential(owner, title="First Aid")

    disclosure = disclosure_record(
        owner=owner,
        protocol=Disclosure.Protocol.VCAPI,
        credentials=[first, second],
        recipient_name="Acme Hiring",
        recipient_origin="https://hiring.acme.example",
        purpose="Proof of welding certification",
        now=NOW,
    )

    assert list(selectors.disclosures(owner=owner)) == [disclosure]
    assert list(selectors.disclosures(owner=stranger)) == []
    assert disclosure.titles == ["Welding Level 2", "First Aid"]
    assert set(disclosure.credentials.all()) == {first, second}
    audit = AuditEvent.objects.get(action="credentials.disclosed")
    assert audit.detail == {"protocol": "vcapi", "to": "https://hiring.acme.example", "count": 2}


def test_the_titles_sent_outlive_the_credentials(owner, make_credential) -> None:
    credential = make_credential(owner, title="Welding Level 2")
    disclosure = disclosure_record(
        owner=owner, protocol=Disclosure.Protocol.OID4VP, credentials=[credential], now=NOW
    )
    credential.delete()
    disclosure.refresh_from_db()
    assert disclosure.titles == ["Welding Level 2"] and not disclosure.credentials.exists()


def test_it_refuses_someone_elses_credential(owner, stranger, make_credential) -> None:
    theirs = make_credential(stranger)
    with pytest.raises(ValueError):
        disclosure_record(
            owner=owner, protocol=Disclosure.Protocol.VCAPI, credentials=[theirs], now=NOW
        )
    assert not Disclosure.objects.exists()
