"""Two app servers over one PostgreSQL and one Redis (a benchmark and a live check, not a test).

`bench_horizontal()` starts two gunicorn instances (each `-w 2`) on two loopback ports, with
the same database and cache, as two hosts behind a load balancer would run, and:

1. warms a link's page on both (each instance keeps the rendered page in its own memory),
   revokes the link through the earner's API on the first, and opens it on the second at
   once: the very next request must be refused (410), as must the next on the first;
2. measures the share page with one instance against both at once, in alternating windows
   (the same connections in all: all on the first, or half on each), so the figure says
   what a second instance adds on this machine. Both instances share its two cores, and the
   load generator runs there too: on one machine a second instance cannot add cores, only
   show that nothing in the shared database or cache holds the two back.

The share link's page carries each request from another client (as in `share_page`), so
every request writes to the access log. Each instance is stopped cleanly (SIGTERM), and the
log is then counted: no opening answered may be missing (`sharing/access_log.py`).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from devtools.bench import share_page as base

ROUNDS = 3
# As share_page's, for two wrk processes started in the same second (so with the same seed):
# every client address n = 4 * counter + 2 * process + thread (+ a random multiple of 4), so
# the two never send the same address, and no opening folds into another's row.
_CLIENTS_SCRIPT = """
math.randomseed(os.time())
local start = math.random(0, 4000000) * 4 + %d * 2
local threads = 0
function setup(thread)
  thread:set("id", start + threads)
  threads = threads + 1
end
counter = 0
request = function()
  counter = counter + 1
  local n = counter * 4 + id
  local address = string.format(
    "10.%%d.%%d.%%d", math.floor(n / 65536) %% 256, math.floor(n / 256) %% 256, n %% 256
  )
  return wrk.format("GET", nil, {["X-Forwarded-For"] = address})
end
"""


def _status(url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            answer.read()
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def _parallel_wrk(
    urls: list[str], seconds: int, connections: int, scripts: list[Path]
) -> list[dict]:
    """wrk against each URL at the same time; each gets `connections` connections."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    runs = [
        subprocess.Popen(  # noqa: S603 - wrk from PATH against loopback
            [*args, "-s", str(script), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for url, script in zip(urls, scripts, strict=True)
    ]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=seconds + 60)
        if run.returncode != 0:
            raise RuntimeError(f"wrk failed: {err.decode()[-1000:]}")
        results.append(base.parse_wrk(out.decode()))
    return results


def _count_views(env: dict[str, str], token: str) -> int:
    output = base._run(
        [sys.executable, "-m", "devtools.bench.share_page", "--count-views", token], env
    )
    return int(output.strip().splitlines()[-1])


def bench_horizontal(
    *, database_url: str, redis_url: str, seconds: int = 6, connections: int = 8
) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    folder = Path(tempfile.mkdtemp(prefix="satchel-bench-"))
    ports = [base._free_port(), base._free_port()]
    env = base._environment(folder, ports[0], database_url, redis_url)
    servers: list[subprocess.Popen[bytes]] = []
    load = {"start": base._load()}
    try:
        seeded = base._prepare(env)
        for port in ports:
            servers.append(base._start_server(env, port, 2))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for url in bases:
            base._wait_ready(url)
        revocable = seeded["revocable"]
        link = [f"{url}/s/{revocable['token']}" for url in bases]
        warm = [_status(url) for url in link for _ in range(3)]
        revoked = _status(
            f"{bases[0]}/api/shares/{revocable['id']}/revoke/",
            method="POST",
            headers={"Authorization": f"Token {seeded['api_token']}"},
        )
        after = {"second": _status(link[1]), "first": _status(link[0])}

        page = f"/s/{seeded['token']}"
        base._warm([url + page for url in bases])
        scripts = [folder / f"distinct_clients_{n}.lua" for n in range(2)]
        for n, script in enumerate(scripts):
            script.write_text(_CLIENTS_SCRIPT % n)
        cpu = base.ServerCPU([server.pid for server in servers], database_url)
        window = max(1, seconds // ROUNDS)
        one: list[dict] = []
        two: list[list[dict]] = []
        load["before_throughput"] = base._load()
        for _ in range(ROUNDS):
            one.append(base._wrk(bases[0] + page, window, connections, scripts[0], cpu))
            two.append(
                _parallel_wrk([url + page for url in bases], window, connections // 2, scripts)
            )
        load["after_throughput"] = base._load()
    finally:
        for server in servers:
            base._stop_server(server)
    try:
        logged = _count_views(env, seeded["token"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    answered = sum(r["requests"] for r in one) + sum(r["requests"] for pair in two for r in pair)
    one_rates = [r["requests_per_second"] for r in one]
    two_rates = [sum(r["requests_per_second"] for r in pair) for pair in two]
    errors = sum(r["non_2xx"] + r["socket_errors"] for r in one) + sum(
        r["non_2xx"] + r["socket_errors"] for pair in two for r in pair
    )
    refused = revoked == 200 and after == {"second": 410, "first": 410}
    return {
        "warm_statuses": warm,
        "revoke_status": revoked,
        "after_revoke": after,
        "revoked_refused_by_the_other": refused and all(s == 200 for s in warm),
        "one_instance": {
            "median_requests_per_second": round(statistics.median(one_rates), 1),
            "windows": one_rates,
            "server_cpu_ms_per_request": statistics.median(
                [r["server_cpu_ms"] for r in one if "server_cpu_ms" in r] or [0.0]
            ),
        },
        "two_instances": {
            "median_requests_per_second": round(statistics.median(two_rates), 1),
            "windows": two_rates,
        },
        "ratio_two_to_one": round(statistics.median(two_rates) / statistics.median(one_rates), 3)
        if statistics.median(one_rates)
        else 0.0,
        "errors": errors,
        "page_responses_counted_by_wrk": answered,
        "page_views_logged": logged,
        "no_view_lost": logged >= answered,
        "load": load,
        "connections": connections,
        "seconds": seconds,
    }


def report(result: dict[str, Any]) -> list[str]:
    after = result["after_revoke"]
    verdict = "ok" if result["revoked_refused_by_the_other"] else "FAILED"
    one, two = result["one_instance"], result["two_instances"]
    lost = "ok" if result["no_view_lost"] else "VIEWS LOST"
    return [
        "two gunicorn instances (-w 2 each) on two ports, one PostgreSQL, one Redis",
        "load average (1 min): " + ", ".join(f"{k} {v:.2f}" for k, v in result["load"].items()),
        f"a link warm on both ({result['warm_statuses']}), revoked through the first "
        f"(API answered {result['revoke_status']}): next request on the second "
        f"{after['second']}, on the first {after['first']}: {verdict}",
        f"share page, {result['connections']} connections: one instance median "
        f"{one['median_requests_per_second']:.0f} req/s {[round(x) for x in one['windows']]}, "
        f"two instances median {two['median_requests_per_second']:.0f} req/s "
        f"{[round(x) for x in two['windows']]}: x{result['ratio_two_to_one']:.2f} "
        f"(errors: {result['errors']}; both instances share this machine's cores)",
        f"after a clean stop (SIGTERM): {result['page_views_logged']} openings in the access "
        f"log for {result['page_responses_counted_by_wrk']} responses wrk counted "
        f"(plus warm-ups and any it cut off at the end): {lost}",
    ]


if __name__ == "__main__":
    import os

    print(
        json.dumps(
            bench_horizontal(database_url=sys.argv[1], redis_url=os.environ.get("REDIS_URL", "")),
            indent=2,
        )
    )
