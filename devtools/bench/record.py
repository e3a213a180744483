"""How fast bulk import and the record are (benchmarks for `manage.py bench`, not tests).

Everything runs inside `throwaway_database()`: Django's test-database machinery creates a
fresh database (for SQLite, a file in a temporary folder, so commits cost what they cost on
disk) and drops it at the end. The developer's own data is never read or written.

- `bench_import`: a ZIP of distinct signed OB 3.0 credentials (eddsa-rdfc-2022 JSON with an
  embedded image, some VC-JWTs, some baked PNGs) from the demo issuers (`devtools.demo`). The
  raw engine rate is `verify_bytes` over the same member bytes with the options the importer
  builds (`archive_verify_options`: one fetcher and bounded canon cache for the archive), so
  both sides verify exactly the same way. The import is the learner's path, each round into a
  new earner's record (the database grows as it would): `zip_batch_create` stores the archive
  and the task it enqueues (run in-process) imports it with `credential_import_zip`, writing
  progress and the per-file summary. Each import is timed between two raw verifications, in
  several rounds, and so is the part of it spent in `verify_bytes`. On a shared machine whose
  speed drifts by tens of percent from one second to the next, the import set against its
  own verification (the same calls on the same bytes, in the same seconds) is the steady
  measure, and the target is judged on its median; the ratio to the separate raw runs is
  shown beside it, as is how close the two verifications' times are. Peak memory is traced
  (tracemalloc) around `credential_import_zip` in separate runs at two sizes, to show it does
  not grow with them (the archive itself is held by the caller, as a stored batch is).
- `bench_record`: one owner with thousands of credentials, bulk-created from the demo
  earner's imported credentials (real fields, alignments, tags), then the record page and the
  API list timed through the test client, with the queries each request makes.
"""

from __future__ import annotations

import gc
import io
import json
import shutil
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from accounts.models import User

# Import time over its own verification time (issue 17): PostgreSQL, and the embedded SQLite.
TARGET_IMPORT_RATIO = 1.3
TARGET_IMPORT_RATIO_SQLITE = 1.2


def import_target() -> float:
    """The import ratio's target on the configured database."""
    from django.db import connection

    return TARGET_IMPORT_RATIO_SQLITE if connection.vendor == "sqlite" else TARGET_IMPORT_RATIO


TARGET_RECORD_MEDIAN_MS = 100.0
_ISSUED = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


# --- a database of our own ---------------------------------------------------------------


