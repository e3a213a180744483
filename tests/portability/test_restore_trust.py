"""A restore brings back the record, never a verdict: what a credential is shown to be comes
only from this wallet's own checks, and no date from the file lies in the future."""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.test import Client

from accounts.models import User
from accounts.services import account_delete
from intake.services import arrival
from portability import services as portability
from portability import tasks
from portability.services import RestoreRefused, restore
from sharing.public_views import rendered_pages
from sharing.services import share_create
from tests.portability.support import LATER, make_earner
from tests.support.issuer import EARNER_EMAIL, NOW, TestIssuer
from tests.wallet.helpers import as_bytes, signed_ob3
from wallet.models import Collection, Credential, Tag, VerificationRun
from wallet.services import reverify

pytestmark = pytest.mark.django_db

FAR_FUTURE = "2099-01-01T00:00:00+00:00"
# A date this wallet might really have written (before the restore): still not trusted.
PLAUSIBLE = (LATER - timedelta(hours=1)).isoformat()


@pytest.fixture
def earner(db) -> User:
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def forged_export(earner, issuer: TestIssuer) -> dict[str, Any]:
    """An export holding a tampered credential and a genuine one; the manifest is the
    learner's to edit."""
    for data, name in (
        (as_bytes(issuer.ob3("tampered")), "forged.json"),
        (as_bytes(issuer.ob3()), "genuine.json"),
    ):
        arrival.credential_import(owner=earner, data=data, source="upload", filename=name, now=NOW)
    export = portability.export_archive(owner=earner, now=LATER)
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return {"members": members, "manifest": json.loads(members["manifest.json"])}


def _forged(manifest: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in manifest["credentials"] if e["filename"] == "forged.json")


def _claim_verified(manifest: dict[str, Any], when: str) -> None:
    """What the attacker wrote: verified, checked and verified at `when`, a passing report."""
    entry = _forged(manifest)
    entry["record"] |= {"verdict": "verified", "checked_at": when, "verified_at": when}
    entry["record"]["recipient_match"] = "match"
    entry["history"].append(
        {
            "checked_at": when,
            "verdict": "verified",
            "trigger": "recheck",
            "report": {
                "verdict": "verified",
                "format": "ob3",
                "checks": [
                    {"code": "proof.valid", "status": "pass", "message": "Signature checks out."},
                    {"code": "x.forged", "status": "warning", "message": "Planted remark."},
                ],
            },
        }
    )


