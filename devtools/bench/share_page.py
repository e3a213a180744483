"""How fast the employer's page and its signed presentations are served (a benchmark, not a test).

`bench_share_page()` builds a throwaway deployment and measures it over loopback only:

1. a temporary SQLite database, migrated, holding the demo earner (`devtools.demo`) with a link
   to ten of their credentials; static files collected as production does (DEBUG off);
2. `gunicorn config.wsgi -w 2` on 127.0.0.1 and a free port, with its own secret keys;
3. `wrk --latency` against `/healthz` (a trivial Django view: one SELECT 1) and, in the
   same run, against `/s/<token>`, in alternating windows (see `_alternating`): the ratio is
   taken per pair of neighbouring windows, and its median and spread are reported. Every
   request to the share page comes from another client (a fresh X-Forwarded-For, with one
   trusted proxy configured), so each is logged as a new visit: repeats by one client, which
   are logged once per window, would measure a cheaper path than real traffic takes.
4. `/s/<token>/presentation?challenge=...` of links showing 1, 3 and 10 credentials, with a
   fresh challenge on every request (a Lua script), so each response is signed anew; the
   three sizes in alternating windows too, each reported as the median and spread of its
   windows.

The machine's load average (`os.getloadavg`) is recorded before and after each phase: the
benchmark shares its cores with whatever else runs, and the figures are read beside it.
With REDIS_URL set, the servers use that Redis as their cache (as production does);
otherwise each process keeps its own cache in memory.

Every phase is bounded (`seconds` each); the server and the temporary files are removed at
the end. Run it alone with `python -m devtools.bench.share_page [seconds]`. Needs `wrk` on PATH.

`python -m devtools.bench.share_page [seconds] --database-url postgres://.../benchshare` runs the
same against another database instead of the temporary SQLite file. That database must be
a throwaway one, empty at the start: the benchmark migrates it and seeds the demo earner.

Data setup runs in a child process (`python -m devtools.bench.share_page --seed`), so the database
of the calling process is never touched.
"""

from __future__ import annotations

import json
import os
import re
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
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
TARGET_RATIO = 0.7
TARGET_PRESENTATIONS = 300  # per second, for a link showing 3 credentials
# SQLite as it should run under several server processes: write-ahead log (readers never
# wait for a writer, a commit is an append without fsync) and writers that take the lock at
# BEGIN instead of failing with "database is locked" mid-transaction.
SQLITE_OPTIONS = (
    "?init_command=PRAGMA%20journal_mode%3DWAL%3B%20PRAGMA%20synchronous%3DNORMAL"
    "&transaction_mode=IMMEDIATE"
)
SHARED_CREDENTIALS = 10
# Links whose signed presentations are measured, by how many credentials they present.
PRESENTATION_SIZES = (1, 3, 10)
# The trivial view and the share page (and each presentation size) are measured in this many
# alternating windows each: the ratio of two back-to-back runs swung by up to 2x on a shared
# machine, so one pair of windows says little, and the median of several says more.
ROUNDS = 4
# Each request from another client address: thread ids keep the two wrk threads apart, and
# a random start keeps each run (each window) apart from the ones before it.
_DISTINCT_CLIENTS_SCRIPT = """
math.randomseed(os.time())
local start = math.random(0, 8000000) * 2
local threads = 0
function setup(thread)
  thread:set("id", start + threads)
  threads = threads + 1
end
counter = 0
request = function()
  counter = counter + 1
  local n = counter * 2 + id
  local address = string.format(
    "10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256
  )
  return wrk.format("GET", nil, {["X-Forwarded-For"] = address})
end
"""
_PRESENTATION_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local challenge = "bench-" .. counter .. "-" .. math.random(1, 1000000000)
  return wrk.format("GET", "%s?challenge=" .. challenge)
