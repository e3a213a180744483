"""Demo data: every verdict on show, imported through the real service, seeded once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import HolderKey, User
from devtools import demo
from wallet.models import AuditEvent, Collection, Credential, Notice, Tag, VerificationRun
from wallet.services import reverify
from wallet.verification import VerifyOptions, verify_bytes
from wallet.verification.fetch import NullFetcher

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _options() -> VerifyOptions:
    return VerifyOptions(
        now=NOW, fetcher=demo.DemoFetcher(), recipient_identifiers=(demo.DEMO_EMAIL,)
    )


def test_every_demo_file_gets_the_verdict_it_is_meant_to_show() -> None:
    files = demo.demo_files()
    verdicts = {
        f.filename: str(verify_bytes(f.data, options=_options(), media_type=f.media_type).verdict)
        for f in files
    }
    assert verdicts == {f.filename: f.expected_verdict for f in files}
    assert {f.expected_verdict for f in files} >= {
        "verified",
        "verified_with_warnings",
        "expired",
        "not_yet_valid",
        "revoked",
        "invalid_signature",
        "issuer_unreachable",
    }


def test_the_demo_covers_json_jwt_png_svg_clr_and_ob2() -> None:
    formats = set()
    for demo_file in demo.demo_files():
        report = verify_bytes(demo_file.data, options=_options(), media_type=demo_file.media_type)
        formats.add((report.format, report.container))
    assert {("ob3", "json"), ("ob3", "jwt"), ("ob3", "png"), ("ob3", "svg")} <= formats
    assert ("clr2", "json") in formats
    assert ("ob2-hosted", "json") in formats


def test_the_demo_files_are_the_same_bytes_every_time() -> None:
    first = [hashlib.sha256(f.data).hexdigest() for f in demo.demo_files()]
    second = [hashlib.sha256(f.data).hexdigest() for f in demo.demo_files()]
    assert first == second


def test_demo_issuers_have_fixed_did_keys_from_the_documented_seed() -> None:
    assert demo.COLLEGE.did.startswith("did:key:z6Mk")
    assert len({issuer.did for issuer in demo.ISSUERS}) == 3
    assert demo.COLLEGE.did == demo.DemoIssuer("riverside", "", "", (0, 0, 0)).did


def test_the_demo_fetcher_serves_only_the_demo_origin() -> None:
    fetcher = demo.DemoFetcher()
    assert fetcher.fetch(demo.STATUS_LIST_URL).ok
    with pytest.raises(demo.FetchError):
        fetcher.fetch("https://example.org/anything")


@pytest.mark.django_db
def test_seeding_creates_a_verified_earner_with_a_holder_key_and_the_record() -> None:
    result = demo.seed_demo(now=NOW)

    user = User.objects.get(email=demo.DEMO_EMAIL)
    assert result.created_user and not result.failed
    assert user.check_password(demo.DEMO_PASSWORD)
    assert EmailAddress.objects.get(user=user, email=demo.DEMO_EMAIL).verified
    assert HolderKey.objects.filter(user=user, retired_at__isnull=True).count() == 1
    top = Credential.objects.filter(owner=user, parent__isnull=True)
    expected = {f.filename: f.expected_verdict for f in demo.demo_files()}
    assert {c.filename: c.verdict for c in top} == expected
    assert {c.source for c in top} == {"demo"}
    transcript = top.get(filename="transcript.json")
    assert transcript.children.count() == 3
    assert set(transcript.children.values_list("verdict", flat=True)) == {"verified"}


@pytest.mark.django_db
def test_the_revoked_course_verified_on_arrival_and_left_a_notice_when_it_was_revoked() -> None:
    demo.seed_demo(now=NOW)
    course = Credential.objects.get(filename="cis-210.json")
    assert [run.verdict for run in course.runs.order_by("checked_at")] == ["verified", "revoked"]
    notice = Notice.objects.get(credential=course)
    assert notice.kind == "revoked" and notice.read_at is None


@pytest.mark.django_db
def test_the_warning_credential_names_the_unverified_address_to_add() -> None:
    demo.seed_demo(now=NOW)
    credential = Credential.objects.get(filename="health-informatics.json")
    assert credential.recipient_match == "no_match"
    assert credential.recipient_hint == demo.UNVERIFIED_EMAIL


@pytest.mark.django_db
def test_seeding_twice_changes_nothing() -> None:
    tables = (User, EmailAddress, HolderKey, Credential, VerificationRun, AuditEvent, Notice, Tag)
    demo.seed_demo(now=NOW)
    before = {model.__name__: model.objects.count() for model in (*tables, Collection)}
    links = sorted(Credential.tags.through.objects.values_list("credential_id", "tag_id"))

    result = demo.seed_demo(now=NOW)

    after = {model.__name__: model.objects.count() for model in (*tables, Collection)}
    assert after == before
    assert sorted(Credential.tags.through.objects.values_list("credential_id", "tag_id")) == links
    assert not result.imported and not result.created_user
    assert len(result.skipped) == len(demo.demo_files())


@pytest.mark.django_db
def test_the_command_refuses_to_run_without_debug() -> None:
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
    assert not User.objects.filter(email=demo.DEMO_EMAIL).exists()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_command_prints_the_demo_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert f"{demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}" in output
    assert Credential.objects.filter(owner__email=demo.DEMO_EMAIL, parent=None).count() == 12


@pytest.mark.django_db
def test_with_the_demo_fetcher_in_front_of_the_app_fetcher_rechecks_keep_every_verdict(
    app_fetcher,
) -> None:
    demo.seed_demo(now=NOW)
    app_fetcher(lambda: demo.DemoFetcher(fallback=NullFetcher()))
    expected = {f.filename: f.expected_verdict for f in demo.demo_files()}

    for credential in Credential.objects.filter(parent__isnull=True):
        run = reverify.credential_reverify(credential=credential, now=NOW)
        assert run.verdict == expected[credential.filename], credential.filename
