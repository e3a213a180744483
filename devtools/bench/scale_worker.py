"""The scale section's background work on real processes (figures, never tests):

- the daily re-check run by a worker: with REDIS_URL, a Celery worker started as `make worker`
  starts one (`celery -A config worker`, two pool processes: the worker process pair), given
  the task `wallet.tasks.reverify_due` through the broker; without it (the embedded default,
  where tasks run eagerly), a child process running that task;
- the employer's page served by gunicorn (two workers) while that re-check runs: wrk against
  the page and the trivial view in alternating windows before the re-check and during it
  (the machine saturated), then the page's latency at a steady rate well below what it can
  serve (`steady_latency`, the load of a working day), before the re-check and during it;
- the memory of such a worker (RSS of each pool process) importing `imports` files as ZIP
  archives of 1,000 (each a new learner's) sent to it through the broker.

The child processes use the section's database, and Redis database 15 of REDIS_URL's server
(emptied at the start) as their broker and cache, so nothing queued elsewhere reaches them.
What the re-check fetches is counted across processes: the scale fetcher appends each URL it
is asked for to the file named by SATCHEL_SCALE_FETCH_LOG.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.bench import record, scale, share_page

WINDOW_SECONDS = 3
# The steady load: requests a second, sent on schedule whatever the answers (open loop), for
# this many seconds before the re-check and again during it.
STEADY_RATE = 150
STEADY_SECONDS = 20
BASELINE_ROUNDS = 4
# Windows measured while the re-check runs; after them the re-check finishes alone (wrk
# saturating the page for the whole run is no day's traffic, and would stretch the run).
DURING_ROUNDS = 8
SCALE_REDIS_DB = 15


@dataclass
class PageWindows:
    """wrk windows of the trivial view and the share page (alternating), as measured."""

    trivial: list[dict[str, Any]] = field(default_factory=list)
    page: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        rates = [w["requests_per_second"] for w in self.page]
        ratios = share_page._ratios(self.page, self.trivial)
        return {
            "page_median_requests_per_second": round(statistics.median(rates), 1) if rates else 0,
            "page_spread": [min(rates), max(rates)] if rates else [0, 0],
            "ratio": round(statistics.median(ratios), 3) if ratios else 0.0,
            "page_p99_ms": max((w["p99_ms"] or 0 for w in self.page), default=0),
            "page_cpu_ms": statistics.median(
                [w["server_cpu_ms"] for w in self.page if "server_cpu_ms" in w] or [0.0]
            ),
            "errors": sum(w["non_2xx"] + w["socket_errors"] for w in self.page + self.trivial),
            "windows": len(self.page),
        }


@dataclass
class WorkerSweep:
    """The re-check on a worker, and the employer's page before and during it."""

    runner: str
    sweep: scale.Sweep
    worker_rss_mb: float
    before: dict[str, Any]
    during: dict[str, Any]
    load: dict[str, float]
    steady_before: dict[str, Any] = field(default_factory=dict)
    steady_during: dict[str, Any] = field(default_factory=dict)


def steady_latency(url: str, rate: int, seconds: int) -> dict[str, Any]:
    """The page's latency when `rate` requests a second are sent on schedule for `seconds`
    (each from a client address of its own, through the trusted proxy header): percentiles
    in ms, counted from when each request was due, so a server that falls behind shows it
    (no coordinated omission); and how many failed."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def send(n: int, due: float) -> None:
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        request = urllib.request.Request(url, headers={"X-Forwarded-For": address})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
                answer.read()
        except OSError:
            with lock:
                failed[0] += 1
        with lock:
            latencies.append(time.perf_counter() - due)

    start = time.perf_counter() + 0.1
    with ThreadPoolExecutor(max_workers=32) as pool:
        for n in range(rate * seconds):
            due = start + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(send, n, due)
    return {
        "rate": rate,
        "seconds": seconds,
        **{
            f"p{percent}_ms": round(record._percentile(latencies, percent) * 1000, 1)
            for percent in (50, 90, 99)
        },
        "failed": failed[0],
    }


def scale_redis_url() -> str | None:
    from django.conf import settings

    url: str | None = settings.REDIS_URL
    if not url:
        return None
    return urlsplit(url)._replace(path=f"/{SCALE_REDIS_DB}", query="").geturl()


def _environment(folder: Path, port: int = 0) -> dict[str, str]:
    env = scale._child_env(scale._database_url(), port)
    env["SATCHEL_SCALE_FETCH_LOG"] = str(folder / "fetched.log")
    env["SATCHEL_TRUSTED_PROXY_COUNT"] = "1"
    redis_url = scale_redis_url()
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _flush(redis_url: str | None) -> None:
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()


def _python(env: dict[str, str], code: str, timeout: float = 600) -> str:
    """Run `code` in a child process with Django set up; its output."""
    return share_page._run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"], env, timeout
    )


_ANSWERS = """
from config.celery import app
if not any(app.control.ping(timeout=1) for _ in range(120)):
    raise SystemExit("the Celery worker did not answer a ping in two minutes")