end
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(
    folder: Path, port: int, database_url: str | None, redis_url: str | None = None
) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "SATCHEL_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SATCHEL_ENV_FILE": str(folder / "none.env"),
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite3'}{SQLITE_OPTIONS}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SATCHEL_PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
            "SATCHEL_TRUSTED_PROXY_COUNT": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(BASE_DIR),
        }
    )
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _prepare(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, collect static files, seed; return the tokens the child process made."""
    python = sys.executable
    _run([python, "manage.py", "migrate", "--noinput"], env)
    _run([python, "manage.py", "collectstatic", "--noinput"], env)
    output = _run([python, "-m", "devtools.bench.share_page", "--seed"], env)
    return json.loads(output.strip().splitlines()[-1])


def _wait_ready(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _warm(urls: list[str], rounds: int = 6) -> None:
    for _ in range(rounds):
        for url in urls:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - loopback only
                answer.read()


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50/p99 latency (ms), and every kind of error wrk reports."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_second": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "p50_ms": _duration_ms(p50.group(1)) if p50 else None,
        "p99_ms": _duration_ms(p99.group(1)) if p99 else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class ServerCPU:
    """The CPU the servers use: the gunicorn workers, and on PostgreSQL the database server's
    processes serving them. What a request costs the machine, apart from the load generator;
    a figure the rest of the machine's load disturbs far less than requests per second."""

    def __init__(self, masters: list[int], database_url: str | None = None) -> None:
        self.masters = masters
        self.database_url = database_url

    def _database_pids(self) -> list[int]:
        if not self.database_url:
            return []
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]

    def seconds(self) -> float:
        pids = [child for master in self.masters for child in _children(master)]
        return sum(_process_cpu(pid) for pid in pids + self._database_pids())


def _wrk(
    url: str,
    seconds: int,
    connections: int,
    script: Path | None = None,
    cpu: ServerCPU | None = None,
) -> dict[str, Any]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    before = cpu.seconds() if cpu is not None else 0.0
    done = subprocess.run(  # noqa: S603 - wrk from PATH against loopback
        [*args, url], capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    used = cpu.seconds() - before if cpu is not None else 0.0
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr[-1000:]}")
    result = parse_wrk(done.stdout)
    if cpu is not None and result["requests"]:
        result["server_cpu_ms"] = round(used * 1000 / result["requests"], 4)
    return result


def _combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several wrk runs of one URL as one: totals, the worst of their percentiles, and the
    median and spread of the windows' rates."""
    seconds = sum(
        r["requests"] / r["requests_per_second"] for r in runs if r["requests_per_second"]
    )
    requests = sum(r["requests"] for r in runs)
    worst = {
        k: max((r[k] for r in runs if r[k] is not None), default=None) for k in ("p50_ms", "p99_ms")
    }
    rates = [r["requests_per_second"] for r in runs]
    cpu = [r["server_cpu_ms"] for r in runs if "server_cpu_ms" in r]
    return {
        "server_cpu_ms_per_request": round(statistics.median(cpu), 4) if cpu else None,
        "requests_per_second": round(requests / seconds, 2) if seconds else 0.0,
        "requests": requests,
        **worst,
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "windows_requests_per_second": rates,
        "median_requests_per_second": round(statistics.median(rates), 2) if rates else 0.0,
        "spread_requests_per_second": [min(rates), max(rates)] if rates else [0.0, 0.0],
    }


