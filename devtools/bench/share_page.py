"""How fast the employer's page and its signed presentations are served (a benchmark, not a test).

`bench_share_page()` builds a throwaway deployment and measures it over loopback only:

1. a temporary SQLite database, migrated, holding the demo earner (`devtools.demo`) with a link
   to ten of their credentials; static files collected as production does (DEBUG off);
2. `gunicorn config.wsgi -w 2` on 127.0.0.1 and a free port, with its own secret keys;
3. `wrk --latency` against `/healthz` (a trivial Django view: one SELECT 1) and, in the
   same run, against `/s/<token>`, in alternating windows (see `_alternating`); then against
   `/s/<token>/presentation?challenge=...` with a fresh challenge on every request (a Lua
   script), so each response is signed anew. Every request to the share page comes from
   another client (a fresh X-Forwarded-For, with one trusted proxy configured), so each
   is logged as a new visit: repeats by one client, which are logged once per window, would
   measure a cheaper path than real traffic takes.

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
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
TARGET_RATIO = 0.5
# SQLite as it should run under several server processes: write-ahead log (readers never
# wait for a writer, a commit is an append without fsync) and writers that take the lock at
# BEGIN instead of failing with "database is locked" mid-transaction.
SQLITE_OPTIONS = (
    "?init_command=PRAGMA%20journal_mode%3DWAL%3B%20PRAGMA%20synchronous%3DNORMAL"
    "&transaction_mode=IMMEDIATE"
)
SHARED_CREDENTIALS = 10
# The trivial view and the share page are measured in this many alternating windows each.
ROUNDS = 2
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


def _environment(folder: Path, port: int, database_url: str | None) -> dict[str, str]:
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
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _prepare(env: dict[str, str]) -> str:
    python = sys.executable
    _run([python, "manage.py", "migrate", "--noinput"], env)
    _run([python, "manage.py", "collectstatic", "--noinput"], env)
    output = _run([python, "-m", "devtools.bench.share_page", "--seed"], env)
    return json.loads(output.strip().splitlines()[-1])["token"]


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


def _wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> dict[str, Any]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    done = subprocess.run(  # noqa: S603 - wrk from PATH against loopback
        [*args, url], capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr[-1000:]}")
    return parse_wrk(done.stdout)


def _combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several wrk runs of one URL as one: totals, and the worst of their percentiles."""
    seconds = sum(
        r["requests"] / r["requests_per_second"] for r in runs if r["requests_per_second"]
    )
    requests = sum(r["requests"] for r in runs)
    worst = {
        k: max((r[k] for r in runs if r[k] is not None), default=None) for k in ("p50_ms", "p99_ms")
    }
    return {
        "requests_per_second": round(requests / seconds, 2) if seconds else 0.0,
        "requests": requests,
        **worst,
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "windows_requests_per_second": [r["requests_per_second"] for r in runs],
    }


def _alternating(
    first: str,
    second: str,
    seconds: int,
    connections: int,
    rounds: int = ROUNDS,
    second_script: Path | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both URLs for `seconds` each, in alternating windows (A B A B ...), so that a change
    in the machine's background load during the run weighs on both alike; the ratio of
    two back-to-back windows swung by up to 2x on a shared machine."""
    window = max(1, seconds // rounds)
    runs: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for _ in range(rounds):
        runs[0].append(_wrk(first, window, connections))
        runs[1].append(_wrk(second, window, connections, second_script))
    return _combined(runs[0]), _combined(runs[1])


def bench_share_page(
    *,
    seconds: int = 10,
    connections: int = 8,
    workers: int = 2,
    database_url: str | None = None,
) -> dict:
    """Measure the share page against a trivial view, and fresh signed presentations.

    Returns requests/s, p50/p99 latency and errors for each, the share/trivial ratio (target
    >= 0.5), and presentations signed per second. `database_url`: an empty, throwaway
    database to use instead of a temporary SQLite file.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    folder = Path(tempfile.mkdtemp(prefix="satchel-bench-"))
    port = _free_port()
    env = _environment(folder, port, database_url)
    server = None
    try:
        token = _prepare(env)
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(workers)]
        server = subprocess.Popen(  # noqa: S603 - our own interpreter running gunicorn
            [*command, "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base)
        page, presentation = f"{base}/s/{token}", f"{base}/s/{token}/presentation"
        _warm([f"{base}/healthz", page, presentation])
        visitors = folder / "distinct_clients.lua"
        visitors.write_text(_DISTINCT_CLIENTS_SCRIPT)
        trivial, share_page = _alternating(
            f"{base}/healthz", page, seconds, connections, second_script=visitors
        )
        script = folder / "fresh_challenge.lua"
        script.write_text(_PRESENTATION_SCRIPT % f"/s/{token}/presentation")
        signed = _wrk(presentation, seconds, connections, script)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(folder, ignore_errors=True)
    ratio = (
        share_page["requests_per_second"] / trivial["requests_per_second"]
        if trivial["requests_per_second"]
        else 0.0
    )
    return {
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "seconds": seconds,
        "connections": connections,
        "workers": workers,
        "shared_credentials": SHARED_CREDENTIALS,
        "trivial": trivial,
        "share_page": share_page,
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "presentations": signed,
        "presentations_per_second": signed["requests_per_second"],
        "errors": sum(r["non_2xx"] + r["socket_errors"] for r in (trivial, share_page, signed)),
    }


def _seed() -> None:
    """In the child process: the demo earner and a link to ten of their credentials."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from devtools.demo import seed_demo
    from sharing.services import share_create
    from wallet.models import Credential

    user = seed_demo().user
    chosen = list(
        Credential.objects.filter(owner=user, parent__isnull=True, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:SHARED_CREDENTIALS]
    )
    _share, token = share_create(
        owner=user, audience="Benchmark", credential_ids=chosen, display_name="Dana Learner"
    )
    print(json.dumps({"token": token, "credentials": len(chosen)}))


if __name__ == "__main__":
    if sys.argv[1:] == ["--seed"]:
        _seed()
    else:
        arguments = sys.argv[1:]
        url = None
        if "--database-url" in arguments:
            at = arguments.index("--database-url")
            url = arguments[at + 1]
            del arguments[at : at + 2]
        duration = int(arguments[0]) if arguments else 10
        print(json.dumps(bench_share_page(seconds=duration, database_url=url), indent=2))
