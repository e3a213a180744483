"""Re-checking: credentials change after import (revoked, suspended, expired, issuer gone).

Every check re-runs verification from the original bytes and keeps its report as a
`VerificationRun`, so the record shows its history, except a scheduled check (the daily
sweep's, or one a share page queued) that finds exactly what the credential's latest run
found: that one only moves the credential's `checked_at` (docs/decisions/0031). When a
credential that verified becomes revoked, suspended or expired, the earner gets a `Notice` on
the record and an email.
"""

from __future__ import annotations

import hashlib
import logging
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, MutableMapping
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from config.celery import enqueue_on_commit
from config.outbound import make_fetcher
from wallet import selectors, verifier
from wallet.bulk import insert_rows
from wallet.models import VERIFYING, Credential, Notice, VerificationRun
from wallet.services.audit import audit_record
from wallet.services.derive import DerivedFields, apply_derived, dedupe_key, derive_fields
from wallet.services.store import embedded_original
from wallet.verification import Report, Verdict, VerifyOptions
from wallet.verification.fetch import Fetcher
from wallet.verifier import verify_original
from wallet.wording import notice_sentence, verdict_phrase

logger = logging.getLogger(__name__)

RECHECK_AFTER = timedelta(hours=24)
_NOTIFY = (Verdict.REVOKED, Verdict.SUSPENDED, Verdict.EXPIRED)


def credential_reverify(
    *,
    credential: Credential,
    now: datetime | None = None,
    options: VerifyOptions | None = None,
    trigger: str = VerificationRun.Trigger.RECHECK,
) -> VerificationRun:
    """Verify again, record the run, update the current verdict, tell the earner if it fell."""
    now = now or timezone.now()
    if options is None:
        options = verifier.make_verify_options(owner=credential.owner, now=now)
    report = verify_original(credential=credential, options=options)
    with transaction.atomic():
        run = _record(credential, report, now, trigger)
        if credential.is_clr:
            _record_children(credential, report, now, trigger, options)
        if trigger == VerificationRun.Trigger.RECHECK:
            audit_record(
                user=credential.owner,
                action="credential.rechecked",
                target=credential,
                detail={"verdict": run.verdict},
                now=now,
            )
    return run


def _record_children(
    parent: Credential, report: Report, now: datetime, trigger: str, options: VerifyOptions
) -> None:
    """Each embedded credential's new report goes to the child row holding the same bytes."""
    reports = {}
    for embedded in report.children:
        original = embedded_original(embedded)
        if original is not None:
            reports[hashlib.sha256(original[0]).hexdigest()] = embedded
    for child in parent.children.all():
        child_report = reports.get(child.sha256)
        if child_report is None and child.checked_at is None:
            # A restored child the bundle does not hold (the export file said it was inside):
            # it is checked on its own, never left with what the file said about it.
            child_report = verify_original(credential=child, options=options)
        if child_report is not None:
            _record(child, child_report, now, trigger)


def _record(credential: Credential, report: Report, now: datetime, trigger: str) -> VerificationRun:
    """Write one check: its run and the credential's verdict. A scheduled check that finds
    what the latest run found writes no run (the module's docstring says why); the latest run
    is returned then, as the one holding the report."""
    previous = credential.verdict
    first_here = credential.checked_at is None
    verdict = report.verdict
    found = report.to_dict()
    latest = (
        selectors.credential_latest_run(credential=credential)
        if trigger == VerificationRun.Trigger.SCHEDULED and not first_here
        else None
    )
    if latest is not None and _repeats(trigger, latest.report, found):
        run = latest
    else:
        run = VerificationRun.objects.create(
            credential=credential,
            verdict=str(verdict),
            report=found,
            trigger=trigger,
            checked_at=now,
        )
    derived = derive_fields(report)
    if first_here:
        _take_derived(credential, derived, now)
    credential.verdict = str(verdict)
    credential.checked_at = now
    if verdict.is_ok:
        credential.verified_at = now
    credential.recipient_match, credential.recipient_hint = _recipient(credential, derived)
    credential.save(
        update_fields=None
        if first_here
        else ["verdict", "checked_at", "verified_at", "recipient_match", "recipient_hint"]
    )
    if previous in VERIFYING and verdict in _NOTIFY:
        _notify(credential, verdict, now)
    return run


def _recipient(credential: Credential, derived: DerivedFields) -> tuple[str, str]:
    """The credential's recipient match and hint after a check. Removing an email never hides
    a credential: only its match state changes, and the hint it had is kept when the check
    names none."""
    return derived.recipient_match, derived.recipient_hint or credential.recipient_hint