def _zip(export: dict[str, Any]) -> bytes:
    members = dict(export["members"])
    members["manifest.json"] = json.dumps(export["manifest"]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _stranger() -> User:
    """The earner again, on a fresh account: their record is gone, the export is all there is."""
    account_delete(user=User.objects.get(email=EARNER_EMAIL))
    return make_earner(EARNER_EMAIL)


def _view(token: str, at) -> str:
    rendered_pages.clear()
    with time_machine.travel(at, tick=False):
        response = Client().get(f"/s/{token}", HTTP_USER_AGENT="Mozilla/5.0 Firefox/128.0")
    assert response.status_code == 200
    return response.content.decode()


# --- the attack as reported ------------------------------------------------------------------


def test_a_verified_verdict_checked_in_2099_is_refused_and_nothing_is_restored(
    forged_export, settings, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0  # a "large" restore: the check is left to a task
    _claim_verified(forged_export["manifest"], FAR_FUTURE)
    stranger = _stranger()

    with (
        django_capture_on_commit_callbacks(execute=False),
        pytest.raises(RestoreRefused, match="dated in the future"),
    ):
        portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    assert not Credential.objects.filter(owner=stranger).exists()
    assert not VerificationRun.objects.filter(credential__owner=stranger).exists()


def test_until_this_wallet_checks_it_a_restored_credential_is_not_checked_yet_everywhere(
    forged_export, settings, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0
    _claim_verified(forged_export["manifest"], PLAUSIBLE)
    stranger = _stranger()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        outcome = portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    assert len(queued) == 1  # the re-check waits for the commit, then goes to a worker
    assert "not checked yet" in outcome.message
    forged = Credential.objects.get(owner=stranger, filename="forged.json")
    assert (forged.verdict, forged.checked_at, forged.verified_at) == ("", None, None)
    assert forged.recipient_match == "not_checked"

    client = Client()
    client.force_login(stranger)
    record = client.get("/").content.decode()
    assert "Not checked yet" in record and "verdict--ok" not in record
    page = client.get(f"/credentials/{forged.pk}/").content.decode()
    assert "Not checked yet" in page
    assert "Planted remark" not in page  # the file's report is history, not the current one
    assert "Last checked" not in page and "Last verified" not in page
    api = client.get(f"/api/credentials/{forged.pk}/").json()
    assert (api["verdict"], api["verdict_label"], api["checked_at"]) == (
        "",
        "Not checked yet",
        None,
    )
    assert api["report"] is None
    restored_runs = [r for r in api["runs"] if r["trigger"] == "restored"]
    assert restored_runs and all(r["checked_at"] <= LATER.isoformat() for r in api["runs"])


def test_the_employer_never_sees_the_files_verdict(
    forged_export, settings, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0
    _claim_verified(forged_export["manifest"], PLAUSIBLE)
    stranger = _stranger()
    with django_capture_on_commit_callbacks(execute=False):
        portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)
    forged = Credential.objects.get(owner=stranger, filename="forged.json")
    _share, token = share_create(
        owner=stranger, audience="Acme", credential_ids=[forged.pk], now=LATER
    )

    # Never checked here: the employer's page says so, never what the file said, and has it
    # checked by a worker once the view is recorded; the next view shows that result.
    with (
        time_machine.travel(LATER + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True) as queued,
    ):
        first = _view(token, LATER + timedelta(minutes=1))
    again = _view(token, LATER + timedelta(minutes=2))

    assert len(queued) == 1
    assert "Not checked yet" in first
    for page in (first, again):
        assert "verdict--ok" not in page and "Verified" not in page
    assert "Signature does not verify" in again
    forged.refresh_from_db()
    assert forged.verdict == "invalid_signature"


def test_a_small_restore_is_checked_before_the_learner_sees_it(forged_export):
    _claim_verified(forged_export["manifest"], PLAUSIBLE)
    stranger = _stranger()

    outcome = portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    forged = Credential.objects.get(owner=stranger, filename="forged.json")
    genuine = Credential.objects.get(owner=stranger, filename="genuine.json")
    assert (forged.verdict, forged.checked_at, forged.verified_at) == (
        "invalid_signature",
        LATER,
        None,
    )
    assert (genuine.verdict, genuine.checked_at) == ("verified", LATER)
    assert "not checked yet" not in outcome.message
    latest = forged.runs.order_by("-checked_at", "-pk").first()
    assert (latest.trigger, latest.checked_at) == (VerificationRun.Trigger.SCHEDULED, LATER)


def test_the_first_check_here_also_replaces_what_the_file_said_about_the_credential(
    forged_export, settings, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0
    entry = _forged(forged_export["manifest"])
    entry["record"] |= {"title": "Doctorate in Everything", "issued_at": FAR_FUTURE}
    stranger = _stranger()

    with django_capture_on_commit_callbacks(execute=True):
        portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    forged = Credential.objects.get(owner=stranger, filename="forged.json")
    assert forged.title == "Test Achievement"
    assert forged.issued_at < LATER
    assert forged.verdict == "invalid_signature"


# --- the re-check cannot be stranded ---------------------------------------------------------


def test_a_queue_that_is_down_neither_fails_the_restore_nor_strands_its_check(
    forged_export, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recheck_restored, "apply_async", broker_down)
    stranger = _stranger()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    assert outcome.restored == 2
    pending = Credential.objects.filter(owner=stranger, verdict="", checked_at=None)
    assert pending.count() == 2
    # The hourly sweep takes every credential never checked here, whatever the file said.
    assert reverify.reverify_due(now=LATER + timedelta(hours=1)) == 2
    assert set(Credential.objects.filter(owner=stranger).values_list("verdict", flat=True)) == {
        "invalid_signature",
        "verified",
    }


def test_a_large_restore_is_checked_in_chunks_and_a_repeated_task_checks_nothing_twice(
    forged_export, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SATCHEL_RESTORE_INLINE_CHECKS = 0
    monkeypatch.setattr(restore, "RECHECK_CHUNK", 1)
    stranger = _stranger()

    with django_capture_on_commit_callbacks(execute=True) as queued:
        portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    assert len(queued) == 2
    ids = list(Credential.objects.filter(owner=stranger).values_list("pk", flat=True))
    runs = VerificationRun.objects.filter(credential__owner=stranger).count()
    assert reverify.reverify_never_checked(credential_ids=ids, now=LATER) == 0
    assert VerificationRun.objects.filter(credential__owner=stranger).count() == runs


# --- no date from the file lies in the future ------------------------------------------------


def _every_record_date(manifest: dict[str, Any], when: str) -> None:
    for entry in manifest["credentials"]:
        for key in ("created_at", "updated_at"):
            entry["record"][key] = when
        for run in entry["history"]:
            run["checked_at"] = when
    for item in (*manifest["tags"], *manifest["collections"]):
        item["created_at"] = when


@pytest.mark.parametrize(
    "where",
    ["created_at", "updated_at", "deleted_at", "checked_at", "verified_at", "history", "tag"],
)
def test_a_date_far_in_the_future_anywhere_refuses_the_whole_file(forged_export, where):
    manifest = forged_export["manifest"]
    entry = _forged(manifest)
    if where == "history":
        entry["history"][0]["checked_at"] = FAR_FUTURE
    elif where == "tag":
        manifest["tags"].append({"name": "later", "created_at": FAR_FUTURE})
    else:
        entry["record"][where] = FAR_FUTURE
    stranger = _stranger()

    with pytest.raises(RestoreRefused, match="dated in the future"):
        portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    assert not Credential.objects.filter(owner=stranger).exists()
    assert not Tag.objects.filter(owner=stranger).exists()


def test_a_few_minutes_of_clock_difference_is_brought_back_to_now(forged_export):
    manifest = forged_export["manifest"]
    manifest["tags"].append({"name": "ahead", "created_at": None})
    manifest["collections"].append({"name": "Ahead", "created_at": None})
    ahead = (LATER + timedelta(minutes=5)).isoformat()
    _every_record_date(manifest, ahead)
    stranger = _stranger()

    portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    for credential in Credential.objects.filter(owner=stranger):
        assert credential.created_at == credential.updated_at == LATER
        assert all(run.checked_at <= LATER for run in credential.runs.all())
    assert all(t.created_at <= LATER for t in Tag.objects.filter(owner=stranger))
    assert all(c.created_at <= LATER for c in Collection.objects.filter(owner=stranger))


def test_a_date_without_a_time_zone_is_refused(forged_export):
    _forged(forged_export["manifest"])["record"]["created_at"] = "2026-02-01T10:00:00"

    with pytest.raises(RestoreRefused, match="time zone"):
        portability.export_restore(owner=_stranger(), data=_zip(forged_export), now=LATER)


def test_the_credentials_own_future_dates_are_its_own_claims_and_kept(earner, issuer):
    """A credential may say it counts until, or only from, a later date: those are its own
    signed claims, not record dates, and its verdict (checked here) says what they mean."""
    until = datetime(2099, 1, 1, tzinfo=UTC)
    document = signed_ob3(issuer, validUntil=until.isoformat().replace("+00:00", "Z"))
    arrival.credential_import(
        owner=earner, data=as_bytes(document), source="upload", filename="c.json", now=NOW
    )
    export = portability.export_archive(owner=earner, now=LATER)
    stranger = _stranger()

    portability.export_restore(owner=stranger, data=export.data, now=LATER)

    restored = Credential.objects.get(owner=stranger)
    assert restored.valid_until == until
    assert (restored.verdict, restored.checked_at) == ("verified", LATER)


def test_a_credential_the_file_puts_inside_a_transcript_is_checked_on_its_own(earner, issuer):
    arrival.credential_import(
        owner=earner, data=as_bytes(issuer.clr()), source="upload", filename="t.json", now=NOW
    )
    arrival.credential_import(
        owner=earner,
        data=as_bytes(issuer.ob3("tampered")),
        source="upload",
        filename="forged.json",
        now=NOW,
    )
    export = portability.export_archive(owner=earner, now=LATER)
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    transcript = next(e for e in manifest["credentials"] if e["filename"] == "t.json")
    forged = _forged(manifest)
    forged["parent"] = transcript["file"]  # "it came inside the transcript"
    _claim_verified(manifest, PLAUSIBLE)
    manifest["credentials"].remove(forged)
    manifest["credentials"].append(forged)
    stranger = _stranger()

    portability.export_restore(
        owner=stranger, data=_zip({"members": members, "manifest": manifest}), now=LATER
    )

    planted = Credential.objects.get(owner=stranger, sha256=forged["sha256"])
    assert planted.parent is not None
    assert (planted.verdict, planted.checked_at) == ("invalid_signature", LATER)


# --- rows left by an earlier version ---------------------------------------------------------


def test_a_check_dated_in_the_future_by_an_older_restore_is_forgotten_and_taken_again(
    earner, issuer
):
    migration = importlib.import_module("wallet.migrations.0010_forget_future_checks")
    arrival.credential_import(
        owner=earner,
        data=as_bytes(issuer.ob3("tampered")),
        source="upload",
        filename="forged.json",
        now=NOW,
    )
    forged = Credential.objects.get(owner=earner)
    future = datetime(2099, 1, 1, tzinfo=UTC)
    Credential.objects.filter(pk=forged.pk).update(
        verdict="verified", checked_at=future, verified_at=future, created_at=future
    )
    planted = VerificationRun.objects.create(
        credential=forged, verdict="verified", report={}, trigger="recheck", checked_at=future
    )
    # As it was: the hourly re-check never took it.
    assert reverify.reverify_due(now=LATER) == 0

    with time_machine.travel(LATER, tick=False):
        migration.forget_future_checks(django_apps, None)

    forged.refresh_from_db()
    assert (forged.verdict, forged.checked_at, forged.verified_at) == ("", None, None)
    assert forged.created_at == LATER
    planted.refresh_from_db()
    assert (planted.checked_at, planted.trigger) == (LATER, "restored")
    assert reverify.reverify_due(now=LATER) == 1
    forged.refresh_from_db()
    assert (forged.verdict, forged.checked_at) == ("invalid_signature", LATER)


def test_a_label_outside_its_closed_set_is_not_taken_from_the_file(forged_export):
    _forged(forged_export["manifest"])["source"] = "Delivered by the issuer, verified"

    stranger = _stranger()
    portability.export_restore(owner=stranger, data=_zip(forged_export), now=LATER)

    forged = Credential.objects.get(owner=stranger, filename="forged.json")
    assert (forged.source, forged.get_source_display()) == ("upload", "Uploaded file")
