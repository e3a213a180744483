"""Re-checking from the original bytes: history, notices and mail when a credential falls."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from config.outbound import GuardedFetcher
from intake.services import arrival
from tests.support.issuer import EARNER_EMAIL, EXPIRED_AT, GOOD_INDEX, NOW, STATUS_LIST_URL
from tests.wallet.helpers import as_bytes, serve_status_list
from wallet.models import Credential, Notice, VerificationRun
from wallet.services import reverify
from wallet.verification.fetch import FetchResult

pytestmark = pytest.mark.django_db


def _import(owner, data: bytes, now=NOW) -> Credential:
    outcome = arrival.credential_import(owner=owner, data=data, source="upload", now=now)
    return outcome.credential


def test_a_re_check_keeps_every_run_as_history(owner, issuer):
    credential = _import(owner, as_bytes(issuer.ob3()))

    run = reverify.credential_reverify(credential=credential, now=NOW + timedelta(days=1))

    assert run.verdict == "verified"
    assert credential.runs.count() == 2
    credential.refresh_from_db()
    assert credential.checked_at == NOW + timedelta(days=1)


def test_a_scheduled_check_that_finds_what_the_latest_run_found_writes_no_run(
    owner, issuer, django_capture_on_commit_callbacks
):
    """The daily sweep and a share page's queued check keep the history to what changed: a
    run a day for every credential would grow without end (docs/decisions/0031)."""
    credential = _import(owner, as_bytes(issuer.ob3()))
    imported = credential.runs.get()

    assert reverify.reverify_due(now=NOW + timedelta(hours=36)) == 1
    queued = reverify.credential_recheck(credential_id=credential.pk, now=NOW + timedelta(hours=72))

    assert queued == imported
    assert list(credential.runs.all()) == [imported]
    credential.refresh_from_db()
    assert (credential.verdict, credential.checked_at, credential.verified_at) == (
        "verified",
        NOW + timedelta(hours=72),
        NOW + timedelta(hours=72),
    )

    serve_status_list(issuer, revoked=(GOOD_INDEX,))
    with django_capture_on_commit_callbacks(execute=True):
        assert reverify.reverify_due(now=NOW + timedelta(hours=108)) == 1
    assert list(credential.runs.values_list("trigger", "verdict", "checked_at")) == [
        ("scheduled", "revoked", NOW + timedelta(hours=108)),
        ("import", "verified", NOW),
    ]
    assert (
        reverify.credential_recheck(credential_id=credential.pk, now=NOW + timedelta(hours=144))
        == credential.runs.first()
    )
    assert credential.runs.count() == 2


def test_a_credential_revoked_since_import_tells_the_earner(
    owner, issuer, django_capture_on_commit_callbacks
):
    credential = _import(owner, as_bytes(issuer.ob3()))
    assert credential.verdict == "verified"
    serve_status_list(issuer, revoked=(GOOD_INDEX,))

    with django_capture_on_commit_callbacks(execute=True):
        run = reverify.credential_reverify(credential=credential, now=NOW + timedelta(days=1))

    assert run.verdict == "revoked"
    credential.refresh_from_db()
    assert credential.verdict == "revoked"
    assert credential.verified_at == NOW
    notice = Notice.objects.get(credential=credential)
    assert notice.kind == "revoked"
    assert "revoked" in notice.message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EARNER_EMAIL]
    assert "Test Achievement" in mail.outbox[0].subject


def test_a_credential_that_expires_tells_the_earner_once(
    owner, issuer, django_capture_on_commit_callbacks
):
    credential = _import(owner, as_bytes(issuer.ob3("expired")), now=EXPIRED_AT - timedelta(days=1))
    assert credential.verdict == "verified"

    with django_capture_on_commit_callbacks(execute=True):
        reverify.credential_reverify(credential=credential, now=NOW)
        reverify.credential_reverify(credential=credential, now=NOW + timedelta(days=1))

    assert Notice.objects.filter(credential=credential, kind="expired").count() == 1
    assert len(mail.outbox) == 1


def test_an_unreachable_issuer_is_not_announced_as_revoked(owner, issuer):
    credential = _import(owner, as_bytes(issuer.ob3()))
    issuer.fetcher.unreachable.add("https://issuer.example/status/1")

    run = reverify.credential_reverify(credential=credential, now=NOW + timedelta(days=1))

    assert run.verdict == "issuer_unreachable"
    assert not Notice.objects.exists()


def test_re_checking_a_clr_updates_its_children(owner, issuer):
    credential = _import(owner, as_bytes(issuer.clr()))

    reverify.credential_reverify(credential=credential, now=NOW + timedelta(days=1))

    for child in credential.children.all():
        assert child.runs.count() == 2
        assert child.checked_at == NOW + timedelta(days=1)


def test_due_re_checks_take_only_stale_credentials_in_batches_sharing_a_fetcher(
    owner, stranger, issuer, app_fetcher
):
    stale = [_import(owner, as_bytes(issuer.ob3())) for _ in range(3)]
    stale.append(_import(stranger, as_bytes(issuer.ob3())))
    fresh = _import(owner, as_bytes(issuer.ob3()), now=NOW + timedelta(hours=30))
    fetchers = []

    def counting_fetcher():
        fetchers.append(issuer.fetcher)
        return issuer.fetcher

    app_fetcher(counting_fetcher)

    count = reverify.reverify_due(now=NOW + timedelta(hours=36), batch_size=2)

    assert count == 4
    assert len(fetchers) == 2
    for credential in stale:
        credential.refresh_from_db()
        assert credential.checked_at == NOW + timedelta(hours=36)
    fresh.refresh_from_db()
    assert fresh.checked_at == NOW + timedelta(hours=30)


def test_the_reverify_command_re_checks_what_is_due(owner, issuer):
    credential = _import(owner, as_bytes(issuer.ob3()), now=NOW - timedelta(days=2))

    with time_machine.travel(NOW, tick=False):
        call_command("reverify", "--no-purge", stdout=io.StringIO())

    credential.refresh_from_db()
    assert credential.checked_at == NOW


def test_notices_are_marked_read_for_their_owner_only(owner, stranger, make_credential):
    from wallet import selectors

    mine = Notice.objects.create(
        owner=owner, credential=make_credential(owner), kind="revoked", message="m", created_at=NOW
    )
    theirs = Notice.objects.create(
        owner=stranger,
        credential=make_credential(stranger),
        kind="revoked",
        message="t",
        created_at=NOW,
    )

    marked = reverify.notices_mark_read(owner=owner, notice_ids=[mine.pk, theirs.pk], now=NOW)

    assert marked == 1
    assert list(selectors.notices(owner=owner, unread_only=True)) == []
    assert list(selectors.notices(owner=stranger, unread_only=True)) == [theirs]


class _CountingDoor(GuardedFetcher):
    """The app's outbound door with its own cache in front; only the network leg behind it is
    the issuer's map, and every request that leg receives is counted by URL."""

    def __init__(self, issuer, sent: list[str]) -> None:
        super().__init__()  # the production cache lifetime (SATCHEL_FETCH_CACHE_SECONDS)
        self._issuer, self._sent = issuer, sent

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        self._sent.append(url)
        return self._issuer.fetcher.fetch(url, accept=(headers or {})["Accept"])