def _take_derived(credential: Credential, derived: DerivedFields, now: datetime) -> None:
    """A credential never checked here (restored from an export file, which anyone can edit)
    shows only what its first check here derives from the original."""
    apply_derived(credential, derived)
    key = dedupe_key(
        issuer_id=credential.issuer_id,
        credential_id=credential.credential_id,
        sha256=credential.sha256,
    )
    taken = (
        credential.parent_id is None
        and Credential.objects.filter(owner_id=credential.owner_id, parent=None, dedupe_key=key)
        .exclude(pk=credential.pk)
        .exists()
    )
    if not taken:  # else the record holds it already: this row keeps the key it came with
        credential.dedupe_key = key
    credential.updated_at = now


def _notify(credential: Credential, verdict: Verdict, now: datetime) -> None:
    # Stored in English; the record page says it again in the reader's language.
    with translation.override(settings.LANGUAGE_CODE):
        message = notice_sentence(credential.display_title, credential.issuer_name, verdict)
    Notice.objects.create(
        owner=credential.owner,
        credential=credential,
        kind=str(verdict),
        message=message,
        created_at=now,
    )
    email = credential.owner.email
    if not email:
        return
    # The email speaks the language the learner chose for Satchel.
    with translation.override(credential.owner.language or settings.LANGUAGE_CODE):
        title = credential.display_title
        said = notice_sentence(title, credential.issuer_name, verdict)
        body = gettext(
            "%(notice)s\n\nIt stays in your Satchel record with the result of the check: "
            "%(origin)s/\n"
        ) % {"notice": said, "origin": settings.SATCHEL_PUBLIC_ORIGIN}
        subject = gettext("[Satchel] %(title)s: %(verdict)s") % {
            "title": title,
            "verdict": verdict_phrase(verdict),
        }
    transaction.on_commit(lambda: send_mail(subject, body, None, [email], fail_silently=True))


