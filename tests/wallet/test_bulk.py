"""`insert_rows`: many rows in one INSERT, stored exactly as the ORM would store them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from intake.services import arrival
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes
from wallet import bulk
from wallet.bulk import insert_rows
from wallet.models import AuditEvent, CredentialImage

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(owner, issuer):
    imported = arrival.credential_import(
        owner=owner, data=as_bytes(issuer.ob3()), source="upload", now=NOW
    )
    CredentialImage.objects.filter(credential=imported.credential).delete()
    return imported.credential


def _audit_row(user, n: int) -> dict:
    return {
        "user_id": user.pk,
        "action": "credential.imported",
        "target_type": "wallet.credential",
        "target_id": str(n),
        "detail": {"filename": f"{n}.json", "note": "ünïcode ✓"},
        "created_at": NOW + timedelta(seconds=n),
    }


def test_it_stores_what_the_orm_reads_back_unchanged(owner):
    insert_rows(AuditEvent, [_audit_row(owner, 1), _audit_row(owner, 2)])

    stored = AuditEvent.objects.filter(user=owner).order_by("target_id")
    assert [(e.target_id, e.detail, e.created_at) for e in stored] == [
        ("1", {"filename": "1.json", "note": "ünïcode ✓"}, NOW + timedelta(seconds=1)),
        ("2", {"filename": "2.json", "note": "ünïcode ✓"}, NOW + timedelta(seconds=2)),
    ]


def test_it_returns_the_asked_columns_of_every_row_beyond_one_statement(owner):
    rows = [_audit_row(owner, n) for n in range(700)]  # more than one statement's parameters

    returned = insert_rows(AuditEvent, rows, returning=("id", "target_id"))

    assert sorted(int(target) for _pk, target in returned) == list(range(700))
    ids = {pk for pk, _target in returned}
    assert set(AuditEvent.objects.filter(user=owner).values_list("id", flat=True)) == ids


def test_binary_and_nullable_values_are_kept_exactly(credential):
    content = bytes(range(256)) * 4
    insert_rows(
        CredentialImage,
        [
            {
                "credential_id": credential.pk,
                "content": content,
                "media_type": "image/png",
                "sha256": "0" * 64,
                "width": None,
                "height": 7,
                "origin": "embedded",
            }
        ],
    )

    image = CredentialImage.objects.get(credential=credential)
    assert bytes(image.content) == content
    assert (image.width, image.height) == (None, 7)


def test_nothing_to_insert_sends_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(AuditEvent, [], returning=("id",)) == []


def test_a_row_breaking_a_constraint_is_django_s_integrity_error(credential):
    row = {
        "credential_id": credential.pk,
        "content": b"\x89PNG",
        "media_type": "image/png",
        "sha256": "0" * 64,
        "width": 1,
        "height": 1,
        "origin": "embedded",
    }
    insert_rows(CredentialImage, [row])

    # The caller settles a concurrent duplicate by catching Django's error, whatever the driver.
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(CredentialImage, [row])

    assert CredentialImage.objects.filter(credential=credential).count() == 1


_JSON_VALUES = [
    {"filename": "a.json", "note": "ünïcode ✓ 😀", "nested": {"list": [1, 2.5, None, True]}},
    [],
    [{"name": "Skill", "url": "https://example.org/s"}],
    {},
    'a string with "quotes" and \\ and \n',
    1e100,
    -0.0,
    float("nan"),
    12345678901234567890,
]


@pytest.mark.parametrize("value", _JSON_VALUES)
def test_json_values_are_written_as_the_compact_encoder_writes_them(value):
    assert bulk._json_text(value) == bulk._COMPACT_JSON.encode(value)


def test_a_json_value_that_cannot_be_encoded_is_refused_as_json_refuses_it():
    with pytest.raises(TypeError):
        bulk._json_text({"when": NOW})


def test_json_values_read_back_as_they_were_given(owner):
    rows = [{**_audit_row(owner, n), "detail": value} for n, value in enumerate(_JSON_VALUES[:5])]

    insert_rows(AuditEvent, rows)

    stored = AuditEvent.objects.filter(user=owner).order_by("created_at")
    assert [e.detail for e in stored] == _JSON_VALUES[:5]


def test_a_jsonb_value_is_dumped_compactly_and_one_django_wrapped_as_psycopg_dumps_it():
    from psycopg.types.json import Jsonb, JsonbBinaryDumper

    dumper = bulk._jsonb_binary_dumper()(dict)
    wrapped = Jsonb({"b": 1, "a": [1, 2]}, dumps=lambda obj: json.dumps(obj, sort_keys=True))

    assert dumper.dump({"b": 1, "a": [1, 2]}) == b'\x01{"b":1,"a":[1,2]}'
    assert dumper.dump(wrapped) == JsonbBinaryDumper(dict).dump(wrapped)