def _alternating(
    urls: list[tuple[str, Path | None]],
    seconds: int,
    connections: int,
    rounds: int = ROUNDS,
    cpu: ServerCPU | None = None,
) -> list[list[dict[str, Any]]]:
    """Each URL (with its wrk script) for `seconds` in all, in alternating windows (A B A B
    ...), so that a change in the machine's background load during the run weighs on all
    alike. Returns each URL's windows in order."""
    window = max(1, seconds // rounds)
    runs: list[list[dict[str, Any]]] = [[] for _ in urls]
    for _ in range(rounds):
        for n, (url, script) in enumerate(urls):
            runs[n].append(_wrk(url, window, connections, script, cpu))
    return runs


def _ratios(numerators: list[dict[str, Any]], denominators: list[dict[str, Any]]) -> list[float]:
    """The ratio of each pair of neighbouring windows."""
    return [
        round(a["requests_per_second"] / b["requests_per_second"], 3)
        for a, b in zip(numerators, denominators, strict=True)
        if b["requests_per_second"]
    ]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(workers)]
    return subprocess.Popen(  # noqa: S603 - our own interpreter running gunicorn
        [*command, "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop_server(server: subprocess.Popen[bytes] | None) -> None:
    """A clean shutdown (SIGTERM: gunicorn lets each worker finish and exit)."""
    if server is None:
        return
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=15)


def bench_share_page(
    *,
    seconds: int = 8,
    connections: int = 8,
    workers: int = 2,
    database_url: str | None = None,
    redis_url: str | None = None,
    rounds: int = ROUNDS,
) -> dict:
    """Measure the share page against a trivial view, and fresh signed presentations.

    Returns requests/s, p50/p99 latency and errors for each, the share/trivial ratio (the
    median of its windows, target >= TARGET_RATIO), and presentations signed per second for
    each size. `database_url`: an empty, throwaway database to use instead of a temporary
    SQLite file; `redis_url`: the cache the servers share.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    folder = Path(tempfile.mkdtemp(prefix="satchel-bench-"))
    port = _free_port()
    env = _environment(folder, port, database_url, redis_url)
    server = None
    load: dict[str, float] = {"start": _load()}
    try:
        seeded = _prepare(env)
        token = seeded["token"]
        server = _start_server(env, port, workers)
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base)
        page = f"{base}/s/{token}"
        presenting = {int(n): t for n, t in seeded["presentations"].items()}
        _warm(
            [f"{base}/healthz", page] + [f"{base}/s/{t}/presentation" for t in presenting.values()]
        )
        visitors = folder / "distinct_clients.lua"
        visitors.write_text(_DISTINCT_CLIENTS_SCRIPT)
        load["before_page"] = _load()
        cpu = ServerCPU([server.pid], database_url)
        trivial_runs, page_runs = _alternating(
            [(f"{base}/healthz", None), (page, visitors)], seconds, connections, rounds, cpu
        )
        load["after_page"] = _load()
        urls: list[tuple[str, Path | None]] = []
        for size, link in presenting.items():
            script = folder / f"fresh_challenge_{size}.lua"
            script.write_text(_PRESENTATION_SCRIPT % f"/s/{link}/presentation")
            urls.append((f"{base}/s/{link}/presentation", script))
        signed_runs = _alternating(urls, seconds * len(urls), connections, rounds, cpu)
        load["after_presentations"] = _load()
    finally:
        _stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    trivial, share_page = _combined(trivial_runs), _combined(page_runs)
    ratios = _ratios(page_runs, trivial_runs)
    ratio = statistics.median(ratios) if ratios else 0.0
    trivial_cpu, page_cpu = (
        trivial["server_cpu_ms_per_request"],
        share_page["server_cpu_ms_per_request"],
    )
    cpu_ratio = round(trivial_cpu / page_cpu, 3) if trivial_cpu and page_cpu else None
    by_size = {size: _combined(runs) for size, runs in zip(presenting, signed_runs, strict=True)}
    three = by_size.get(3, {}).get("median_requests_per_second", 0.0)
    everything = [trivial, share_page, *by_size.values()]
    return {
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "cache": "redis" if env.get("REDIS_URL") else "process memory",
        "seconds": seconds,
        "rounds": rounds,
        "connections": connections,
        "workers": workers,
        "shared_credentials": SHARED_CREDENTIALS,
        "trivial": trivial,
        "share_page": share_page,
        "ratio": round(ratio, 3),
        "ratio_windows": ratios,
        "ratio_spread": [min(ratios), max(ratios)] if ratios else [0.0, 0.0],
        "cpu_ratio": cpu_ratio,
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "presentations_by_size": by_size,
        "presentations": by_size.get(3, {}),
        "presentations_per_second": three,
        "target_presentations": TARGET_PRESENTATIONS,
        "presentations_meet_target": three >= TARGET_PRESENTATIONS,
        "load": load,
        "errors": sum(r["non_2xx"] + r["socket_errors"] for r in everything),
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(result: dict[str, Any]) -> list[str]:
    """The lines `manage.py bench` prints for `bench_share_page`'s result."""
    load = result["load"]
    lines = [
        f"{result['shared_credentials']} shared credentials, gunicorn -w {result['workers']}, "
        f"wrk {result['connections']} connections, {result['rounds']} alternating windows "
        f"per URL ({result['seconds']} s per URL), {result['database']}, cache: "
        f"{result['cache']}",
        "load average (1 min): " + ", ".join(f"{k} {v:.2f}" for k, v in load.items()),
        f"{'endpoint':<34} {'req/s':>7} {'median':>7} {'spread':>13} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'cpu ms':>7}",
    ]
    rows = [
        ("trivial view (/healthz)", result["trivial"]),
        ("share page (/s/<token>)", result["share_page"]),
    ]
    for size, row in result["presentations_by_size"].items():
        plural = "credential" if size == 1 else "credentials"
        rows.append((f"presentation, {size} {plural}", row))
    for name, row in rows:
        low, high = row["spread_requests_per_second"]
        lines.append(
            f"{name:<34} {row['requests_per_second']:>7.0f} "
            f"{row['median_requests_per_second']:>7.0f} {f'{low:.0f}-{high:.0f}':>13} "
            f"{_ms(row['p50_ms']):>7} {_ms(row['p99_ms']):>7} "
            f"{row['non_2xx'] + row['socket_errors']:>6} "
            f"{_cpu(row.get('server_cpu_ms_per_request')):>7}"
        )
    low, high = result["ratio_spread"]
    verdict = "ok" if result["meets_target"] and not result["errors"] else "MISSED"
    lines.append(
        f"share page / trivial view: median {result['ratio']:.2f} over the windows "
        f"(spread {low:.2f}-{high:.2f}; target >= {result['target_ratio']}, no errors; "
        f"errors: {result['errors']}): {verdict}"
    )
    if result.get("cpu_ratio"):
        lines.append(
            f"server CPU per request, trivial view / share page: {result['cpu_ratio']:.2f} "
            "(cpu ms: the gunicorn workers' and the database server's CPU time per request, "
            "median of the windows; less disturbed by other load than req/s)"
        )
    verdict = "ok" if result["presentations_meet_target"] else "MISSED"
    lines.append(
        f"signed presentations per second, 3 credentials: median "
        f"{result['presentations_per_second']:.0f} (target >= "
        f"{result['target_presentations']}): {verdict}"
    )
    return lines


def _seed() -> None:
    """In the child process: the demo earner, a link to ten of their credentials, and one
    link for each presentation size, showing that many credentials a presentation carries."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from devtools.demo import seed_demo
    from sharing.presentations import is_presentable
    from sharing.services import share_create
    from wallet.models import Credential

    user = seed_demo().user
    live = list(
        Credential.objects.filter(owner=user, parent__isnull=True, deleted_at__isnull=True)
        .order_by("pk")
        .only("pk", "format")
    )
    chosen = [c.pk for c in live[:SHARED_CREDENTIALS]]
    _share, token = share_create(
        owner=user, audience="Benchmark", credential_ids=chosen, display_name="Dana Learner"
    )
    presentable = [c.pk for c in live if is_presentable(c)]
    presentations = {}
    for size in PRESENTATION_SIZES:
        if len(presentable) < size:
            raise RuntimeError(f"the demo record has fewer than {size} presentable credentials")
        _link, presentations[size] = share_create(
            owner=user, audience=f"Presentations of {size}", credential_ids=presentable[:size]
        )
    # For the horizontal section: a link to revoke through one server and open through the
    # other, and an API token of the earner's to revoke it with.
    from rest_framework.authtoken.models import Token

    revocable, revocable_token = share_create(
        owner=user, audience="Revoked through one server", credential_ids=chosen[:3]
    )
    api_token = Token.objects.create(user=user).key
    print(
        json.dumps(
            {
                "token": token,
                "credentials": len(chosen),
                "presentations": presentations,
                "revocable": {"id": revocable.pk, "token": revocable_token},
                "api_token": api_token,
            }
        )
    )


def _count_views(token: str) -> None:
    """In the child process: how many page openings the link's access log holds."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from sharing.models import ShareView
    from sharing.selectors import share_by_token

    share = share_by_token(token=token)
    print(ShareView.objects.filter(share=share, kind=ShareView.Kind.PAGE).count())


if __name__ == "__main__":
    if sys.argv[1:] == ["--seed"]:
        _seed()
    elif sys.argv[1:2] == ["--count-views"]:
        _count_views(sys.argv[2])
    else:
        arguments = sys.argv[1:]
        url = None
        if "--database-url" in arguments:
            at = arguments.index("--database-url")
            url = arguments[at + 1]
            del arguments[at : at + 2]
        duration = int(arguments[0]) if arguments else 8
        result = bench_share_page(
            seconds=duration, database_url=url, redis_url=os.environ.get("REDIS_URL")
        )
        print("\n".join(report(result)))