def bench_folder() -> Path:
    """Where benchmark files are kept (var/bench)."""
    from django.conf import settings

    folder: Path = settings.VAR_DIR / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A freshly migrated database for the default alias, destroyed on exit. On a server, it
    is named after the configured database (`<name>_bench`), never `test_<name>`, which the
    test suite uses."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    folder = Path(tempfile.mkdtemp(prefix="satchel-bench-"))
    setup_test_environment(debug=False)
    test_settings = connection.settings_dict.setdefault("TEST", {})
    had_name, old_test_name = "NAME" in test_settings, test_settings.get("NAME")
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(folder / "bench.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if had_name:
            test_settings["NAME"] = old_test_name
        else:
            test_settings.pop("NAME", None)
        teardown_test_environment()
        shutil.rmtree(folder, ignore_errors=True)


def database_url(settings_dict: dict[str, Any]) -> str:
    """The URL of the database `settings_dict` names (for a child process to use; a server
    database only: a SQLite file has no URL worth handing on)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    login = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    name = quote(str(settings_dict["NAME"]), safe="")
    return f"postgres://{login}{host}{port}/{name}"


def _earner(email: str) -> Any:
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(email=email, password=None, display_name="Bench Earner")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


# --- bulk import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchFile:
    name: str
    data: bytes


def import_files(count: int) -> list[BenchFile]:
    """`count` distinct credentials signed by the demo issuers: about 80% JSON with an
    embedded badge image, 10% VC-JWT, 10% baked PNG. Deterministic."""
    from devtools import demo
    from wallet.verification.parse.png import bake_png
    from wallet.verification.proofs.jose import sign_jwt

    pictures = {i.label: demo.badge_png("B", i.colour, size=128) for i in demo.ISSUERS}
    files = []
    for n in range(count):
        issuer = demo.ISSUERS[n % len(demo.ISSUERS)]
        issued = _ISSUED + timedelta(hours=n)
        kind = ("jwt", "png")[n % 2] if n % 10 == 9 else "json"
        body = demo.ob3_body(issuer, _achievement(n), issued=issued, image=False)
        if kind == "json":
            picture = pictures[issuer.label]
            body["credentialSubject"]["achievement"]["image"] = {
                "id": "data:image/png;base64," + _b64(picture),
                "type": "Image",
            }
        if kind == "jwt":
            claims = body | {"iss": issuer.did, "jti": body["id"], "nbf": int(issued.timestamp())}
            token = sign_jwt(claims, private_key=issuer.private_key, kid=issuer.verification_method)
            files.append(BenchFile(f"badges/{n:04d}.jwt", token.encode()))
            continue
        signed = json.dumps(issuer.sign(body, created=issued))
        if kind == "png":
            baked = bake_png(pictures[issuer.label], signed, keyword="openbadgecredential")
            files.append(BenchFile(f"badges/{n:04d}.png", baked))
        else:
            files.append(BenchFile(f"badges/{n:04d}.json", signed.encode()))
    return files


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def _achievement(n: int) -> Any:
    from devtools import demo

    kinds = ("Badge", "Course", "Certificate", "Competency")
    skills = tuple(
        demo._alignment(f"SK-{(n * 7 + k) % 60:03d}", f"Skill {(n * 7 + k) % 60}", "Bench Skills")
        for k in range(n % 4)
    )
    return demo.Achievement(
        slug=f"bench-{n:05d}",
        name=f"Bench Achievement {n}",
        achievement_type=kinds[n % len(kinds)],
        description=f"Awarded for completing module {n} and its assessed project.",
        criteria="Passed the assessment with a mark of 60% or more.",
        initials="B",
        alignments=skills,
    )


def zip_of(files: list[BenchFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            archive.writestr(item.name, item.data)
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportRound:
    raw_seconds: float  # raw verification of the files, the mean of the runs around the import
    import_seconds: float
    verifying_seconds: float  # the part of the import spent in `verify_bytes`
    # CPU seconds of this process (every thread): raw verification (mean of the runs around),
    # the import; and the import's own thread inside `verify_bytes`. Time spent waiting for
    # a busy machine's cores, or for the database server, is not CPU time.
    raw_cpu: float = 0.0
    import_cpu: float = 0.0
    verifying_cpu: float = 0.0

    @property
    def ratio(self) -> float:
        return self.import_seconds / self.raw_seconds

    @property
    def own_ratio(self) -> float:
        return self.import_seconds / self.verifying_seconds

    @property
    def cpu_ratio(self) -> float:
        """The import's CPU over raw verification's: what the import costs this process
        beyond verifying, whatever the machine's load (the database server's CPU is not in
        it)."""
        return self.import_cpu / self.raw_cpu if self.raw_cpu else 0.0


@dataclass
class ImportResult:
    files: int
    rounds: list[ImportRound]
    outcomes: dict[str, int]
    peaks: dict[int, int] = field(default_factory=dict)  # files -> tracemalloc peak bytes

    @property
    def ratio(self) -> float:
        """The median round's import time over the raw verification time around it."""
        return statistics.median(r.ratio for r in self.rounds)

    @property
    def own_ratio(self) -> float:
        """The median round's import time over the time its own verification took: the same
        `verify_bytes` calls on the same bytes, timed in the same seconds as the rest of the
        import, so a slow spell of a shared machine cannot fall on one side only."""
        return statistics.median(r.own_ratio for r in self.rounds)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(r.cpu_ratio for r in self.rounds)

    @property
    def meets_target(self) -> bool:
        return self.own_ratio <= import_target()


def bench_import(
    *, count: int = 1000, rounds: int = 5, memory_sizes: tuple[int, ...] = (200, 1000)
) -> ImportResult:
    """Raw verification vs the import of the same `count` files, in `rounds` rounds.

    Each import is timed between two raw verifications of the files, and the time it spends
    inside `verify_bytes` is measured too. Run inside `throwaway_database()`; then the
    import's traced peak memory at each of `memory_sizes`.
    """
    files = import_files(max((count, *memory_sizes)))
    chosen = files[:count]
    archive = zip_of(chosen)
    verifier = _earner("bench-verify@satchel.example")
    _warm(verifier, chosen)
    _time_import(zip_of(chosen[:1]), "bench-warm@satchel.example")  # the task's first run
    timings: list[ImportRound] = []
    outcomes: dict[str, int] = {}
    before = _time_raw_verification(verifier, chosen)
    for n in range(rounds):
        with _verification_timed() as verifying:
            import_seconds, import_cpu, outcomes = _time_import(
                archive, f"bench-import-{n}@satchel.example"
            )
        after = _time_raw_verification(verifier, chosen)
        if outcomes.get("imported", 0) != count:
            raise RuntimeError(f"the bench archive did not import cleanly: {outcomes}")
        timings.append(
            ImportRound(
                (before[0] + after[0]) / 2,
                import_seconds,
                verifying[0],
                (before[1] + after[1]) / 2,
                import_cpu,
                verifying[1],
            )
        )
        before = after
    result = ImportResult(count, timings, outcomes)
    for size in memory_sizes:
        result.peaks[size] = _traced_import_peak(
            zip_of(files[:size]), f"bench-mem-{size}@x.example"
        )
    return result