"""


@contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker with two pool processes, answering a ping before it is yielded."""
    celery = str(Path(sys.executable).with_name("celery"))
    worker = subprocess.Popen(  # noqa: S603 - fixed program and arguments
        [celery, "-A", "config", "worker", "-c", "2", "-P", "prefork", "--loglevel", "warning"],
        env=env,
        cwd=scale.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _python(env, _ANSWERS, 180)
        yield worker
    finally:
        share_page._stop_server(worker)


def _pool_rss(worker: subprocess.Popen[bytes]) -> float:
    """The largest RSS (MB) of the worker's pool processes."""
    return max((scale._rss_mb(pid) for pid in share_page._children(worker.pid)), default=0.0)


def _due_count() -> int:
    from django.db.models import Q
    from django.utils import timezone

    from wallet.models import Credential
    from wallet.services.reverify import RECHECK_AFTER

    return (
        Credential.objects.filter(parent=None, deleted_at=None)
        .filter(Q(checked_at__lt=timezone.now() - RECHECK_AFTER) | Q(checked_at__isnull=True))
        .count()
    )


class _Watch(threading.Thread):
    """Polls until nothing is due: the time the re-check took, from its start."""

    def __init__(self, started: float) -> None:
        super().__init__(daemon=True)
        self.started = started
        self.seconds: float | None = None

    def run(self) -> None:
        from django.db import connection

        try:
            while _due_count():
                time.sleep(0.5)
            self.seconds = time.perf_counter() - self.started
        finally:
            connection.close()


def _windows(base: str, token: str, script: Path, cpu: Any, rounds: int, stop: Any) -> PageWindows:
    measured = PageWindows()
    for _ in range(rounds):
        if stop():
            break
        measured.trivial.append(share_page._wrk(f"{base}/healthz", WINDOW_SECONDS, 8, None, cpu))
        measured.page.append(share_page._wrk(f"{base}/s/{token}", WINDOW_SECONDS, 8, script, cpu))
    return measured


def _share_link() -> str:
    """A link to ten credentials of a ten-credential learner (learner 1 of the plan; the focus
    learner's while only it has any)."""
    from accounts.models import User
    from sharing.services import share_create
    from wallet.models import Credential

    learners = User.objects.filter(email__in=[scale._email(1), scale._email(0)])
    owner = min(learners, key=lambda user: user.email != scale._email(1))
    chosen = list(
        Credential.objects.filter(owner=owner, parent=None, deleted_at=None).values_list(
            "pk", flat=True
        )[:10]
    )
    _link, token = share_create(owner=owner, audience="Scale bench", credential_ids=chosen)
    return token


def sweep_with_page(
    log: Callable[[str], None] | None = None, learners: list[str] | None = None
) -> WorkerSweep:
    """Make every credential due (of these `learners`, by email, when given: a kept database
    holds more than the point measured), then measure the employer's page, start the re-check
    on a worker, measure the page again while it runs, and wait for it to finish."""
    from wallet.models import Credential, VerificationRun

    folder = Path(tempfile.mkdtemp(prefix="satchel-scale-sweep-"))
    port = scale._free_port()
    env = _environment(folder, port)
    redis_url = env.get("REDIS_URL")
    _flush(redis_url)
    token = _share_link()
    server = None
    load = {"start": share_page._load()}
    try:
        _python(
            env,
            "from django.core.management import call_command\n"
            "call_command('collectstatic', '--noinput', verbosity=0)",
            300,
        )
        server = share_page._start_server(env, port, 2)
        base = f"http://127.0.0.1:{port}"
        share_page._wait_ready(base)
        share_page._warm([f"{base}/healthz", f"{base}/s/{token}"])
        script = folder / "distinct_clients.lua"
        script.write_text(share_page._DISTINCT_CLIENTS_SCRIPT)
        cpu = share_page.ServerCPU([server.pid])
        before = _windows(base, token, script, cpu, BASELINE_ROUNDS, lambda: False)
        steady_before = steady_latency(f"{base}/s/{token}", STEADY_RATE, STEADY_SECONDS)
        load["before_sweep"] = share_page._load()

        from django.utils import timezone

        made_due = Credential.objects.all()
        if learners is not None:
            made_due = made_due.filter(owner__email__in=learners)
            # Nothing else due, whatever an interrupted run of a kept database left behind.
            Credential.objects.exclude(owner__email__in=learners).update(checked_at=timezone.now())
        made_due.update(checked_at=timezone.now() - timedelta(hours=36))
        scale.vacuum_credentials()  # what making them due left behind
        fetched = Path(env["SATCHEL_SCALE_FETCH_LOG"])
        fetched.write_text("")
        runs = VerificationRun.objects.count()
        with _sweep_runner(env, redis_url) as (runner, process):
            started = time.perf_counter()
            watch = _Watch(started)
            watch.start()
            during = _windows(
                base, token, script, cpu, DURING_ROUNDS, lambda: watch.seconds is not None
            )
            steady_during = steady_latency(f"{base}/s/{token}", STEADY_RATE, STEADY_SECONDS)
            load["during_sweep"] = share_page._load()
            if log is not None:
                log(f"  re-check on {runner}: page measured during it, now waiting for the end")
            watch.join()
            rss = _pool_rss(process) if runner.startswith("Celery") else 0.0
        fetches = Counter(line for line in fetched.read_text().splitlines() if line)
        count = made_due.filter(parent=None, deleted_at=None).count()
        return WorkerSweep(
            runner,
            scale.Sweep(
                count, watch.seconds or 0.0, dict(fetches), VerificationRun.objects.count() - runs
            ),
            rss,
            before.summary(),
            during.summary(),
            load,
            steady_before,
            steady_during,
        )
    finally:
        share_page._stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _sweep_runner(
    env: dict[str, str], redis_url: str | None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the re-check: on a Celery worker through the broker when there is one, else in a
    child process running the task's body (as an eager worker would)."""
    if redis_url:
        with celery_worker(env) as worker:
            _python(env, "from config.celery import enqueue\nenqueue('wallet.tasks.reverify_due')")
            yield "Celery worker (2 pool processes)", worker
        return
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\nfrom wallet.tasks import reverify_due\nreverify_due()",
        ],
        env=env,
        cwd=scale.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield "a child process (no broker)", child
        child.wait(timeout=3600)
        if child.returncode:
            errors = child.stderr.read().decode()[-800:] if child.stderr else ""
            raise RuntimeError(f"the re-check process failed: {errors}")
    finally:
        if child.poll() is None:
            child.kill()


_FEED = """
import json
from devtools.bench import record
from intake.services.zips import zip_batch_create
files = record.import_files({size})
data = record.zip_of(files)
ids = []
for n in range({archives}):
    owner = record._earner(f"{prefix}{{n}}-{token}@x.example")
    ids.append(zip_batch_create(owner=owner, data=data, filename="w.zip").pk)
print(json.dumps(ids))
"""


def worker_imports_rss(imports: int) -> tuple[str, float, float, float]:
    """A fresh Celery worker importing `imports` files in archives of up to 1,000: the runner,
    its pool processes' largest RSS (MB) after the first archive and at the end, and the
    seconds it took. Without a broker the task runs in a child process (scale.worker_rss)."""
    import secrets

    from intake.models import ImportBatch

    folder = Path(tempfile.mkdtemp(prefix="satchel-scale-imports-"))
    env = _environment(folder)
    redis_url = env.get("REDIS_URL")
    if not redis_url:
        first, last = scale.worker_rss(imports)
        return "a child process running the task (no broker)", first, last, 0.0
    _flush(redis_url)
    size = min(imports, 1000)
    archives = max(1, imports // size)
    try:
        with celery_worker(env) as worker:
            started = time.perf_counter()
            feed = _FEED.format(
                size=size,
                archives=archives,
                token=secrets.token_hex(4),
                prefix=scale.WORKER_LEARNERS,
            )
            ids = json.loads(_python(env, feed, 900).strip().splitlines()[-1])
            first = 0.0
            ended = (ImportBatch.Status.DONE, ImportBatch.Status.FAILED)
            while True:
                statuses = list(
                    ImportBatch.objects.filter(pk__in=ids).values_list("status", flat=True)
                )
                finished = [s for s in statuses if s in ended]
                if finished and not first:
                    first = _pool_rss(worker)
                if len(finished) == len(ids):
                    break
                time.sleep(0.5)
            if ImportBatch.Status.FAILED in statuses:
                raise RuntimeError("an import batch failed on the worker")
            return (
                "Celery worker (2 pool processes)",
                first,
                _pool_rss(worker),
                time.perf_counter() - started,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
