"""`manage.py bench`: how long one verification takes, and how that compares with Node.

Ours: the median of many `verify_bytes` calls (time.perf_counter) for a typical OB 3.0
credential (~2.5 KB) and a large one (~6.5 KB) with eddsa-rdfc-2022, a VC-JWT (EdDSA), a
baked PNG, and a cached re-verification (canonical N-Quads cached by content hash through
`options.canon_cache`). Theirs, when `node` is installed: the same credentials verified by
@digitalbazaar/vc with an offline document loader serving our vendored contexts
(devtools/bench/node/).
The credentials come from a demo issuer (`devtools.demo`: fixed-seed keys, did:key, no status
list: both sides verify the same thing, the signature and its key).

What carries over between iterations of the uncached rows is only what a long-running
process keeps for any credential: processed contexts, expanded vocabulary terms, decoded
did:key keys (as jsonld.js keeps its context cache on the Node side). Nothing derived from
the credential itself does: each call gets a fresh per-verification canon cache.

Sections (`--only`): verify (the above), import (bulk ZIP import against raw verification,
with peak memory), record (the record page and API list with 5,000 credentials), share (the
employer's page under wrk, see `devtools.bench.share_page`), horizontal (two app servers over
one PostgreSQL and one Redis, see `devtools.bench.horizontal`). The import, record and share
sections run in a throwaway database (`devtools.bench.record.throwaway_database`), never the
developer's own, of the kind DATABASE_URL names: with PostgreSQL configured, a fresh database
on that server; otherwise a SQLite file. The header says which.

`--json` also writes each section's figures to var/bench/<section>-<timestamp>.json, so runs
(on either database, before and after a change) can be compared.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from devtools import demo
from devtools.bench import record as benchmarks
from wallet.verification import VerifyOptions, verify_bytes
from wallet.verification.contexts import KNOWN_CONTEXT_URLS, load_context
from wallet.verification.fetch import MapFetcher
from wallet.verification.parse.png import bake_png
from wallet.verification.proofs.jose import sign_jwt
from wallet.verifier import make_budget

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench" / "node"
TARGET_CACHED_MS = 0.2
TARGET_RATIO = 0.25
TARGET_JWT_MS = 0.4


def median_ms(run: Callable[[], Any], iterations: int) -> float:
    run()  # warm caches (contexts, key decoding) as any long-running process would have them
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


ISSUER = demo.COLLEGE
ISSUED = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
_BENCH_ACHIEVEMENT = demo.Achievement(
    "bench",
    "Test Achievement",
    "Badge",
    "Awarded for passing the test.",
    "Pass the test.",
    "T",
)


def _sized_credential(target_bytes: int) -> dict[str, Any]:
    """An OB 3.0 credential padded with realistic alignments to about `target_bytes`, signed."""
    credential = demo.ob3_body(ISSUER, _BENCH_ACHIEVEMENT, issued=ISSUED, image=False)
    achievement = credential["credentialSubject"]["achievement"]
    credential["description"] = "Awarded for completing the course and its assessed project."
    achievement["image"] = {"id": "https://issuer.example/images/badge.png", "type": "Image"}
    alignments: list[dict[str, Any]] = []
    achievement["alignment"] = alignments
    while len(json.dumps(credential)) + 650 < target_bytes:
        n = len(alignments)
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": f"Competency {n}",
                "targetUrl": f"https://case.example/uri/{n:08d}",
                "targetCode": f"C-{n:04d}",
                "targetDescription": "Demonstrates the skill described by this framework item.",
                "targetFramework": "Test Framework",
                "targetType": "CFItem",
            }
        )
    return ISSUER.sign(credential, created=ISSUED)


def _jwt() -> str:
    payload = demo.ob3_body(ISSUER, _BENCH_ACHIEVEMENT, issued=ISSUED, image=False)
    payload |= {"iss": ISSUER.did, "jti": payload["id"], "nbf": int(ISSUED.timestamp())}
    return sign_jwt(payload, private_key=ISSUER.private_key, kid=ISSUER.verification_method)


def _baked_png(credential: dict[str, Any]) -> bytes:
    picture = demo.badge_png("T", ISSUER.colour, size=40)
    return bake_png(picture, json.dumps(credential), keyword="openbadgecredential")


SECTIONS = ("verify", "import", "record", "share", "horizontal", "scale")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def write_figures(section: str, figures: Any, *, folder: Path, now: datetime) -> Path:
    """Write one section's figures to `folder`/<section>-<UTC timestamp>.json; return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{section}-{stamp}.json"
    body = {
        "section": section,
        "at": now.astimezone(UTC).isoformat(),
        "database": connection.vendor,
        "figures": asdict(figures)
        if is_dataclass(figures) and not isinstance(figures, type)
        else figures,
    }
    path.write_text(json.dumps(body, indent=2, sort_keys=True, default=str) + "\n")
    return path


