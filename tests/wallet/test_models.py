"""Rules that live on the record's models: closed sets of values as choices, and the few
conditions several places ask of a credential."""

from __future__ import annotations

import pytest

from tests.support.issuer import NOW
from tests.support.migrations import latest, migrate
from wallet.models import Container, Credential, Format, Notice, Verdicts, VerificationRun
from wallet.verification import Verdict, wording

BEFORE_CHOICES = [("wallet", "0019_merge_obapi_and_ecosystem")]


def test_the_verdict_choices_are_the_verifiers_verdicts_in_the_one_wording():
    assert Verdicts.values == [str(v) for v in Verdict]
    assert dict(Verdicts.choices) == wording.VERDICT_LABELS
    for model, field in ((Credential, "verdict"), (VerificationRun, "verdict"), (Notice, "kind")):
        assert model._meta.get_field(field).choices == Verdicts.choices


def test_format_and_container_are_choices():
    assert Credential._meta.get_field("format").choices == Format.choices
    assert Credential._meta.get_field("container").choices == Container.choices


def test_a_credential_says_whether_it_verifies_and_what_it_is():
    assert Credential(verdict="verified_with_warnings").verifies
    assert not Credential(verdict="revoked").verifies
    assert not Credential(verdict="").verifies
    assert Credential(format="ob2-hosted").is_open_badge_2
    assert Credential(format="ob2-signed").is_open_badge_2
    assert not Credential(format="ob3").is_open_badge_2
    assert Credential(format="clr2").is_clr
    assert Credential(container="sd-jwt").file_extension == "sd-jwt"
    assert Credential(container="url").file_extension == "bin"


@pytest.mark.django_db
def test_the_credential_page_names_the_verdict_with_its_label(owner, make_credential):
    credential = make_credential(owner, verdict="not_yet_valid", format="vc", container="jwt")

    assert credential.get_verdict_display() == "Not yet valid"
    assert credential.get_format_display() == "Verifiable credential"
    assert credential.get_container_display() == "JWT"


@pytest.mark.django_db(transaction=True)
def test_rows_stored_before_the_choices_keep_every_value_even_one_outside_them():
    old = migrate(BEFORE_CHOICES)
    user = old.get_model("accounts", "User").objects.create(email="before@example.org")
    row = old.get_model("wallet", "Credential").objects.create(
        owner_id=user.pk,
        original=b"{}",
        sha256="0" * 64,
        container="json",
        source="upload",
        format="a-format-of-tomorrow",
        dedupe_key="k",
        verdict="revoked",
        created_at=NOW,
        updated_at=NOW,
    )

    migrate(latest())

    kept = Credential.objects.get(pk=row.pk)
    assert (kept.container, kept.format, kept.verdict) == (
        "json",
        "a-format-of-tomorrow",
        "revoked",
    )
    assert kept.get_verdict_display() == "Revoked by the issuer"