@contextmanager
def _verification_timed() -> Iterator[list[float]]:
    """Seconds the importer spends in `verify_bytes` while inside: [wall clock, CPU of the
    thread verifying]."""
    from unittest import mock

    from intake.services import arrival

    spent = [0.0, 0.0]
    real = arrival.verify_bytes

    def timed(*args: Any, **kwargs: Any) -> Any:
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start
            spent[1] += time.thread_time() - start_cpu

    with mock.patch.object(arrival, "verify_bytes", timed):
        yield spent


def _time_raw_verification(owner: User, files: list[BenchFile]) -> tuple[float, float]:
    """Wall-clock and CPU seconds to verify `files` as the importer does."""
    from intake.services.zips import archive_verify_options
    from wallet.verification import verify_bytes

    options = archive_verify_options(owner=owner)
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    for item in files:
        report = verify_bytes(item.data, options=options)
        if not report.verdict.is_ok:
            raise RuntimeError(f"bench file {item.name} does not verify: {report.verdict}")
    return time.perf_counter() - start, time.process_time() - start_cpu


def _warm(owner: User, files: list[BenchFile]) -> None:
    """Processed contexts and decoded keys, as a long-running worker has them (both sides)."""
    from wallet import verifier
    from wallet.verification import verify_bytes

    options = verifier.make_verify_options(owner=owner)
    for item in files[:10]:
        verify_bytes(item.data, options=options)


def _time_import(data: bytes, email: str) -> tuple[float, float, dict[str, int]]:
    """The learner's path: the archive stored as a batch, then the task that imports it
    (run in this process), writing its progress and summary as it goes. Wall-clock and CPU
    seconds (this process, every thread), and the outcomes."""
    from intake.models import ImportBatch
    from intake.services.zips import zip_batch_create

    owner = _earner(email)
    gc.collect()
    with _tasks_in_process():
        start, start_cpu = time.perf_counter(), time.process_time()
        batch = zip_batch_create(owner=owner, data=data, filename="bench.zip")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status != ImportBatch.Status.DONE:
        raise RuntimeError(f"the bench batch did not finish: {batch.status} {batch.message}")
    counts: dict[str, int] = {}
    for row in batch.summary:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return elapsed, cpu, counts


@contextmanager
def _tasks_in_process() -> Iterator[None]:
    """Celery tasks run eagerly, whatever the configuration, so the task's time is measured."""
    from config.celery import app

    was = app.conf.task_always_eager
    # The app reads Django's settings under the CELERY_ namespace, whose key shadows the
    # plain `task_always_eager`: setting that one alone changed nothing with REDIS_URL set.
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    try:
        yield
    finally:
        app.conf.CELERY_TASK_ALWAYS_EAGER = was


