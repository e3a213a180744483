"""The cost curve: the record, the API, the daily re-check and memory at many credentials
(the `scale` section of `manage.py bench`; figures, never tests).

The data is made as learners' imports make it: distinct VC-JWTs signed by the demo issuers
(`devtools.demo`), each with a revocation entry on one of a few status lists (one per
issuer), verified as an import verifies them (`intake.services.arrival.arrive`) and stored
through the bulk import's store (`credentials_store`, a group per transaction), never by
raw SQL. One learner (the "focus" learner) holds up to 5,000 credentials; the rest are
spread evenly over the others, one learner per ten credentials (10,000 for 100,000). The
status lists are served by `scale_fetcher` (named in SATCHEL_FETCHER for the section), which
counts what is fetched.

The figures are taken twice: once when a tenth of the credentials are stored, then at the
full size, so the curve shows. Generating 100,000 credentials takes minutes on a small
machine; with `keep=True` the database is kept (named after its size) and the next run
generates only what is missing.

- record page, search, API list, API search: median and p95 over `requests` requests through
  the test client, for the focus learner; the record page's queries for the focus learner
  and for a learner with ten credentials (they must be the same);
- the daily re-check (`reverify_due`) of every credential, made due by moving each one's
  last check back a day and a half, run by a worker (`scale_worker`: a Celery worker with
  REDIS_URL, else a child process): wall time, credentials per second, how many times each
  status list was fetched, and the employer's page (gunicorn, two workers) measured before
  and while it runs;
- memory: a gunicorn worker (one process) serving `rss_requests` requests, and a worker's
  pool processes importing `rss_imports` files in archives of 1,000 (`scale_worker`):
  resident set size (RSS) after the first and at the end, from /proc.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from devtools.bench import record

BASE_DIR = Path(__file__).resolve().parents[2]
FOCUS_CREDENTIALS = 5000
PER_LEARNER = 10
GROUP = 200  # credentials per store transaction, as a ZIP import groups them
TARGET_RECORD_P95_MS = 100.0
TARGET_API_P95_MS = 150.0
TARGET_SWEEP_SECONDS = 15 * 60
TARGET_RSS_MB = 200.0
_ISSUED = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
_STATUS_BITS = 131_072
WORKER_LEARNERS = "scale-worker-"  # the learners whose imports the memory figure measures


# --- the status lists and the fetcher that serves them ------------------------------------


def _status_url(label: str) -> str:
    from devtools.demo import DEMO_ORIGIN

    return f"{DEMO_ORIGIN}/status/scale-{label}"


def _status_list(issuer: Any) -> dict[str, Any]:
    import base64
    import gzip

    from devtools.demo import VC_V2

    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(_STATUS_BITS // 8), mtime=0))
    url = _status_url(issuer.label)
    document = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + encoded.rstrip(b"=").decode(),
        },
    }
    signed: dict[str, Any] = issuer.sign(document, created=datetime(2024, 1, 1, tzinfo=UTC))
    return signed


_SERVED: dict[str, str] = {}
FETCHED: Counter[str] = Counter()


def scale_fetcher() -> Any:
    """The fetcher the app builds during the section (SATCHEL_FETCHER names this): the
    production fetcher, its cache included, whose requests are answered here (the demo
    issuers' status lists) instead of by the network; each request counted in FETCHED."""
    from config.outbound import GuardedFetcher
    from wallet.verification.fetch import FetchError, FetchResult

    if not _SERVED:
        from devtools.demo import ISSUERS

        _SERVED.update({_status_url(i.label): json.dumps(_status_list(i)) for i in ISSUERS})

    class Served(GuardedFetcher):
        def send(self, method: str, url: str, **_kwargs: Any) -> FetchResult:
            FETCHED[url] += 1
            if log := os.environ.get("SATCHEL_SCALE_FETCH_LOG"):  # counted across processes
                with open(log, "a") as fetched:
                    fetched.write(url + "\n")
            body = _SERVED.get(url)
            if body is None:
                raise FetchError(f"the scale bench serves no {url}")
            return FetchResult(
                url=url, status=200, content_type="application/json", body=body.encode()
            )

    return Served(allow_http=False)


# --- generating the credentials -------------------------------------------------------------


def _credential(n: int) -> bytes:
    """Credential number `n`: a VC-JWT from one of the demo issuers, with a revocation entry
    on that issuer's list. Deterministic."""
    from devtools import demo
    from wallet.verification.proofs.jose import sign_jwt

    issuer = demo.ISSUERS[n % len(demo.ISSUERS)]
    issued = _ISSUED - timedelta(hours=n)
    body = demo.ob3_body(issuer, record._achievement(n), issued=issued, image=False)
    body["id"] = f"urn:uuid:{demo._uuid('scale', str(n))}"
    url = _status_url(issuer.label)
    index = n % _STATUS_BITS
    body["credentialStatus"] = {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
    claims = body | {"iss": issuer.did, "jti": body["id"], "nbf": int(issued.timestamp())}
    return sign_jwt(claims, private_key=issuer.private_key, kid=issuer.verification_method).encode()


@dataclass(frozen=True)
class Plan:
    """Who holds which credentials: credential numbers [start, end) per learner, the focus
    learner (number 0) first."""

    credentials: int
    learners: list[tuple[int, int]]

    @classmethod
    def of(cls, credentials: int, per_learner: int = PER_LEARNER) -> Plan:
        """One learner per `per_learner` credentials (10,000 for 100,000): the focus learner,
        and the others sharing the rest evenly."""
        focus = min(FOCUS_CREDENTIALS, max(1, credentials // 2))
        spans = [(0, focus)]
        rest = credentials - focus
        others = min(rest, max(1, credentials // per_learner - 1))
        spans += [
            (focus + rest * n // others, focus + rest * (n + 1) // others) for n in range(others)
        ]
        return cls(credentials, spans)

    @property
    def name(self) -> str:
        """What a kept database is named after: the plan's size and learners."""
        return f"{self.credentials}_{len(self.learners)}"

    def upto(self, credentials: int) -> list[tuple[int, int]]:
        """The learners (and their spans, cut short) holding the first `credentials`."""
        return [(a, min(b, credentials)) for a, b in self.learners if a < credentials]


def _email(learner: int) -> str:
    return f"scale-{learner:06d}@satchel.example"


def generate(plan: Plan, upto: int, *, log: Any = None) -> int:
    """Store the first `upto` credentials of `plan` (those missing only); return how many
    were made now."""
    from accounts.models import User
    from intake.services import arrival
    from intake.services.zips import archive_verify_options
    from wallet.images import ImageMemo
    from wallet.models import Credential, Source
    from wallet.services.store import Verified, credentials_store

    made = 0
    started = time.monotonic()
    for learner, (start, end) in enumerate(plan.upto(upto)):
        owner = User.objects.filter(email=_email(learner)).first()
        if owner is None:
            owner = record._earner(_email(learner))
        held = Credential.objects.filter(owner=owner).count()
        if held >= end - start:
            continue
        options = archive_verify_options(owner=owner)
        images = ImageMemo()
        for group_start in range(start + held, end, GROUP):
            verified = []
            for n in range(group_start, min(group_start + GROUP, end)):
                result = arrival.arrive(
                    owner=owner,
                    data=_credential(n),
                    source=Source.BULK,
                    filename=f"scale/{n:06d}.jwt",
                    media_type=None,
                    source_url="",
                    now=None,
                    options=options,
                )
                if not isinstance(result, Verified) or not result.report.verdict.is_ok:
                    raise RuntimeError(f"scale credential {n} did not verify: {result}")
                verified.append(result)
            credentials_store(owner=owner, verified=verified, images=images)
            made += len(verified)
        if log is not None and learner % 500 == 0:
            rate = made / max(time.monotonic() - started, 1e-9)
            log(f"  generated: learner {learner}, {end} credentials in plan order ({rate:.0f}/s)")
    return made


# --- the record and the API ---------------------------------------------------------------


@dataclass(frozen=True)
class PageTiming:
    name: str
    median_ms: float
    p95_ms: float
    queries: int


def time_pages(plan: Plan, upto: int, requests: int) -> tuple[list[PageTiming], int, int]:
    """The focus learner's record and API timings, and the record page's queries for the
    focus learner and for a learner with few credentials."""
    from django.test import Client

    from accounts.models import User

    focus = User.objects.get(email=_email(0))
    client = Client()
    client.force_login(focus)
    client.get("/")
    cases = [
        ("record page", "/"),
        ("record page, search", "/?q=module+42"),
        ("API list", "/api/credentials/"),
        ("API list, search", "/api/credentials/?q=module+42"),
    ]
    timings = []
    for name, url in cases:
        queries = record._query_count(client, url)
        wall, _cpu = record._samples(partial(client.get, url), requests)
        timings.append(
            PageTiming(
                name,
                statistics.median(wall) * 1000,
                record._percentile(wall, 95) * 1000,
                queries,
            )
        )
    small_queries = timings[0].queries
    if len(plan.upto(upto)) > 1:
        small = Client()
        small.force_login(User.objects.get(email=_email(1)))
        small.get("/")
        small_queries = record._query_count(small, "/")
    return timings, timings[0].queries, small_queries


# --- the daily re-check ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    credentials: int
    seconds: float
    fetches: dict[str, int]
    runs: int = 0  # check runs it wrote: only what changed (docs/decisions/0031)

    @property
    def per_second(self) -> float:
        return self.credentials / self.seconds if self.seconds else 0.0


# --- memory -----------------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _child_env(database_url: str, port: int = 0) -> dict[str, str]:
    from cryptography.fernet import Fernet
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            # The parent's key: the sessions it makes for the requests are signed with it.
            "SECRET_KEY": settings.SECRET_KEY,
            "SATCHEL_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": database_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SATCHEL_PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
            "SATCHEL_FETCHER": "devtools.bench.scale.scale_fetcher",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def _database_url() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"sqlite:///{connection.settings_dict['NAME']}"
    return record.database_url(connection.settings_dict)


def web_rss(requests: int) -> tuple[float, float]:
    """RSS (MB) of one gunicorn worker after its first requests and after `requests` more:
    the focus learner's API and a small learner's record page, the focus learner's record
    page every twentieth request."""
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    cookies = []
    for learner in (0, 1):
        user = User.objects.filter(email=_email(learner)).first() or User.objects.get(
            email=_email(0)
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    port = _free_port()
    env = _child_env(_database_url(), port)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        timeout=300,
        check=True,
    )
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603 - fixed program and arguments
        [gunicorn, "-w", "1", "-b", f"127.0.0.1:{port}", "config.wsgi", "--log-level", "warning"],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(port)
        worker = _child_of(server.pid)
        urls = [("/api/credentials/", cookies[0]), ("/", cookies[1])]
        _get(port, "/", cookies[0])
        for url, cookie in urls:
            _get(port, url, cookie)
        first = _rss_mb(worker)
        for n in range(requests):
            url, cookie = ("/", cookies[0]) if n % 20 == 19 else urls[n % 2]
            _get(port, url, cookie)
        return first, _rss_mb(worker)
    except urllib.error.HTTPError as exc:
        server.terminate()
        _out, errors = server.communicate(timeout=30)
        raise RuntimeError(f"the web process answered {exc}: {errors.decode()[-1500:]}") from exc
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def _get(port: int, path: str, cookie: str) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        if answer.status != 200:
            raise RuntimeError(f"GET {path} answered {answer.status}")
        answer.read()


def _wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _child_of(pid: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def worker_rss(imports: int) -> tuple[float, float]:
    """RSS (MB) of a process running the import task over `imports` files (archives of up to
    1,000, each a new learner's), after the first archive and at the end."""
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed module
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from devtools.bench.scale import worker_main; "
            f"worker_main({int(imports)})",
        ],
        env=_child_env(_database_url()),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the import process failed: {done.stderr.strip()[-600:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["first_mb"], figures["last_mb"]


def worker_main(imports: int) -> None:
    """In the child process: import `imports` files through the task, as a worker would."""
    from config.celery import app

    app.conf.CELERY_TASK_ALWAYS_EAGER = True  # the namespaced key (record._tasks_in_process)
    from intake.models import ImportBatch
    from intake.services.zips import zip_batch_create

    files = record.import_files(min(imports, 1000))
    first = 0.0
    remaining, batch_number = imports, 0
    while remaining > 0:
        size = min(remaining, 1000)
        owner = record._earner(f"{WORKER_LEARNERS}{batch_number}-{secrets.token_hex(4)}@x.example")
        batch = zip_batch_create(owner=owner, data=record.zip_of(files[:size]), filename="w.zip")
        if ImportBatch.objects.get(pk=batch.pk).status != ImportBatch.Status.DONE:
            raise RuntimeError("an import batch did not finish")
        if batch_number == 0:
            first = _rss_mb(os.getpid())
        remaining -= size
        batch_number += 1
    print(json.dumps({"first_mb": first, "last_mb": _rss_mb(os.getpid())}))


# --- the section -----------------------------------------------------------------------------


@dataclass
class Point:
    credentials: int
    learners: int
    focus_credentials: int
    pages: list[PageTiming]
    focus_queries: int
    small_queries: int
    sweep: Sweep | None
    worked: Any = None  # scale_worker.WorkerSweep: the re-check's runner, the page beside it

    def page(self, name: str) -> PageTiming:
        return next(p for p in self.pages if p.name == name)


@dataclass
class ScaleResult:
    database: str
    generated_seconds: float
    points: list[Point] = field(default_factory=list)
    web_rss_mb: tuple[float, float] | None = None
    worker_rss_mb: tuple[float, float] | None = None
    worker_runner: str = ""
    worker_import_seconds: float = 0.0
    rss_requests: int = 0
    rss_imports: int = 0
    kept_database: str = ""
    recheck_rate: int = 0  # SATCHEL_RECHECK_RATE the re-check ran at (0: unpaced)


def bench_scale(
    *,
    credentials: int,
    requests: int,
    sweep_credentials: bool = True,
    rss_requests: int = 10_000,
    rss_imports: int = 10_000,
    sweeper: Callable[..., Any] | None = None,
    import_memory: Callable[[int], tuple[str, float, float, float]] | None = None,
    log: Any = None,
) -> ScaleResult:
    """Run inside `scale_database()`: the figures at a tenth of `credentials` and at all.

    `sweeper(log)` runs the daily re-check on a worker (`scale_worker.sweep_with_page`), and
    `import_memory(files)` measures a worker importing (`scale_worker.worker_imports_rss`);
    without them, neither is measured."""
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from wallet.models import Credential

    plan = Plan.of(credentials)
    result = ScaleResult(connection.vendor, 0.0, recheck_rate=settings.SATCHEL_RECHECK_RATE)
    sizes = sorted({max(1, credentials // 10), credentials})
    for size in sizes:
        start = time.monotonic()
        made = generate(plan, size, log=log)
        result.generated_seconds += time.monotonic() - start
        if log is not None:
            log(f"{size} credentials: {made} generated now ({time.monotonic() - start:.0f} s)")
        vacuum_credentials()
        pages, focus_queries, small_queries = time_pages(plan, size, requests)
        learners = len(plan.upto(size))
        holders = None if size == credentials else [_email(n) for n in range(learners)]
        worked = sweeper(log, holders) if sweep_credentials and sweeper else None
        done = worked.sweep if worked else None
        stored = Credential.objects.filter(parent=None)
        point = Point(
            (stored.filter(owner__email__in=holders) if holders else stored).count(),
            learners,
            plan.upto(size)[0][1],
            pages,
            focus_queries,
            small_queries,
            done,
            worked,
        )
        result.points.append(point)
        if log is not None:  # as it comes, so a long run that is cut short still says it
            log(
                f"  at {point.credentials} credentials: "
                + ", ".join(f"{p.name} p95 {p.p95_ms:.0f} ms" for p in pages)
                + f", queries {focus_queries}/{small_queries}"
                + (f", re-check {done.seconds:.0f} s, fetches {done.fetches}" if done else "")
            )
    if rss_requests:
        result.rss_requests = rss_requests
        result.web_rss_mb = web_rss(rss_requests)
    if rss_imports and import_memory:
        result.rss_imports = rss_imports
        runner, first, last, seconds = import_memory(rss_imports)
        result.worker_runner, result.worker_rss_mb = runner, (first, last)
        result.worker_import_seconds = seconds
        # Their learners are the measurement's own: a kept database holds the plan alone.
        User.objects.filter(email__startswith=WORKER_LEARNERS).delete()
    return result


def vacuum_credentials() -> None:
    """On PostgreSQL, vacuum the credential table and refresh its statistics, as autovacuum
    has long done by the time a day's re-check comes round in production. Here sweeps run back
    to back (two per run, and a kept database's runs one after another), each rewriting every
    row, and a run measured on the dead rows of the last one is not comparable (measured: the
    table grew from 109 MB to 1,154 MB over one session's runs)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) wallet_credential")


@contextmanager
def scale_database(credentials: int, *, keep: bool) -> Iterator[str]:
    """A migrated database for the section, named after its size; kept (and reused by the
    next run) when `keep`, else dropped at the end. Yields its name."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    plan = Plan.of(credentials).name
    folder = Path(tempfile.mkdtemp(prefix="satchel-scale-"))
    setup_test_environment(debug=False)
    test_settings = connection.settings_dict.setdefault("TEST", {})
    had_name, old_test_name = "NAME" in test_settings, test_settings.get("NAME")
    if connection.vendor == "sqlite":
        where = (record.bench_folder() if keep else folder) / f"scale-{plan}.sqlite3"
        test_settings["NAME"] = str(where)
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_scale_{plan}"
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=keep
    )
    try:
        yield str(connection.settings_dict["NAME"])
    finally:
        if keep:
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if had_name:
            test_settings["NAME"] = old_test_name
        else:
            test_settings.pop("NAME", None)
        teardown_test_environment()
        shutil.rmtree(folder, ignore_errors=True)
