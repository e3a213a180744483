"""Reads of the record: owner scope, filters, sorting, search, and a constant query count."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404

from tests.support.issuer import NOW
from wallet import selectors
from wallet.selectors import CredentialFilters
from wallet.services import organise, trash

pytestmark = pytest.mark.django_db

SKILL = {
    "name": "Data analysis",
    "url": "https://case.example/uri/0001",
    "code": "DA-1",
    "framework": "Test",
    "type": "CFItem",
}


def _titles(owner, **filters) -> list[str]:
    return [
        c.title
        for c in selectors.credential_list(owner=owner, filters=CredentialFilters(**filters))
    ]


def test_access_credential_returns_the_owners_credential(owner, make_credential):
    credential = make_credential(owner)

    assert selectors.access_credential(owner=owner, credential_id=credential.pk) == credential


@pytest.mark.parametrize("credential_id", ["999999", "not-a-number", None])
def test_access_credential_is_a_404_for_what_does_not_exist(owner, credential_id):
    with pytest.raises(Http404):
        selectors.access_credential(owner=owner, credential_id=credential_id)


def test_a_stranger_cannot_reach_anyone_elses_credential_image_tag_or_collection(
    owner, stranger, make_credential
):
    credential = make_credential(owner)
    tag = organise.tag_create(owner=owner, name="work")
    collection = organise.collection_create(owner=owner, name="For employers")

    with pytest.raises(Http404):
        selectors.access_credential(owner=stranger, credential_id=credential.pk)
    with pytest.raises(Http404):
        selectors.credential_image(owner=stranger, credential_id=credential.pk)
    with pytest.raises(Http404):
        selectors.access_tag(owner=stranger, tag_id=tag.pk)
    with pytest.raises(Http404):
        selectors.access_collection(owner=stranger, collection_id=collection.pk)
    assert list(selectors.credential_list(owner=stranger)) == []
    assert selectors.skills_summary(owner=stranger) == []


def test_the_list_filters_by_issuer_type_verdict_and_skill(owner, make_credential):
    make_credential(owner, title="A", issuer_id="did:web:a.example", achievement_type="Badge")
    make_credential(
        owner,
        title="B",
        issuer_id="did:web:b.example",
        achievement_type="Certificate",
        verdict="revoked",
        alignments=[SKILL],
    )
    make_credential(owner, title="C", format="ob2-hosted", achievement_type="Badge")

    assert _titles(owner, issuer="did:web:b.example") == ["B"]
    assert sorted(_titles(owner, type="badge")) == ["A", "C"]
    assert _titles(owner, type="ob2-hosted") == ["C"]
    assert _titles(owner, verdict="revoked") == ["B"]
    assert _titles(owner, skill="https://case.example/uri/0001") == ["B"]
    assert _titles(owner, skill="DA-1") == ["B"]
    assert _titles(owner, skill="https://case.example/uri/00") == []


def test_the_skill_filter_matches_names_beyond_ascii(owner, make_credential):
    make_credential(owner, title="Cuisine", alignments=[{**SKILL, "name": "Pâtisserie", "url": ""}])

    assert _titles(owner, skill="Pâtisserie") == ["Cuisine"]


def test_the_list_filters_by_tag_and_collection(owner, make_credential):
    tagged = make_credential(owner, title="Tagged")
    collected = make_credential(owner, title="Collected")
    make_credential(owner, title="Neither")
    tag = organise.tag_create(owner=owner, name="work")
    collection = organise.collection_create(owner=owner, name="CV")
    organise.credential_tag(credential=tagged, tag=tag)
    organise.collection_add(collection=collection, credential=collected)

    assert _titles(owner, tag=tag.pk) == ["Tagged"]
    assert _titles(owner, collection=collection.pk) == ["Collected"]


def test_the_list_searches_title_description_and_issuer(owner, make_credential):
    make_credential(owner, title="Python Programming", description="Loops and functions")
    make_credential(owner, title="Welding", issuer_name="Harbour College")
    make_credential(owner, title="Statistics", description="Regression for programmers")

    assert _titles(owner, q="python") == ["Python Programming"]
    assert _titles(owner, q="harbour") == ["Welding"]
    assert _titles(owner, q="loops functions") == ["Python Programming"]
    assert _titles(owner, q="chemistry") == []


def test_search_uses_postgres_full_text_when_run_there(owner, make_credential):
    make_credential(owner, title="Advanced Welding Certificate")
    queryset = selectors.credential_list(owner=owner, filters=CredentialFilters(q="welding"))

    sql = str(queryset.query).lower()
    if connection.vendor == "postgresql":
        # The words are stored (migration 0021), never built again for each row searched.
        assert '"search" @@' in sql and "websearch_to_tsquery" in sql
        assert "to_tsvector" not in sql
    else:
        assert "like" in sql
    assert [c.title for c in queryset] == ["Advanced Welding Certificate"]


def test_the_list_sorts_newest_oldest_title_and_issuer(owner, make_credential):
    make_credential(owner, title="b", issuer_name="Zeta", issued_at=NOW - timedelta(days=1))
    make_credential(owner, title="C", issuer_name="alpha", issued_at=NOW - timedelta(days=3))
    make_credential(owner, title="a", issuer_name="Mid", issued_at=NOW - timedelta(days=2))

    assert _titles(owner) == ["b", "a", "C"]
    assert _titles(owner, sort="oldest") == ["C", "a", "b"]
    assert _titles(owner, sort="title") == ["a", "b", "C"]
    assert _titles(owner, sort="issuer") == ["C", "a", "b"]


def test_a_clrs_children_are_listed_only_when_asked(owner, make_credential):
    parent = make_credential(owner, title="Transcript", format="clr2")
    make_credential(owner, title="Inside", parent=parent)

    assert _titles(owner) == ["Transcript"]
    assert sorted(_titles(owner, include_children=True)) == ["Inside", "Transcript"]
    assert [c.title for c in selectors.credential_children(credential=parent)] == ["Inside"]


def _list_with_relations(owner) -> list:
    rows = selectors.credential_list(owner=owner)
    return [(c.title, [t.name for t in c.tags.all()], list(c.collections.all())) for c in rows]


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_takes_the_same_queries_however_many_credentials(
    owner, make_credential, django_assert_num_queries, count
):
    tag = organise.tag_create(owner=owner, name="work")
    collection = organise.collection_create(owner=owner, name="CV")
    for _ in range(count):
        credential = make_credential(owner)
        organise.credential_tag(credential=credential, tag=tag)
        organise.collection_add(collection=collection, credential=credential)

    with django_assert_num_queries(3):
        rows = _list_with_relations(owner)

    assert len(rows) == count


def test_the_skills_summary_counts_each_skill_across_credentials(owner, make_credential):
    other = {**SKILL, "name": "Welding", "url": "https://case.example/uri/0002", "code": ""}
    first = make_credential(owner, alignments=[SKILL, other])
    second = make_credential(owner, alignments=[{**SKILL, "url": SKILL["url"].upper()}])
    gone = make_credential(owner, alignments=[SKILL])
    trash.credential_delete(credential=gone, now=NOW)

    summary = selectors.skills_summary(owner=owner)

    assert [(s.name, s.count) for s in summary] == [("Data analysis", 2), ("Welding", 1)]
    assert summary[0].credential_ids == [first.pk, second.pk]
    assert summary[0].framework == "Test"


def test_the_timeline_orders_by_when_each_was_earned(owner, make_credential):
    make_credential(
        owner,
        title="awarded long ago",
        awarded_at=NOW - timedelta(days=900),
        issued_at=NOW - timedelta(days=1),
    )
    make_credential(owner, title="issued last month", issued_at=NOW - timedelta(days=30))
    make_credential(owner, title="undated")

    assert [c.title for c in selectors.timeline(owner=owner)] == [
        "undated",
        "issued last month",
        "awarded long ago",
    ]


def test_tags_and_collections_count_live_credentials(owner, make_credential):
    tag = organise.tag_create(owner=owner, name="work")
    kept, gone = make_credential(owner), make_credential(owner)
    organise.credential_tag(credential=kept, tag=tag)
    organise.credential_tag(credential=gone, tag=tag)
    trash.credential_delete(credential=gone, now=NOW)

    assert [(t.name, t.credential_count) for t in selectors.tags(owner=owner)] == [("work", 1)]


def test_the_issuers_list_counts_credentials_per_issuer(owner, make_credential):
    make_credential(owner, issuer_id="did:web:a.example", issuer_name="A")
    make_credential(owner, issuer_id="did:web:a.example", issuer_name="A")
    make_credential(owner, issuer_id="did:web:b.example", issuer_name="B")

    assert selectors.issuers(owner=owner) == [
        {"issuer_id": "did:web:a.example", "issuer_name": "A", "count": 2, "issuer_hint": ""},
        {"issuer_id": "did:web:b.example", "issuer_name": "B", "count": 1, "issuer_hint": ""},
    ]


def test_an_issuer_that_renamed_itself_is_one_option_counted_once(owner, make_credential):
    make_credential(owner, issuer_id="did:web:a.example", issuer_name="Acme Academy")
    make_credential(owner, issuer_id="did:web:a.example", issuer_name="Acme Academy")
    make_credential(owner, issuer_id="did:web:a.example", issuer_name="ACME (old name)")

    rows = selectors.record_facets(owner=owner).issuers

    assert [(r["issuer_id"], r["issuer_name"], r["count"]) for r in rows] == [
        ("did:web:a.example", "Acme Academy", 3)
    ]
    assert selectors.issuers(owner=owner) == rows


def test_issuers_of_one_name_are_told_apart_by_their_identity(owner, make_credential):
    first = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    second = "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
    for issuer_id in (first, second, "https://corp.example/issuers/7"):
        make_credential(owner, issuer_id=issuer_id, issuer_name="Example Corp")

    rows = selectors.record_facets(owner=owner).issuers

    assert sorted(r["issuer_hint"] for r in rows) == [
        "corp.example/…/7",
        "did:key:z6Mkha…ta2doK",
        "did:key:z6MkpT…sdvktH",
    ]
    assert all(r["count"] == 1 for r in rows)


def test_tags_come_by_name_ignoring_case_with_their_counts(owner, make_credential):
    for name in ("work", "Archive", "beta"):
        organise.tag_create(owner=owner, name=name)
    organise.credential_tag(
        credential=make_credential(owner), tag=selectors.tags(owner=owner).get(name="work")
    )

    rows = [(t.name, t.credential_count) for t in selectors.tags(owner=owner)]

    assert rows == [("Archive", 0), ("beta", 0), ("work", 1)]


def test_collections_come_by_name_ignoring_case_with_their_counts(owner, make_credential):
    for name in ("cv", "Applications", "Bootcamp"):
        organise.collection_create(owner=owner, name=name)
    cv = selectors.collections(owner=owner).get(name="cv")
    organise.collection_add(collection=cv, credential=make_credential(owner))

    rows = [(c.name, c.credential_count) for c in selectors.collections(owner=owner)]

    assert rows == [("Applications", 0), ("Bootcamp", 0), ("cv", 1)]


def test_achievement_types_list_each_live_top_level_type_once_by_name(
    owner, stranger, make_credential
):
    for kind in ("course", "Badge", "Course", "Certificate", ""):
        make_credential(owner, achievement_type=kind)
    parent = make_credential(owner, achievement_type="CLR")
    make_credential(owner, achievement_type="Inside only", parent=parent)
    trash.credential_delete(credential=make_credential(owner, achievement_type="Gone"), now=NOW)
    make_credential(stranger, achievement_type="Theirs")

    assert selectors.achievement_types(owner=owner) == ["Badge", "Certificate", "CLR", "Course"]


def test_the_record_filters_offer_the_same_types(owner, make_credential):
    for kind in ("course", "Badge", "Course"):
        make_credential(owner, achievement_type=kind)

    facets = selectors.record_facets(owner=owner)

    assert facets.types == selectors.achievement_types(owner=owner) == ["Badge", "Course"]


def test_the_record_filters_follow_imports_trash_and_restore(owner, issuer):
    from intake.services.arrival import credential_import

    first = credential_import(owner=owner, data=json.dumps(issuer.ob3()).encode(), source="upload")
    names = [row["issuer_name"] for row in selectors.record_facets(owner=owner).issuers]
    assert names == [first.credential.issuer_name]

    trash.credential_delete(credential=first.credential)
    assert selectors.record_facets(owner=owner).issuers == []

    trash.credential_restore(credential=first.credential)
    assert [r["count"] for r in selectors.record_facets(owner=owner).issuers] == [1]


def test_a_page_of_the_record_is_read_in_order_from_an_index(owner, make_credential):
    for n in range(30):
        make_credential(owner, issued_at=NOW - timedelta(days=n))
    keys = selectors.credential_list(owner=owner).values_list("pk", flat=True)[:24]

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as on a large record, where a scan costs more
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = keys.explain()
        assert "cred_record_newest" in plan and "Sort" not in plan
    else:
        plan = keys.explain()
        assert "cred_record_newest" in plan and "TEMP B-TREE" not in plan


def test_the_records_version_and_live_ids_are_read_from_an_index_alone(owner, make_credential):
    for _ in range(30):
        make_credential(owner)
    # What the record's version (count, ids, latest change) and the tag counts read.
    read = selectors._live(owner).order_by().values_list("pk", "updated_at")

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "wallet_credential")

    columns = ["owner_id", "deleted_at", "parent_id", "updated_at", "id"]
    assert indexes["cred_owner_live"]["columns"] == columns
    if connection.vendor == "sqlite":  # PostgreSQL's plan for 30 fresh rows says little
        assert "COVERING INDEX cred_owner_live" in read.explain()