def test_a_sweep_fetches_a_status_list_shared_by_many_credentials_once(
    owner, stranger, issuer, app_fetcher
):
    """The daily sweep's cost grows with distinct status lists, not with credentials: batches
    build fetchers of their own, and the door's shared cache keeps the list between them."""
    for _ in range(4):
        _import(owner, as_bytes(issuer.ob3()))
    for _ in range(3):
        _import(stranger, as_bytes(issuer.ob3()))
    sent: list[str] = []
    app_fetcher(lambda: _CountingDoor(issuer, sent))
    cache.clear()  # what the imports fetched a day and a half ago has long lapsed

    count = reverify.reverify_due(now=NOW + timedelta(hours=36), batch_size=2)

    assert count == 7  # in four batches, each with a fetcher of its own, for two earners
    assert sent.count(STATUS_LIST_URL) == 1


def test_a_sweep_writes_a_batch_in_statements_that_do_not_grow_with_it(owner, issuer):
    """One INSERT of every run and one UPDATE per verdict, in one transaction per batch: the
    sweep's share of the database stays small beside the pages served meanwhile."""
    for _ in range(2):
        _import(owner, as_bytes(issuer.ob3()))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Each check finds something other than its credential's latest run: each writes a run.
    VerificationRun.objects.update(report={"found": "something else"})
    with CaptureQueriesContext(connection) as few:
        assert reverify.reverify_due(now=NOW + timedelta(hours=36)) == 2
    for _ in range(6):
        _import(owner, as_bytes(issuer.ob3()), now=NOW + timedelta(hours=36))
    VerificationRun.objects.update(report={"found": "something else"})
    with CaptureQueriesContext(connection) as many:
        assert reverify.reverify_due(now=NOW + timedelta(hours=72)) == 8

    assert len(many) == len(few)
    assert VerificationRun.objects.filter(trigger="scheduled").count() == 10
    for credential in Credential.objects.all():
        assert credential.checked_at in (NOW + timedelta(hours=36), NOW + timedelta(hours=72))
        assert credential.verified_at == credential.checked_at


