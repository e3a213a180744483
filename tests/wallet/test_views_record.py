"""The record page, the timeline and the skills view."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.support.issuer import NOW
from wallet.models import Notice
from wallet.services import organise

pytestmark = pytest.mark.django_db

PYTHON = {
    "name": "Write Python programs",
    "url": "https://case.example/uri/py-1",
    "code": "PY-1",
    "framework": "Programming Outcomes",
    "type": "CFItem",
}
SQL = {
    "name": "Query relational databases",
    "url": "https://case.example/uri/sql-1",
    "code": "SQL-1",
    "framework": "Programming Outcomes",
    "type": "CFItem",
}


@pytest.fixture
def signed_in(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def _when(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_the_record_shows_the_owners_credentials_as_cards_and_nobody_elses(
    signed_in: Client, owner, stranger, make_credential
) -> None:
    make_credential(
        owner,
        title="Data Structures",
        issuer_name="Riverside College",
        verdict="revoked",
        has_image=True,
    )
    make_credential(stranger, title="Someone Else's Degree")

    page = signed_in.get("/").content.decode()

    assert "Data Structures" in page and "Riverside College" in page
    assert "Revoked by the issuer" in page  # the verdict in words, not only in colour
    assert "Someone Else" not in page


def test_an_empty_record_invites_the_first_import(signed_in: Client) -> None:
    page = signed_in.get("/").content.decode()
    assert "Your record is empty" in page
    assert reverse("wallet:import") in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"verdict": "expired"}, "Old Licence", "Fresh Degree"),
        ({"q": "licence"}, "Old Licence", "Fresh Degree"),
        ({"type": "Degree"}, "Fresh Degree", "Old Licence"),
        ({"issuer": "did:example:college"}, "Fresh Degree", "Old Licence"),
        ({"skill": PYTHON["url"]}, "Fresh Degree", "Old Licence"),
    ],
)
def test_filters_narrow_the_record(
    signed_in: Client, owner, make_credential, query, shown, hidden
) -> None:
    make_credential(
        owner,
        title="Fresh Degree",
        achievement_type="Degree",
        issuer_id="did:example:college",
        alignments=[PYTHON],
    )
    make_credential(owner, title="Old Licence", verdict="expired", achievement_type="License")

    page = signed_in.get("/", query).content.decode()

    assert shown in page
    assert hidden not in page


def test_the_filters_offer_types_tags_and_collections_by_name_ignoring_case(
    signed_in: Client, owner, make_credential
) -> None:
    for kind in ("course", "Badge", "Course"):
        make_credential(owner, achievement_type=kind)
    for name in ("work", "Archive"):
        organise.tag_create(owner=owner, name=name)
    for name in ("cv", "Bootcamp"):
        organise.collection_create(owner=owner, name=name)

    page = signed_in.get("/").content.decode()

    options = re.findall(r'<option value="([^"]*)"', page)
    assert [o for o in options if o in ("course", "Badge", "Course")] == ["Badge", "Course"]
    assert page.index(">Archive<") < page.index(">work<")
    assert page.index(">Bootcamp<") < page.index(">cv<")


def test_the_issuer_filter_lists_each_issuer_once_with_the_count_it_shows(
    signed_in: Client, owner, make_credential
) -> None:
    for name in ("Example Corp", "Example Corp", "Example Corp (2019)"):
        make_credential(owner, issuer_id="did:web:corp.example", issuer_name=name)
    make_credential(owner, issuer_id="did:web:other.example", issuer_name="Example Corp")

    page = signed_in.get("/").content.decode()

    options = re.findall(r'<option value="(did:web:[^"]*)"[^>]*>([^<]*)<', page)
    assert options == [
        ("did:web:corp.example", "Example Corp · did:web:corp.example (3)"),
        ("did:web:other.example", "Example Corp · did:web:other.example (1)"),
    ]
    filtered = signed_in.get("/", {"issuer": "did:web:corp.example"}).content.decode()
    assert "3 credentials match" in filtered


def test_tag_and_collection_filters_narrow_the_record(
    signed_in: Client, owner, make_credential
) -> None:
    tagged = make_credential(owner, title="Tagged One")
    make_credential(owner, title="Plain One")
    tag = organise.tag_create(owner=owner, name="jobs")
    collection = organise.collection_create(owner=owner, name="CV")
    organise.credential_tag(credential=tagged, tag=tag)
    organise.collection_add(collection=collection, credential=tagged)

    for query in ({"tag": tag.pk}, {"collection": collection.pk}):
        page = signed_in.get("/", query).content.decode()
        assert "Tagged One" in page and "Plain One" not in page


def test_a_nonsense_filter_value_filters_nothing_instead_of_failing(
    signed_in: Client, owner, make_credential
) -> None:
    make_credential(owner, title="Still Here")
    response = signed_in.get("/", {"tag": "abc", "sort": "sideways", "verdict": "nope"})
    assert response.status_code == 200
    assert "Still Here" in response.content.decode()


def test_sorting_by_title_orders_the_cards(signed_in: Client, owner, make_credential) -> None:
    for title in ("Charlie", "Alpha", "Bravo"):
        make_credential(owner, title=title)
    page = signed_in.get("/", {"sort": "title"}).content.decode()
    assert page.index("Alpha") < page.index("Bravo") < page.index("Charlie")
    assert '<details class="filters__more" open>' in page  # the chosen sort stays visible
    assert '<details class="filters__more">' in signed_in.get("/").content.decode()


def test_page_links_keep_the_filters(signed_in: Client, owner, make_credential) -> None:
    for number in range(30):
        make_credential(owner, title=f"Course {number:02d}", achievement_type="Course")

    page = signed_in.get("/", {"q": "Course", "sort": "title"}).content.decode()
    second = signed_in.get("/", {"q": "Course", "sort": "title", "page": 2}).content.decode()

    assert "?q=Course&amp;sort=title&amp;page=2" in page
    assert "Course 00" in page and "Course 29" not in page
    assert "Course 29" in second and "Page 2 of 2" in second


def _queries_for_record(client: Client, query: dict[str, str]) -> int:
    cache.clear()  # count the full path, filters' grouped query included
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/", query).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", [{}, {"q": "course"}, {"skill": PYTHON["url"]}])
def test_the_number_of_queries_does_not_grow_with_the_record(
    signed_in: Client, owner, stranger, make_credential, query
) -> None:
    tag = organise.tag_create(owner=owner, name="tagged")
    collection = organise.collection_create(owner=owner, name="kept")

    def add(count: int) -> None:
        for n in range(count):
            credential = make_credential(
                owner, title=f"Course {n}", has_image=True, alignments=[PYTHON]
            )
            organise.credential_tag(credential=credential, tag=tag)
            organise.collection_add(collection=collection, credential=credential)
            make_credential(stranger, title=f"Course {n}", alignments=[PYTHON])

    add(3)
    signed_in.get("/")  # the first request of a session also touches the session rows
    few = _queries_for_record(signed_in, query)
    add(27)
    many = _queries_for_record(signed_in, query)

    assert many == few


def test_notices_show_at_the_top_and_a_dismiss_puts_them_away(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner, title="Withdrawn Course", verdict="revoked")
    notice = Notice.objects.create(
        owner=owner,
        credential=credential,
        kind="revoked",
        message="“Withdrawn Course” is now: revoked by the issuer.",
        created_at=NOW,
    )
    page = signed_in.get("/").content.decode()
    assert "is now: revoked by the issuer" in page

    response = signed_in.post(reverse("wallet:notice_dismiss", args=[notice.pk]))

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "is now: revoked by the issuer" not in signed_in.get("/").content.decode()


def test_the_timeline_groups_by_year_and_month_newest_first(
    signed_in: Client, owner, make_credential
) -> None:
    make_credential(owner, title="First Badge", issued_at=_when(2019, 3))
    make_credential(owner, title="Second Badge", issued_at=_when(2021, 11))
    make_credential(owner, title="Award Later", issued_at=_when(2021, 1), awarded_at=_when(2021, 7))

    page = signed_in.get(reverse("wallet:timeline")).content.decode()

    assert page.index("2021") < page.index("2019")
    assert page.index("November") < page.index("Second Badge")
    assert page.index("July") < page.index("Award Later") < page.index("March")
    assert page.index("Second Badge") < page.index("Award Later") < page.index("First Badge")


def test_the_skills_view_counts_credentials_and_links_to_the_filtered_record(
    signed_in: Client, owner, make_credential
) -> None:
    make_credential(owner, title="One", alignments=[PYTHON, SQL])
    make_credential(owner, title="Two", alignments=[PYTHON])

    page = signed_in.get(reverse("wallet:skills")).content.decode()

    assert "Write Python programs" in page and "2 credentials" in page
    assert "Query relational databases" in page and "1 credential<" in page
    assert page.index("Write Python programs") < page.index("Query relational databases")
    assert '?skill=https%3A//case.example/uri/py-1"' in page
    assert 'href="https://case.example/uri/py-1" rel="noopener noreferrer"' in page


def test_a_skill_filter_finds_credentials_inside_transcripts_too(
    signed_in: Client, owner, make_credential
) -> None:
    transcript = make_credential(owner, title="Transcript", achievement_type="CLR")
    make_credential(owner, title="Inner Course", parent=transcript, alignments=[SQL])
    make_credential(owner, title="Unrelated", alignments=[PYTHON])

    page = signed_in.get("/", {"skill": SQL["url"]}).content.decode()

    assert "Inner Course" in page
    assert "Unrelated" not in page
    assert f'<option value="{SQL["url"]}" selected>Query relational databases</option>' in page


def test_transcripts_contents_are_listed_inside_them_unless_asked_for(
    signed_in: Client, owner, make_credential
) -> None:
    transcript = make_credential(owner, title="Transcript", achievement_type="CLR")
    make_credential(owner, title="Inner Course", parent=transcript)

    assert "Inner Course" not in signed_in.get("/").content.decode()
    assert "Inner Course" in signed_in.get("/", {"children": "on"}).content.decode()