def _traced_import_peak(data: bytes, email: str) -> int:
    from intake.services.zips import credential_import_zip

    owner = _earner(email)
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        credential_import_zip(owner=owner, data=data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


# --- the record page and the API list ------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    name: str
    url: str
    median_ms: float
    p95_ms: float
    cpu_ms: float  # median CPU time of this process per request
    queries: int
    rows: int  # credentials the filter matches


@dataclass
class RecordResult:
    credentials: int
    timings: list[Timing]
    query_counts: dict[int, int]  # record size -> queries for the record page

    @property
    def page_median_ms(self) -> float:
        return next(t.median_ms for t in self.timings if t.name == "record page")

    @property
    def meets_target(self) -> bool:
        return self.page_median_ms < TARGET_RECORD_MEDIAN_MS

    @property
    def queries_flat(self) -> bool:
        return len(set(self.query_counts.values())) == 1


def bench_record(*, count: int = 5000, requests: int = 30) -> RecordResult:
    """The record page and API list for an owner with `count` credentials (run inside
    `throwaway_database()`): median and p95 over `requests` requests, and queries per
    request, also at a small record size to show the count does not grow."""
    from django.test import Client

    from devtools.demo import seed_demo

    owner = seed_demo().user
    templates = _templates(owner)
    client = Client()
    client.force_login(owner)
    client.get("/")  # the first request of a session also touches the session rows
    small = _query_count(client, "/")
    _bulk_copies(owner, templates, count - len(templates))
    skill = _a_skill(owner)
    cases = [
        ("record page", "/"),
        ("record page, search", "/?q=programming"),
        ("record page, skill", "/?skill=" + skill),
        ("API list", "/api/credentials/"),
        ("API list, search", "/api/credentials/?q=programming"),
        ("API list, skill", "/api/credentials/?skill=" + skill),
    ]
    timings = [_time_url(client, owner, name, url, requests) for name, url in cases]
    total = _live_count(owner)
    return RecordResult(total, timings, {len(templates): small, total: timings[0].queries})


def _templates(owner: User) -> list[Any]:
    from wallet.models import Credential

    return list(Credential.objects.filter(owner=owner, parent=None).prefetch_related("tags"))


def _bulk_copies(owner: User, templates: list[Any], count: int) -> None:
    """`count` more top-level credentials, each a renamed copy of one of `templates` with its
    tags, dated over the last years so sorting and paging have real work to do."""
    from wallet.models import Credential

    through = Credential.tags.through
    made = []
    for n in range(count):
        template = templates[n % len(templates)]
        copy = Credential(
            **{
                f.attname: getattr(template, f.attname)
                for f in Credential._meta.concrete_fields
                if f.attname != "id"
            }
        )
        copy.title = f"{template.title} ({n})"
        copy.sha256 = f"{n:064x}"
        copy.dedupe_key = f"bench:{n}"
        copy.credential_id = f"urn:uuid:bench-{n}"
        if template.issued_at is not None:
            copy.issued_at = template.issued_at - timedelta(days=n % 2000)
        made.append(copy)
    created = Credential.objects.bulk_create(made, batch_size=500)
    links = [
        through(credential_id=copy.pk, tag_id=tag.pk)
        for n, copy in enumerate(created)
        for tag in templates[n % len(templates)].tags.all()
    ]
    through.objects.bulk_create(links, batch_size=500)


def _a_skill(owner: User) -> str:
    from wallet import selectors

    summary = selectors.skills_summary(owner=owner)
    return summary[0].url or summary[0].code or summary[0].name


def _live_count(owner: User) -> int:
    from wallet.models import Credential

    return Credential.objects.filter(owner=owner, parent=None, deleted_at=None).count()


def _query_count(client: Any, url: str) -> int:
    """Queries for one request on the full path (cache emptied first: the record's filters
    are cached per record version, and the count must not depend on what happened before)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(captured.captured_queries)


def _time_url(client: Any, owner: User, name: str, url: str, requests: int) -> Timing:
    from wallet import selectors

    queries = _query_count(client, url)  # also warms templates and caches
    samples, cpu = _samples(lambda: client.get(url), requests)
    rows = _matching(owner, url, selectors)
    return Timing(
        name,
        url,
        statistics.median(samples) * 1000,
        _percentile(samples, 95) * 1000,
        statistics.median(cpu) * 1000,
        queries,
        rows,
    )


def _matching(owner: User, url: str, selectors: Any) -> int:
    from urllib.parse import parse_qs, urlsplit

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    filters = selectors.CredentialFilters(q=query.get("q", ""), skill=query.get("skill", ""))
    return selectors.credential_list(owner=owner, filters=filters).count()


def _samples(run: Callable[[], Any], requests: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each of `requests` runs.

    Timed as a server process serves them: what this process already holds is taken out of
    the garbage collector's sight first, as `config/wsgi.py` does when a server process has
    loaded the app. Otherwise the full collections that a request happens to trigger scan
    everything this benchmark process built (the generated data, its caches): about 0.2 s
    each, landing in the slowest requests a server would not see."""
    wall, cpu = [], []
    gc.collect()
    gc.freeze()
    try:
        for _ in range(requests):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = run()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            if response.status_code != 200:
                raise RuntimeError(f"request answered {response.status_code}")
    finally:
        gc.unfreeze()
    return wall, cpu


def _percentile(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]