def test_a_sweep_records_each_outcome_and_tells_the_earner_of_a_fall(
    owner, stranger, issuer, django_capture_on_commit_callbacks
):
    kept = _import(owner, as_bytes(issuer.ob3(status=False)))
    revoked = _import(stranger, as_bytes(issuer.ob3()))
    serve_status_list(issuer, revoked=(GOOD_INDEX,))

    with django_capture_on_commit_callbacks(execute=True):
        count = reverify.reverify_due(now=NOW + timedelta(hours=36))

    assert count == 2
    kept.refresh_from_db()
    revoked.refresh_from_db()
    assert (kept.verdict, kept.verified_at) == ("verified", NOW + timedelta(hours=36))
    assert (revoked.verdict, revoked.verified_at) == ("revoked", NOW)
    assert revoked.checked_at == NOW + timedelta(hours=36)
    assert revoked.runs.filter(trigger="scheduled").get().report["verdict"] == "revoked"
    assert list(Notice.objects.values_list("credential", "kind")) == [(revoked.pk, "revoked")]
    assert len(mail.outbox) == 1


def test_a_sweep_writes_a_changed_recipient_match(owner, issuer):
    from allauth.account.models import EmailAddress

    from tests.support.issuer import EARNER_EMAIL

    EmailAddress.objects.create(user=owner, email="second@example.net", verified=True)
    credential = _import(owner, as_bytes(issuer.ob2_hosted()))
    untouched = _import(owner, as_bytes(issuer.ob3()))
    EmailAddress.objects.filter(user=owner, email=EARNER_EMAIL).delete()

    assert reverify.reverify_due(now=NOW + timedelta(hours=36)) == 2

    credential.refresh_from_db()
    assert (credential.recipient_match, credential.recipient_hint) == ("no_match", EARNER_EMAIL)
    untouched.refresh_from_db()
    assert untouched.verdict == "verified"


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_joint_write_fails_is_written_credential_by_credential(
    owner, issuer, monkeypatch
):
    credentials = [_import(owner, as_bytes(issuer.ob3())) for _ in range(3)]
    gone = credentials[1]
    verify = reverify.verify_original

    def verified_while_the_trash_is_emptied(*, credential, options):
        # Between the batch's read and its write, the earner empties the trash: the joint
        # INSERT names a credential that no longer exists and fails at its commit.
        if credential.pk == credentials[-1].pk:
            Credential.objects.filter(pk=gone.pk).delete()
        return verify(credential=credential, options=options)

    monkeypatch.setattr(reverify, "verify_original", verified_while_the_trash_is_emptied)

    count = reverify.reverify_due(now=NOW + timedelta(hours=36))

    assert count == 2
    for credential in (credentials[0], credentials[2]):
        credential.refresh_from_db()
        assert credential.checked_at == NOW + timedelta(hours=36)
    assert not Credential.objects.filter(pk=gone.pk).exists()
    assert not VerificationRun.objects.filter(credential_id=gone.pk).exists()


def test_a_credential_checked_after_the_sweep_began_is_not_checked_again(owner, issuer):
    """The sweep lists what is due first; one checked meanwhile (a share page's queued
    check) or put in the trash is passed over when its batch is read."""
    first, checked_meanwhile, trashed = (_import(owner, as_bytes(issuer.ob3())) for _ in range(3))
    verify = reverify.verify_original
    sweep_time = NOW + timedelta(hours=36)

    def while_the_sweep_runs(*, credential, options):
        if credential.pk == first.pk:
            reverify.credential_reverify(credential=checked_meanwhile, now=sweep_time)
            Credential.objects.filter(pk=trashed.pk).update(deleted_at=sweep_time)
        return verify(credential=credential, options=options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reverify, "verify_original", while_the_sweep_runs)
        count = reverify.reverify_due(now=sweep_time, batch_size=1)

    assert count == 1
    first.refresh_from_db()
    assert first.checked_at == sweep_time
    assert list(checked_meanwhile.runs.values_list("trigger", flat=True)) == [
        "recheck",
        "import",
    ]
    assert not trashed.runs.filter(trigger="scheduled").exists()