def _database_line() -> str:
    if connection.vendor == "sqlite":
        return "database: SQLite (a throwaway file per section)"
    return (
        f"database: {connection.vendor} on {connection.settings_dict.get('HOST') or 'localhost'}"
        " (a throwaway database per section)"
    )


class Command(BaseCommand):
    help = (
        "Benchmarks: verification (side by side with @digitalbazaar/vc), bulk import, the "
        "record page and API list, the employer's share page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", choices=SECTIONS, help="run one section (default: all)")
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--cached-iterations", type=int, default=2000)
        parser.add_argument("--no-node", action="store_true", help="skip the Node side")
        parser.add_argument("--import-files", type=int, default=1000)
        parser.add_argument("--import-rounds", type=int, default=5)
        parser.add_argument("--record-credentials", type=int, default=5000)
        parser.add_argument("--requests", type=int, default=30, help="per record/API case")
        parser.add_argument("--share-seconds", type=int, default=8, help="per wrk phase")
        parser.add_argument(
            "--scale-credentials",
            type=int,
            default=100_000,
            help="scale: credentials in all (about ten per learner; figures also at a tenth)",
        )
        parser.add_argument(
            "--scale-keep",
            action="store_true",
            help="scale: keep the generated database (named after its size) and reuse it",
        )
        parser.add_argument("--scale-rss-requests", type=int, default=10_000)
        parser.add_argument("--scale-rss-imports", type=int, default=10_000)
        parser.add_argument(
            "--scale-no-sweep", action="store_true", help="scale: skip the daily re-check"
        )
        parser.add_argument(
            "--json", action="store_true", help="also write var/bench/<section>-<time>.json"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["iterations"] < 1 or opts["cached_iterations"] < 1:
            raise CommandError("iterations must be positive", returncode=2)
        sizes = (opts["import_files"], opts["import_rounds"], opts["record_credentials"])
        if min(*sizes, opts["requests"]) < 1:
            raise CommandError("sizes and request counts must be positive", returncode=2)
        chosen = (opts["only"],) if opts["only"] else SECTIONS
        self.stdout.write(_database_line())
        for section in chosen:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {section} =="))
            figures = getattr(self, f"_section_{section}")(opts)
            if opts["json"] and figures is not None:
                path = write_figures(
                    section, figures, folder=settings.VAR_DIR / "bench", now=timezone.now()
                )
                self.stdout.write(f"figures written to {path}")
            self.stdout.write("")

    # --- verify ------------------------------------------------------------------------------

    def _section_verify(self, opts: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        fetcher = MapFetcher({})
        typical = _sized_credential(2500)
        large = _sized_credential(6500)
        cases: dict[str, bytes] = {
            "ob3 typical eddsa-rdfc-2022": json.dumps(typical).encode(),
            "ob3 large eddsa-rdfc-2022": json.dumps(large).encode(),
            "ob3 VC-JWT EdDSA": _jwt().encode(),
            "ob3 baked PNG (typical)": _baked_png(typical),
        }
        ours = self._ours(cases, fetcher, now, opts["iterations"])
        cache: dict[str, str] = {}
        cached_options = VerifyOptions(
            now=now, fetcher=fetcher, canon_cache=cache, budget=make_budget()
        )
        cached_data = cases["ob3 typical eddsa-rdfc-2022"]
        cached = median_ms(
            lambda: verify_bytes(cached_data, options=cached_options), opts["cached_iterations"]
        )
        theirs, why = (
            ({}, "skipped (--no-node)")
            if opts["no_node"]
            else self._theirs(
                {"ob3 typical eddsa-rdfc-2022": typical, "ob3 large eddsa-rdfc-2022": large},
                opts["iterations"],
            )
        )
        self._print(cases, ours, cached, theirs, why)
        return {
            "ours_ms": ours,
            "cached_ms": cached,
            "node_ms": {name: row.get("median_ms") for name, row in theirs.items()},
            "node_not_run": why,
        }

    def _ours(
        self, cases: dict[str, bytes], fetcher: MapFetcher, now: datetime, iterations: int
    ) -> dict[str, float]:
        results = {}
        for name, data in cases.items():
            options = VerifyOptions(now=now, fetcher=fetcher, budget=make_budget())
            report = verify_bytes(data, options=options)
            if not report.verdict.is_ok:
                raise CommandError(f"bench credential {name!r} does not verify: {report.verdict}")
            results[name] = median_ms(partial(verify_bytes, data, options=options), iterations)
        return results

    # --- import ------------------------------------------------------------------------------

    def _section_import(self, opts: dict[str, Any]) -> Any:
        count = opts["import_files"]
        sizes = (max(1, count // 5), count)
        with benchmarks.throwaway_database():
            result = benchmarks.bench_import(
                count=count, rounds=opts["import_rounds"], memory_sizes=sizes
            )
        self.stdout.write(
            f"{'round':<6} {'files':>6} {'raw verify s':>13} {'import s':>9} "
            f"{'of it verifying s':>18} {'import/raw':>11} {'import/own':>11} {'cpu ratio':>10}"
        )
        for n, r in enumerate(result.rounds, start=1):
            self.stdout.write(
                f"{n:<6} {result.files:>6} {r.raw_seconds:>13.2f} {r.import_seconds:>9.2f} "
                f"{r.verifying_seconds:>18.2f} {r.ratio:>10.2f}x {r.own_ratio:>10.2f}x "
                f"{r.cpu_ratio:>9.2f}x"
            )
        best = min(result.rounds, key=lambda r: r.import_seconds)
        self.stdout.write(
            f"throughput (fastest round): import {result.files / best.import_seconds:.0f} "
            f"files/s, its verification {result.files / best.verifying_seconds:.0f} files/s"
        )
        target = benchmarks.import_target()
        verdict = "ok" if result.meets_target else f"MISSED (target <= {target}x)"
        self.stdout.write(
            f"import time / its own verification time (median round): {result.own_ratio:.2f}x"
            f"  {verdict}"
        )
        self.stdout.write(
            f"import time / raw verification around it (median round): {result.ratio:.2f}x"
        )
        self.stdout.write(
            f"import CPU / raw verification CPU, this process (median round): "
            f"{result.cpu_ratio:.2f}x (not slowed by other load; without the database "
            "server's own CPU)"
        )
        self.stdout.write(f"outcomes: {result.outcomes}")
        peaks = ", ".join(f"{n} files {b / 2**20:.1f} MiB" for n, b in result.peaks.items())
        small, large = (result.peaks[n] for n in sizes)
        per_file = (large - small) / max(sizes[1] - sizes[0], 1) / 1024
        # Streaming: the peak grows far less than the archive does (what remains per file is
        # the archive's member list and each file's outcome line).
        streams = large <= small * max(2.0, sizes[1] / sizes[0] / 2)
        verdict = "ok (streams)" if streams else "GROWS with the archive"
        self.stdout.write(
            f"import peak memory (tracemalloc): {peaks}; {per_file:.1f} KiB per extra file  "
            f"{verdict}"
        )
        return result

    # --- record --------------------------------------------------------------------------

    def _section_record(self, opts: dict[str, Any]) -> Any:
        with benchmarks.throwaway_database():
            result = benchmarks.bench_record(
                count=opts["record_credentials"], requests=opts["requests"]
            )
        self.stdout.write(f"{result.credentials} credentials, {opts['requests']} requests per case")
        self.stdout.write(
            f"{'case':<22} {'rows':>5} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} "
            f"{'queries':>8}  url"
        )
        for t in result.timings:
            self.stdout.write(
                f"{t.name:<22} {t.rows:>5} {t.median_ms:>10.1f} {t.p95_ms:>8.1f} "
                f"{t.cpu_ms:>7.1f} {t.queries:>8}  {t.url[:60]}"
            )
        target = benchmarks.TARGET_RECORD_MEDIAN_MS
        verdict = "ok" if result.meets_target else "MISSED"
        self.stdout.write(
            f"record page median {result.page_median_ms:.1f} ms (target < {target:.0f} ms): "
            f"{verdict}"
        )
        counts = ", ".join(f"{n} credentials: {q}" for n, q in result.query_counts.items())
        flat = "ok (constant)" if result.queries_flat else "GROWS"
        self.stdout.write(f"record page queries: {counts}  {flat}")
        self.stdout.write(
            "(median/p95: wall clock through the test client; cpu ms: this process's CPU time "
            "per request, less affected by other load on the machine)"
        )
        return result

    # --- scale ---------------------------------------------------------------------------

    def _section_scale(self, opts: dict[str, Any]) -> Any:
        from django.test import override_settings

        from devtools.bench import scale, scale_worker

        count = opts["scale_credentials"]
        if count < 2:
            raise CommandError("--scale-credentials must be at least 2", returncode=2)
        started = time.monotonic()
        with (
            scale.scale_database(count, keep=opts["scale_keep"]) as name,
            override_settings(SATCHEL_FETCHER="devtools.bench.scale.scale_fetcher"),
        ):
            result = scale.bench_scale(
                credentials=count,
                requests=opts["requests"],
                sweep_credentials=not opts["scale_no_sweep"],
                rss_requests=opts["scale_rss_requests"],
                rss_imports=opts["scale_rss_imports"],
                sweeper=scale_worker.sweep_with_page,
                import_memory=scale_worker.worker_imports_rss,
                log=self.stdout.write,
            )
        if opts["scale_keep"]:
            result.kept_database = name
            self.stdout.write(f"database kept for the next run: {name}")
        self.stdout.write(
            f"generated through the import's store in {result.generated_seconds:.0f} s "
            f"(this run; section {time.monotonic() - started:.0f} s)"
        )
        self._print_scale(result, scale)
        return result

    def _print_scale(self, result: Any, scale: Any) -> None:
        points = result.points
        small, full = points[0], points[-1]
        head = f"{'figure':<34} {'target':>14}"
        for point in points:
            head += f" {f'{point.credentials} cred.':>16}"
        self.stdout.write(head)
        self.stdout.write(
            f"{'learners (focus learner holds)':<34} {'':>14}"
            + "".join(f" {f'{p.learners} ({p.focus_credentials})':>16}" for p in points)
        )

        def row(name: str, target: str, values: list[str], ok: bool | None) -> None:
            verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
            line = f"{name:<34} {target:>14}" + "".join(f" {v:>16}" for v in values)
            self.stdout.write(line + verdict)

        for name, target in (
            ("record page", scale.TARGET_RECORD_P95_MS),
            ("record page, search", scale.TARGET_RECORD_P95_MS),
            ("API list", scale.TARGET_API_P95_MS),
            ("API list, search", scale.TARGET_API_P95_MS),
        ):
            row(
                f"{name} p95 ms (median)",
                f"< {target:.0f}",
                [f"{p.page(name).p95_ms:.1f} ({p.page(name).median_ms:.1f})" for p in points],
                full.page(name).p95_ms < target,
            )
        row(
            "record page queries (focus/small)",
            "constant",
            [f"{p.focus_queries}/{p.small_queries}" for p in points],
            len({q for p in points for q in (p.focus_queries, p.small_queries)}) == 1,
        )
        if full.sweep is not None:
            row(
                "daily re-check s (cred./s)",
                f"< {scale.TARGET_SWEEP_SECONDS}",
                [f"{p.sweep.seconds:.0f} ({p.sweep.per_second:.0f}/s)" for p in points if p.sweep],
                full.sweep.seconds < scale.TARGET_SWEEP_SECONDS,
            )
            row(
                "status list fetches per list",
                "1 per sweep",
                [
                    "max "
                    + str(max(p.sweep.fetches.values(), default=0))
                    + f" of {len(p.sweep.fetches)}"
                    for p in points
                    if p.sweep
                ],
                max(full.sweep.fetches.values(), default=0) <= 1,
            )
            row(
                "check runs the re-check wrote",
                "what changed",
                [f"{p.sweep.runs}" for p in points if p.sweep],
                None,
            )
        worked = [p.worked for p in points if p.worked is not None]
        if worked:
            pace = f"at most {result.recheck_rate}/s" if result.recheck_rate else "unpaced"
            self.stdout.write(
                f"(the re-check ran on a {worked[-1].runner}, {pace}: SATCHEL_RECHECK_RATE)"
            )
            row(
                "employer page req/s before sweep",
                "",
                [f"{w.before['page_median_requests_per_second']:.0f}" for w in worked],
                None,
            )
            during = worked[-1].during
            row(
                "employer page req/s during sweep",
                ">= 0.7x before",
                [f"{w.during['page_median_requests_per_second']:.0f}" for w in worked],
                during["page_median_requests_per_second"]
                >= 0.7 * worked[-1].before["page_median_requests_per_second"],
            )
            row(
                "page/trivial ratio before, during",
                "",
                [f"{w.before['ratio']:.2f}, {w.during['ratio']:.2f}" for w in worked],
                None,
            )
            row(
                "page p99 ms before, during",
                "",
                [f"{w.before['page_p99_ms']:.0f}, {w.during['page_p99_ms']:.0f}" for w in worked],
                None,
            )
            steady = worked[-1].steady_before.get("rate", 0)
            if steady:
                for when in ("before", "during"):
                    row(
                        f"page p50/p90/p99 ms, {steady}/s {when}",
                        "",
                        [_percentiles(getattr(w, f"steady_{when}")) for w in worked],
                        None,
                    )
            row(
                "page errors before+during",
                "0",
                [str(_sweep_errors(w)) for w in worked],
                all(_sweep_errors(w) == 0 for w in worked),
            )
            if worked[-1].worker_rss_mb:
                row(
                    "sweep worker RSS MB at the end",
                    f"< {scale.TARGET_RSS_MB:.0f}",
                    [f"{w.worker_rss_mb:.0f}" for w in worked],
                    worked[-1].worker_rss_mb < scale.TARGET_RSS_MB,
                )
        if result.web_rss_mb is not None:
            first, last = result.web_rss_mb
            row(
                f"web worker RSS MB ({result.rss_requests} req.)",
                f"< {scale.TARGET_RSS_MB:.0f}",
                [f"{first:.0f} -> {last:.0f}"],
                last < scale.TARGET_RSS_MB,
            )
        if result.worker_rss_mb is not None:
            first, last = result.worker_rss_mb
            row(
                f"import worker RSS MB ({result.rss_imports} files)",
                f"< {scale.TARGET_RSS_MB:.0f}",
                [f"{first:.0f} -> {last:.0f}"],
                last < scale.TARGET_RSS_MB,
            )
        self.stdout.write(
            f"(small point: {small.credentials} credentials; memory measured once, at full "
            "size: a gunicorn worker process, and the largest pool process of a "
            f"{result.worker_runner or 'worker'} importing archives of 1,000 files"
            + (f" in {result.worker_import_seconds:.0f} s" if result.worker_import_seconds else "")
            + ")"
        )

    # --- share ---------------------------------------------------------------------------

    def _section_share(self, opts: dict[str, Any]) -> dict[str, Any] | None:
        if shutil.which("wrk") is None:
            self.stdout.write(
                "share section skipped: wrk is not installed "
                "(install it with `apt-get install -y wrk`, then run `make bench` again)"
            )
            return None
        from devtools.bench.share_page import bench_share_page, report

        redis_url = settings.REDIS_URL or None
        try:
            if connection.vendor == "sqlite":
                result = bench_share_page(seconds=opts["share_seconds"], redis_url=redis_url)
            else:
                with benchmarks.throwaway_database():
                    result = bench_share_page(
                        seconds=opts["share_seconds"],
                        database_url=benchmarks.database_url(connection.settings_dict),
                        redis_url=redis_url,
                    )
        except RuntimeError as exc:
            self.stdout.write(f"share section failed: {exc}")
            return None
        for line in report(result):
            self.stdout.write(line)
        return result

    # --- horizontal ----------------------------------------------------------------------

    def _section_horizontal(self, opts: dict[str, Any]) -> dict[str, Any] | None:
        if connection.vendor != "postgresql" or not settings.REDIS_URL or not shutil.which("wrk"):
            self.stdout.write(
                "horizontal section skipped: it needs DATABASE_URL (PostgreSQL), REDIS_URL and wrk"
            )
            return None
        from devtools.bench.horizontal import bench_horizontal, report

        try:
            with benchmarks.throwaway_database():
                result = bench_horizontal(
                    database_url=benchmarks.database_url(connection.settings_dict),
                    redis_url=settings.REDIS_URL,
                    seconds=opts["share_seconds"],
                )
        except RuntimeError as exc:
            self.stdout.write(f"horizontal section failed: {exc}")
            return None
        for line in report(result):
            self.stdout.write(line)
        return result

    def _theirs(
        self, credentials: dict[str, dict[str, Any]], iterations: int
    ) -> tuple[dict[str, dict[str, Any]], str]:
        node = shutil.which("node")
        if node is None:
            return {}, "node is not installed"
        problem = self._ensure_node_modules()
        if problem:
            return {}, problem
        contexts = {url: load_context(url) for url in KNOWN_CONTEXT_URLS}
        payload = {"iterations": iterations, "contexts": contexts, "cases": credentials}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(payload, handle)
        try:
            done = subprocess.run(  # noqa: S603 - fixed program and arguments
                [node, str(BENCH_DIR / "verify.mjs"), handle.name],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=BENCH_DIR,
                check=False,
            )
        finally:
            Path(handle.name).unlink(missing_ok=True)
        if done.returncode != 0:
            return {}, f"node failed: {done.stderr.strip()[-400:]}"
        return json.loads(done.stdout), ""

    @staticmethod
    def _ensure_node_modules() -> str:
        if (BENCH_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
            return ""
        npm = shutil.which("npm")
        if npm is None:
            return "npm is not installed, so bench/node_modules cannot be set up"
        done = subprocess.run(  # noqa: S603 - fixed program and arguments
            [npm, "install", "--no-audit", "--no-fund"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        return "" if done.returncode == 0 else f"npm install failed: {done.stderr.strip()[-400:]}"

    def _print(
        self,
        cases: dict[str, bytes],
        ours: dict[str, float],
        cached: float,
        theirs: dict[str, dict[str, Any]],
        why: str,
    ) -> None:
        self.stdout.write(f"{'case':<30} {'size':>7} {'ours ms':>9} {'node ms':>9} {'ratio':>6}")
        for name, data in cases.items():
            line = f"{name:<30} {len(data):>7} {ours[name]:>9.3f}"
            other = theirs.get(name)
            if other and other.get("verified"):
                ratio = ours[name] / other["median_ms"]
                verdict = "ok" if ratio <= TARGET_RATIO else f"above {TARGET_RATIO}x target"
                line += f" {other['median_ms']:>9.3f} {ratio:>5.2f}x {verdict}"
            elif other:
                line += f" {'failed':>9}  ({other.get('error')})"
            else:
                line += f" {'-':>9}"
                if "JWT" in name:
                    ok = ours[name] <= TARGET_JWT_MS
                    line += "        ok" if ok else f"        above the {TARGET_JWT_MS} ms target"
            self.stdout.write(line)
        target = "ok" if cached <= TARGET_CACHED_MS else f"above the {TARGET_CACHED_MS} ms target"
        self.stdout.write(f"{'cached re-verification':<30} {'':>7} {cached:>9.3f}  {target}")
        if why:
            self.stdout.write(f"node side not run: {why}")
        elif theirs:
            self.stdout.write(
                "node side: @digitalbazaar/vc verifyCredential, eddsa-rdfc-2022, offline loader;"
                " it does no JWT or PNG, so those rows have no comparison"
            )


def _sweep_errors(worked: Any) -> int:
    """Failed requests to the employer's page around a re-check: wrk's errors and the steady
    load's failures."""
    steady = worked.steady_before.get("failed", 0) + worked.steady_during.get("failed", 0)
    return int(worked.before["errors"] + worked.during["errors"] + steady)


def _percentiles(steady: dict[str, Any]) -> str:
    """A steady load's latency percentiles, as printed (`-` when not measured)."""
    if not steady:
        return "-"
    return "{p50_ms:.0f}/{p90_ms:.0f}/{p99_ms:.0f}".format(**steady)