class Pace:
    """When each batch of a sweep may start, so that the sweep goes through what is due at
    `rate` credentials a second at most (SATCHEL_RECHECK_RATE; 0: as fast as it can), spread
    out instead of in one burst beside the pages being served (decision 0030).

    Never slower than finishing what is due within four fifths of the task's time limit
    (`limit`, SATCHEL_JOB_TIME_LIMIT), so pacing alone never makes a sweep run out of time.
    `clock` and `sleep` are injected, as time is everywhere in tests.
    """

    def __init__(
        self,
        *,
        rate: int,
        due: int,
        limit: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = max(float(rate), due / (limit * 0.8)) if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._started = clock()

    def wait_for(self, done: int) -> None:
        """Wait until a sweep that has gone through `done` credentials may go on."""
        if self.rate == 0.0:
            return
        ahead = self._started + done / self.rate - self._clock()
        if ahead > 0:
            self._sleep(ahead)


def reverify_due(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Re-check every live credential last checked over 24 hours ago, or never checked here
    (restored from an export, whose queued check may have been lost); return how many.

    Works in batches of `batch_size`, each sharing one fetcher (with its HTTP cache) and one
    canon cache, and writing its results in one transaction (`_record_batch`); one
    credential's failure is logged and does not stop the run. The batches start no faster
    than SATCHEL_RECHECK_RATE allows (see `Pace`).
    """
    now = now or timezone.now()
    stale_before = now - RECHECK_AFTER
    # The ids of what is due, in one pass, then each batch read by primary key alone. A
    # query per batch filtering on `checked_at` was at the planner's mercy: with statistics
    # taken before the credentials fell due, PostgreSQL expected one due row and walked a
    # whole index for every batch (0.3 s each at 100,000 credentials).
    due = array(
        "q",
        Credential.objects.filter(parent=None, deleted_at=None)
        .filter(Q(checked_at__lt=stale_before) | Q(checked_at__isnull=True))
        .order_by("pk")
        .values_list("pk", flat=True),
    )
    pace = Pace(
        rate=settings.SATCHEL_RECHECK_RATE, due=len(due), limit=settings.SATCHEL_JOB_TIME_LIMIT
    )
    count = 0
    for start in range(0, len(due), batch_size):
        pace.wait_for(start)
        batch = [
            credential
            for credential in Credential.objects.filter(pk__in=due[start : start + batch_size])
            .select_related("owner")
            .order_by("pk")
            # Checked (a share page's queued check) or trashed since the ids were read.
            if credential.deleted_at is None
            and (credential.checked_at is None or credential.checked_at < stale_before)
        ]
        fetcher = make_fetcher()
        cache: dict[str, str] = {}
        per_owner: dict[int, VerifyOptions] = {}
        checked: list[tuple[Credential, Report, VerifyOptions]] = []
        for credential in batch:
            options = per_owner.get(credential.owner_id)
            if options is None:
                options = _options(credential.owner, now, fetcher, cache)
                per_owner[credential.owner_id] = options
            try:
                checked.append(
                    (credential, verify_original(credential=credential, options=options), options)
                )
            except SoftTimeLimitExceeded:
                raise  # the task's time is up: the next scheduled run carries on
            except Exception:  # one credential must not stop the nightly run
                logger.exception("re-check of credential %s failed", credential.pk)
        count += _record_batch(checked, now)
    return count


def _record_batch(checked: list[tuple[Credential, Report, VerifyOptions]], now: datetime) -> int:
    """Write a batch of scheduled re-checks; return how many were recorded.

    The common case (a plain credential checked here before) is written together in one
    transaction (`_record_together`): one INSERT of every run and one UPDATE per distinct
    verdict, instead of a transaction of two statements for each credential, so the sweep's
    share of the database stays small beside the pages served meanwhile. The rest (a CLR and
    its children, a restored credential's first check here), and every credential of a batch
    whose joint write failed (one deleted meanwhile), are written one at a time, as
    `credential_reverify` writes them, each failure logged on its own.
    """
    trigger = VerificationRun.Trigger.SCHEDULED
    together = [
        (credential, report)
        for credential, report, _options in checked
        if not credential.is_clr and credential.checked_at is not None
    ]
    if together:
        try:
            with transaction.atomic():
                _record_together(together, now, trigger)
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: the next scheduled run carries on
        except Exception:
            logger.exception("writing %s re-checks together failed; writing each", len(together))
            together = []
    written = {credential.pk for credential, _report in together}
    count = len(written)
    for credential, report, options in checked:
        if credential.pk in written:
            continue
        try:
            with transaction.atomic():
                _record(credential, report, now, trigger)
                if credential.is_clr:
                    _record_children(credential, report, now, trigger, options)
            count += 1
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # one credential must not stop the nightly run
            logger.exception("re-check of credential %s failed", credential.pk)
    return count


def _repeats(trigger: str, latest: object, found: dict[str, object]) -> bool:
    """Whether a check writes no run: a scheduled one whose report (`found`, as stored) is
    the credential's latest run's (`latest`, None when it has none). Import runs and runs the
    learner asked for are always written (docs/decisions/0031)."""
    return trigger == VerificationRun.Trigger.SCHEDULED and latest == found


def _record_together(items: list[tuple[Credential, Report]], now: datetime, trigger: str) -> None:
    """`_record` for many credentials checked here before, in a few statements. The instances
    are left as they were read (a failed write falls back to `_record` on them)."""
    runs = []
    by_outcome: dict[tuple[str, bool], list[int]] = defaultdict(list)
    recipients: list[tuple[int, str, str]] = []
    fallen: list[tuple[Credential, Verdict]] = []
    latest = dict(
        selectors.latest_runs(credential_ids=[c.pk for c, _r in items]).values_list(
            "credential_id", "report"
        )
    )
    for credential, report in items:
        verdict = report.verdict
        found = report.to_dict()
        if not _repeats(trigger, latest.get(credential.pk), found):
            runs.append(
                {
                    "credential_id": credential.pk,
                    "verdict": str(verdict),
                    "report": found,
                    "trigger": trigger,
                    "checked_at": now,
                }
            )
        by_outcome[(str(verdict), verdict.is_ok)].append(credential.pk)
        derived = derive_fields(report)
        recipient = _recipient(credential, derived)
        if recipient != (credential.recipient_match, credential.recipient_hint):
            recipients.append((credential.pk, *recipient))
        if credential.verdict in VERIFYING and verdict in _NOTIFY:
            fallen.append((credential, verdict))
    insert_rows(VerificationRun, runs)
    for (verdict_value, is_ok), ids in by_outcome.items():
        verified = {"verified_at": now} if is_ok else {}
        Credential.objects.filter(pk__in=ids).update(
            verdict=verdict_value, checked_at=now, **verified
        )
    for pk, match, hint in recipients:
        Credential.objects.filter(pk=pk).update(recipient_match=match, recipient_hint=hint)
    for credential, verdict in fallen:
        _notify(credential, verdict, now)


def runs_prune_repeats(*, credentials_per_chunk: int = 50) -> int:
    """Delete the scheduled runs that repeat the run before them; return how many.

    For a database written before scheduled checks stopped repeating their credential's
    latest run (docs/decisions/0031): what it keeps is what the sweep now writes. A run
    repeats the one before when their reports are equal; runs are taken in the order they
    were checked, per credential, leaving out runs restored from an export (another wallet's
    checks), which the sweep never compares with either. Import and on-request runs are
    kept whatever they found.

    Goes through `credentials_per_chunk` credentials at a time (their runs read, those
    repeating deleted, one transaction each), so memory stays bounded and it may run beside
    the app and be stopped anywhere.
    """
    mine = VerificationRun.objects.exclude(trigger=VerificationRun.Trigger.RESTORED)
    credentials = array(
        "q", mine.order_by("credential_id").values_list("credential_id", flat=True).distinct()
    )
    deleted = 0
    for start in range(0, len(credentials), credentials_per_chunk):
        runs = (
            mine.filter(credential_id__in=credentials[start : start + credentials_per_chunk])
            .order_by("credential_id", "checked_at", "pk")
            .values_list("pk", "credential_id", "trigger", "report")
        )
        doomed: list[int] = []
        credential, before = None, None
        for pk, credential_id, trigger, report in runs:
            if credential_id != credential:
                credential, before = credential_id, None
            if trigger == VerificationRun.Trigger.SCHEDULED and report == before:
                doomed.append(pk)
            before = report
        if doomed:
            with transaction.atomic():
                deleted += VerificationRun.objects.filter(pk__in=doomed).delete()[0]
    return deleted


def _options(
    owner: User, now: datetime, fetcher: Fetcher, cache: MutableMapping[str, str]
) -> VerifyOptions:
    return verifier.make_verify_options(owner=owner, now=now, fetcher=fetcher, canon_cache=cache)


def reverify_never_checked(*, credential_ids: list[int], now: datetime | None = None) -> int:
    """Verify those of `credential_ids` that this wallet has never checked (restored from an
    export, which anyone can edit); return how many were.

    Safe to run twice: a credential checked here already (by an earlier run, the hourly
    re-check or an employer's view) is left alone. The first check here also derives again
    what is shown (title, issuer, dates).
    """
    now = now or timezone.now()
    unchecked = Credential.objects.filter(
        pk__in=credential_ids, parent=None, deleted_at=None, checked_at=None
    )
    fetcher = make_fetcher()
    cache: dict[str, str] = {}
    per_owner: dict[int, VerifyOptions] = {}
    count = 0
    for credential in unchecked.select_related("owner").order_by("pk"):
        options = per_owner.get(credential.owner_id)
        if options is None:
            options = _options(credential.owner, now, fetcher, cache)
            per_owner[credential.owner_id] = options
        try:
            credential_reverify(
                credential=credential,
                now=now,
                options=options,
                trigger=VerificationRun.Trigger.SCHEDULED,
            )
            count += 1
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: the next scheduled run carries on
        except Exception:  # one credential must not keep the others unchecked
            logger.exception("first check of credential %s failed", credential.pk)
    return count


def notices_mark_read(
    *, owner: User, notice_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the owner's notices read (all unread ones, or those listed); return how many."""
    unread = Notice.objects.filter(owner=owner, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    return unread.update(read_at=now or timezone.now())


# --- a re-check asked for by a view ------------------------------------------------------

RECHECK_TASK = "wallet.tasks.recheck_credential"
# A credential queued for a re-check is not queued again for this long (seconds): views of a
# page in quick succession ask for one check, not one each.
RECHECK_QUEUED_FOR = 120


def credentials_recheck_later(*, credential_ids: list[int]) -> int:
    """Queue a re-check of each credential, sent once the current transaction commits (a
    worker runs it; see `credential_recheck`); return how many were queued.

    For requests that must not fetch (an employer's view of a share): they show the stored
    verdict and leave the checking to a worker.
    """
    keys = {f"wallet:recheck:{credential_id}": credential_id for credential_id in credential_ids}
    if not keys:
        return 0
    # One read for all of them first: on a page viewed again within the window every key is
    # there, and the view costs one round trip to the cache instead of one per credential.
    # The add stays the gate, so two views at once still queue each check once.
    already = cache.get_many(list(keys))
    queued = 0
    for key, credential_id in keys.items():
        if key not in already and cache.add(key, 1, timeout=RECHECK_QUEUED_FOR):
            enqueue_on_commit(RECHECK_TASK, credential_id)
            queued += 1
    return queued


def credential_recheck(
    *, credential_id: int, now: datetime | None = None
) -> VerificationRun | None:
    """The queued re-check of one credential, as the hourly run would make it; None when it
    is gone, in the trash, or the check failed (logged: its stored verdict stands, and the
    next view or the hourly run asks again)."""
    credential = (
        Credential.objects.filter(pk=credential_id, deleted_at=None).select_related("owner").first()
    )
    if credential is None:
        return None
    try:
        return credential_reverify(
            credential=credential, now=now, trigger=VerificationRun.Trigger.SCHEDULED
        )
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # run eagerly (no worker), a failure must not fail the page's request
        logger.exception("re-check of credential %s failed", credential_id)
        return None