def test_a_sweep_whose_time_is_up_while_writing_stops(owner, issuer, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    for _ in range(2):
        _import(owner, as_bytes(issuer.ob3()))

    def time_is_up(*_args, **_kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(reverify, "insert_rows", time_is_up)
    monkeypatch.setattr(reverify, "_record", time_is_up)

    with pytest.raises(SoftTimeLimitExceeded):
        reverify.reverify_due(now=NOW + timedelta(hours=36))
    assert not VerificationRun.objects.filter(trigger="scheduled").exists()
    assert set(Credential.objects.values_list("checked_at", flat=True)) == {NOW}


class _Clock:
    """A monotonic clock that moves only when the sweep sleeps or its work is said to take
    time (`spend`)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds

    def spend(self, seconds: float) -> None:
        self.now += seconds


def _due_on_a_clock(owner, issuer, settings, monkeypatch, *, due: int, rate: int) -> _Clock:
    """`due` credentials due for their re-check, SATCHEL_RECHECK_RATE set to `rate`, and sweeps
    building their pace as configured but on the clock returned."""
    for _ in range(due):
        _import(owner, as_bytes(issuer.ob3()))
    settings.SATCHEL_RECHECK_RATE = rate
    clock = _Clock()
    real = reverify.Pace

    def on_the_clock(**kwargs):
        return real(**kwargs, clock=clock, sleep=clock.sleep)

    monkeypatch.setattr(reverify, "Pace", on_the_clock)
    return clock


def test_a_sweep_goes_through_what_is_due_at_the_configured_rate(
    owner, issuer, settings, monkeypatch
):
    clock = _due_on_a_clock(owner, issuer, settings, monkeypatch, due=5, rate=2)

    count = reverify.reverify_due(now=NOW + timedelta(hours=36), batch_size=2)

    assert count == 5
    # Batches of 2 at 2 a second: the second starts a second after the first, the third a
    # second after that; checking itself took no time on this clock.
    assert clock.slept == [1.0, 1.0]
    assert Credential.objects.filter(checked_at=NOW + timedelta(hours=36)).count() == 5


def test_a_sweep_behind_its_pace_does_not_wait(owner, issuer, settings, monkeypatch):
    clock = _due_on_a_clock(owner, issuer, settings, monkeypatch, due=4, rate=2)
    verify = reverify.verify_original

    def slow(*, credential, options):
        clock.spend(1.5)  # two credentials take 3 s, longer than the pace's 1 s per batch
        return verify(credential=credential, options=options)

    monkeypatch.setattr(reverify, "verify_original", slow)

    assert reverify.reverify_due(now=NOW + timedelta(hours=36), batch_size=2) == 4
    assert clock.slept == []


def test_an_unpaced_sweep_never_waits(owner, issuer, settings, monkeypatch):
    clock = _due_on_a_clock(owner, issuer, settings, monkeypatch, due=3, rate=0)

    assert reverify.reverify_due(now=NOW + timedelta(hours=36), batch_size=1) == 3
    assert clock.slept == []


def test_pacing_never_makes_a_sweep_outlast_its_time_limit():
    clock = _Clock()
    # 1 a second would take 5,000 s over 5,000 due; four fifths of a 1,000 s limit is 800 s.
    pace = reverify.Pace(rate=1, due=5000, limit=1000, clock=clock, sleep=clock.sleep)

    assert pace.rate == 6.25
    pace.wait_for(0)
    pace.wait_for(200)
    assert clock.slept == [32.0]
    # Below that floor, the configured rate stands.
    assert reverify.Pace(rate=10, due=5000, limit=1000, clock=clock).rate == 10.0


def test_pruning_deletes_the_scheduled_runs_that_repeat_the_run_before_them(owner, issuer):
    """What a database written before decision 0031 holds, brought to what the sweep writes
    now: each change kept, and every import and on-request run whatever it found."""
    credential = _import(owner, as_bytes(issuer.ob3()))
    other = _import(owner, as_bytes(issuer.ob3()))
    same = credential.runs.get().report
    revoked = {**same, "verdict": "revoked"}

    def run(target, hours, trigger, report):
        return VerificationRun.objects.create(
            credential=target,
            verdict=report["verdict"],
            report=report,
            trigger=trigger,
            checked_at=NOW + timedelta(hours=hours),
        )

    run(credential, 24, "scheduled", same)
    run(credential, 48, "scheduled", same)
    fell = run(credential, 72, "scheduled", revoked)
    run(credential, 96, "scheduled", revoked)
    asked = run(credential, 120, "recheck", revoked)
    run(credential, 144, "scheduled", revoked)
    back = run(credential, 168, "scheduled", same)
    # Another wallet's checks, restored: the sweep never compares with them.
    VerificationRun.objects.filter(credential=other).update(trigger="restored")
    first_here = run(other, 24, "scheduled", same)

    out = io.StringIO()
    call_command("prune_repeated_runs", stdout=out)

    assert out.getvalue() == "Deleted 4 repeated run(s).\n"
    assert [r.pk for r in credential.runs.order_by("checked_at")] == [
        credential.runs.get(trigger="import").pk,
        fell.pk,
        asked.pk,
        back.pk,
    ]
    assert list(other.runs.order_by("checked_at").values_list("trigger", flat=True)) == [
        "restored",
        "scheduled",
    ]
    assert first_here.pk in set(other.runs.values_list("pk", flat=True))
    assert reverify.runs_prune_repeats(credentials_per_chunk=1) == 0
