"""CASE skills: alignments to CFItems looked up (when the learner asks) at a CASE 1.1 provider
on loopback, kept, refreshed rarely, and the skills page grouped by framework."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse

from config.env import normalise_origin
from tests.support.issuer import NOW
from tests.support.stub_server import StubServer, running_stub
from wallet import case, tasks
from wallet.models import AuditEvent, CaseItem
from wallet.services.case import case_items_lookup, case_items_refresh

pytestmark = pytest.mark.django_db

ITEM = "9ab1d6f2-5a32-4c11-8e5c-0d1b7c3f2a10"
OTHER = "0f4e2b8a-1c7d-4e36-9a55-7b2d9c6e1f34"
DOCUMENT = "c6d1f0a2-77b3-4a8e-b2c9-5e4f3a2d1b00"


def _cf_item(identifier: str, code: str, statement: str) -> dict:
    """A getCFItem answer, shaped as CASE 1.1's CFItem."""
    return {
        "identifier": identifier,
        "uri": f"https://case.example/uri/{identifier}",
        "fullStatement": statement,
        "humanCodingScheme": code,
        "CFItemType": "Competency",
        "lastChangeDateTime": "2026-01-15T10:00:00+00:00",
        "CFDocumentURI": {
            "title": "Data Skills (as the item names it)",
            "identifier": DOCUMENT,
            "uri": f"https://case.example/uri/{DOCUMENT}",
        },
    }


@pytest.fixture
def provider(settings) -> Iterator[StubServer]:
    with running_stub() as stub:
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(stub.origin),)
        stub.json(
            f"/ims/case/v1p1/CFItems/{ITEM}",
            _cf_item(ITEM, "DS.1.2", "Write programs that clean and join tabular data."),
        )
        stub.json(
            f"/ims/case/v1p1/CFDocuments/{DOCUMENT}",
            {
                "identifier": DOCUMENT,
                "uri": f"https://case.example/uri/{DOCUMENT}",
                "title": "Data Skills Framework",
                "creator": "Example State Board",
                "version": "2.0",
                "lastChangeDateTime": "2026-01-15T10:00:00+00:00",
            },
        )
        yield stub


def _alignment(provider: StubServer, identifier: str, name: str) -> dict[str, str]:
    """An OB 3.0 Alignment to a CFItem, as in the specification's CASE alignment example."""
    return {
        "name": name,
        "url": f"{provider.origin}/uri/{identifier}",
        "code": identifier,
        "framework": "Data Skills",
        "type": "CFItem",
    }


PLAIN = {
    "name": "Teamwork",
    "url": "https://skills.example/teamwork",
    "code": "",
    "framework": "",
    "type": "",
}


def test_a_case_uri_is_asked_at_the_providers_getcfitem_address():
    address = case.item_address(f"https://caseregistry.imsglobal.org/uri/{ITEM.upper()}")
    assert address.item_url == f"https://caseregistry.imsglobal.org/ims/case/v1p1/CFItems/{ITEM}"
    assert address.api_base == "https://caseregistry.imsglobal.org/ims/case/v1p1"
    api = f"https://case.example/base/ims/case/v1p0/CFItems/{ITEM}"
    assert case.item_address(api).item_url == api
    assert case.item_address(api).api_base == "https://case.example/base/ims/case/v1p0"
    assert case.item_address("urn:x:1") is None


def test_only_cfitem_alignments_and_case_addresses_are_case_items():
    assert case.is_case_alignment({"type": "CFItem", "url": "https://x.example/anything"})
    assert case.is_case_alignment({"type": "", "url": f"https://x.example/uri/{ITEM}"})
    assert case.is_case_alignment({"url": f"https://x.example/ims/case/v1p1/CFItems/{ITEM}"})
    assert not case.is_case_alignment(PLAIN)
    assert not case.is_case_alignment({"type": "CFItem", "url": ""})


def test_the_skills_page_asks_before_contacting_any_publisher(
    client, owner, make_credential, provider
):
    make_credential(owner, alignments=[_alignment(provider, ITEM, "Data wrangling"), PLAIN])
    client.force_login(owner)

    page = client.get(reverse("wallet:skills")).content.decode()

    assert "Look up 1 skill in its framework" in page
    assert normalise_origin(provider.origin).removeprefix("http://") in page
    assert 'data-case="unresolved"' in page and "Data wrangling" in page
    assert provider.hits == []


