"""The record's search finds a credential by its words however it was written: an import, a
ZIP import (PostgreSQL's COPY), an UPDATE, a re-derivation, a restore. On PostgreSQL the
words are a stored column the database computes (migration 0021); it answers as the vector
once built for every row did."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import override_settings

from accounts.services import account_delete
from intake.services import arrival, zips
from portability.services import export_archive, export_restore
from tests.intake.test_zips import _zip
from tests.portability.support import LATER, make_earner
from tests.support.issuer import EARNER_EMAIL, NOW
from wallet import selectors
from wallet.models import Credential
from wallet.selectors import CredentialFilters
from wallet.services import derive

pytestmark = pytest.mark.django_db


def _found(owner, text: str) -> list[str]:
    filters = CredentialFilters(q=text, include_children=True)
    return [c.title for c in selectors.credential_list(owner=owner, filters=filters)]


def _found_by_each_field(owner) -> bool:
    # Title, issuer name and description of the test issuer's achievement credential.
    return all(
        _found(owner, word) == ["Test Achievement"] for word in ("achievement", "issuer", "passing")
    )


def test_an_imported_credential_is_found_by_its_words(owner, issuer):
    arrival.credential_import(
        owner=owner, data=json.dumps(issuer.ob3()).encode(), source="upload", now=NOW
    )

    assert _found_by_each_field(owner)


def test_a_credential_from_a_zip_is_found_by_its_words(owner, issuer):
    zips.credential_import_zip(
        owner=owner, data=_zip({"badge.jwt": issuer.ob3_jwt().encode()}), now=NOW
    )

    assert Credential.objects.get(owner=owner).source == "bulk"
    assert _found_by_each_field(owner)


def test_a_changed_title_is_found_and_the_old_one_is_not(owner, issuer):
    outcome = arrival.credential_import(
        owner=owner, data=json.dumps(issuer.ob3()).encode(), source="upload", now=NOW
    )
    Credential.objects.filter(pk=outcome.credential.pk).update(title="Placeholder Heading")

    assert _found(owner, "placeholder") == ["Placeholder Heading"]
    assert _found(owner, "achievement") == []

    derive.credential_rederive(credential=Credential.objects.get(pk=outcome.credential.pk))

    assert _found(owner, "placeholder") == []
    assert _found_by_each_field(owner)


@override_settings(SATCHEL_RESTORE_INLINE_CHECKS=0)  # only the restore's own write
def test_a_restored_credential_is_found_by_its_words(issuer):
    earner = make_earner(EARNER_EMAIL)
    arrival.credential_import(
        owner=earner, data=json.dumps(issuer.ob3()).encode(), source="upload", now=NOW
    )
    export = export_archive(owner=earner, now=LATER)
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)

    export_restore(owner=again, data=export.data, now=LATER)

    assert _found_by_each_field(again)


QUERIES = [
    "welding",
    "WELDING harbour",
    '"advanced welding"',
    '"welding advanced"',
    "welding -harbour",
    "welding or statistics",
    "certificate",
    "regression programmers",
    "-",
    '"',
]


def test_the_stored_words_answer_as_the_vector_built_for_every_row(owner, make_credential):
    make_credential(owner, title="Advanced Welding", issuer_name="Harbour College")
    make_credential(owner, title="Welding Basics", achievement_type="Certificate")
    make_credential(owner, title="Statistics", description="Regression for programmers")
    make_credential(owner, title="", description="")

    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = (
            SearchVector("title", weight="A", config="simple")
            + SearchVector("issuer_name", weight="B", config="simple")
            + SearchVector("description", weight="C", config="simple")
            + SearchVector("achievement_type", weight="C", config="simple")
        )
        rows = Credential.objects.filter(owner=owner).annotate(words=vector)
        for text in QUERIES:
            query = SearchQuery(text, search_type="websearch", config="simple")
            built = sorted(rows.filter(words=query).values_list("title", flat=True))
            assert sorted(_found(owner, text)) == built, text
        sql = str(selectors.credential_list(owner=owner, filters=CredentialFilters(q="x")).query)
        assert '"search" @@' in sql and "to_tsvector" not in sql
    else:
        assert sorted(_found(owner, "welding")) == ["Advanced Welding", "Welding Basics"]
        assert _found(owner, "WELDING harbour") == ["Advanced Welding"]
        assert _found(owner, "certificate") == ["Welding Basics"]
        assert _found(owner, "regression programmers") == ["Statistics"]


def test_the_search_words_are_a_postgresql_column_only():
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, Credential._meta.db_table
            )
        }
        indexes = connection.introspection.get_constraints(cursor, Credential._meta.db_table)

    if connection.vendor == "postgresql":
        assert "search" in columns
        assert indexes["cred_search"]["type"] == "gin"
    else:
        assert "search" not in columns and "cred_search" not in indexes