def test_looking_up_shows_the_code_and_full_statement_grouped_by_framework(
    client, owner, make_credential, provider, django_capture_on_commit_callbacks
):
    make_credential(owner, alignments=[_alignment(provider, ITEM, "Data wrangling"), PLAIN])
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wallet:skills_lookup"))
    page = client.get(reverse("wallet:skills")).content.decode()

    assert response.status_code == 302
    assert 'data-case="resolved"' in page
    assert "<code>DS.1.2</code>" in page
    assert "Write programs that clean and join tabular data." in page
    assert "Data Skills Framework" in page and "Example State Board" in page
    assert page.index("Data Skills Framework") < page.index("Other skills and standards")
    assert "Look up" not in page
    event = AuditEvent.objects.get(user=owner, action="skills.looked_up")
    assert event.detail == {"asked": 1, "resolved": 1}
    # Only the CASE item and its framework were asked about.
    assert sorted(provider.hits) == sorted(
        [f"/ims/case/v1p1/CFItems/{ITEM}", f"/ims/case/v1p1/CFDocuments/{DOCUMENT}"]
    )


def test_the_credential_page_shows_the_statement_of_a_looked_up_item(
    client, owner, make_credential, provider
):
    credential = make_credential(owner, alignments=[_alignment(provider, ITEM, "Data wrangling")])
    case_items_lookup(owner=owner, now=NOW)
    client.force_login(owner)

    page = client.get(reverse("wallet:credential", args=[credential.pk])).content.decode()

    assert "Write programs that clean and join tabular data." in page
    assert "<code>DS.1.2</code>" in page


def test_an_item_that_cannot_be_looked_up_still_shows_what_the_credential_says(
    client, owner, make_credential, provider, django_capture_on_commit_callbacks
):
    make_credential(owner, alignments=[_alignment(provider, OTHER, "Unpublished skill")])
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wallet:skills_lookup"))
    page = client.get(reverse("wallet:skills")).content.decode()

    row = CaseItem.objects.get()
    assert row.fetched_at is None and "404" in row.error
    assert "Unpublished skill" in page and 'data-case="unresolved"' in page


def test_a_failed_item_is_asked_again_a_day_later_not_before(owner, make_credential, provider):
    make_credential(owner, alignments=[_alignment(provider, OTHER, "Later")])
    path = f"/ims/case/v1p1/CFItems/{OTHER}"
    case_items_lookup(owner=owner, now=NOW)
    case_items_lookup(owner=owner, now=NOW + timedelta(hours=2))
    assert provider.count(path) == 1

    provider.json(path, _cf_item(OTHER, "DS.9", "Published at last."))
    result = case_items_lookup(owner=owner, now=NOW + timedelta(days=1))

    assert (result.asked, result.resolved) == (1, 1)
    assert CaseItem.objects.get().full_statement == "Published at last."


def test_a_resolved_item_is_refreshed_rarely_and_kept_when_its_provider_is_down(
    owner, make_credential, provider
):
    make_credential(owner, alignments=[_alignment(provider, ITEM, "Data wrangling")])
    path = f"/ims/case/v1p1/CFItems/{ITEM}"
    case_items_lookup(owner=owner, now=NOW)
    assert case_items_refresh(now=NOW + timedelta(days=29)) == 0
    assert provider.count(path) == 1

    provider.text(path, "down", "text/plain", status=503)
    assert case_items_refresh(now=NOW + timedelta(days=30)) == 0

    assert provider.count(path) == 2
    row = CaseItem.objects.get()
    assert row.full_statement.startswith("Write programs") and row.fetched_at == NOW


def test_the_lookup_task_asks_only_about_that_learners_skills(
    owner, stranger, make_credential, provider
):
    make_credential(stranger, alignments=[_alignment(provider, ITEM, "Theirs")])

    assert tasks.lookup_case_items.delay(owner.pk).get() == 0

    assert provider.hits == [] and not CaseItem.objects.exists()


def test_an_answer_that_is_not_a_cfitem_is_not_kept(owner, make_credential, provider):
    provider.json(f"/ims/case/v1p1/CFItems/{ITEM}", {"title": "not an item"})
    make_credential(owner, alignments=[_alignment(provider, ITEM, "Data wrangling")])

    case_items_lookup(owner=owner, now=NOW)

    row = CaseItem.objects.get()
    assert row.fetched_at is None and "fullStatement" in row.error
