"""`manage.py bench`: how long one verification takes, and how that compares with Node.

Ours: the median of many `verify_bytes` calls (time.perf_counter) for a typical OB 3.0
credential (~2.5 KB) and a large one (~6.5 KB) with eddsa-rdfc-2022, a VC-JWT (EdDSA), a
baked PNG, and a cached re-verification (canonical N-Quads cached by content hash through
`options.canon_cache`). Theirs, when `node` is installed: the same credentials verified by
@digitalbazaar/vc with an offline document loader serving our vendored contexts (bench/).
The credentials come from the test issuer (fixed-seed keys, did:key, no status list: both
sides verify the same thing, the signature and its key).

What carries over between iterations of the uncached rows is only what a long-running
process keeps for any credential: processed contexts, expanded vocabulary terms, decoded
did:key keys (as jsonld.js keeps its context cache on the Node side). Nothing derived from
the credential itself does: each call gets a fresh per-verification canon cache.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tests.support.issuer import ISSUED, TestIssuer
from wallet.verification import VerifyOptions, verify_bytes
from wallet.verification.contexts import KNOWN_CONTEXT_URLS, load_context
from wallet.verification.proofs.dataintegrity import sign

BENCH_DIR = Path(__file__).resolve().parents[3] / "bench"
TARGET_CACHED_MS = 0.5
TARGET_RATIO = 0.6


def median_ms(run: Callable[[], Any], iterations: int) -> float:
    run()  # warm caches (contexts, key decoding) as any long-running process would have them
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _sized_credential(issuer: TestIssuer, target_bytes: int) -> dict[str, Any]:
    """An OB 3.0 credential padded with realistic alignments to about `target_bytes`, signed."""
    credential = issuer.achievement_credential(issuer.ed.did, status=False)
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
    return sign(
        credential,
        private_key=issuer.ed.private,
        verification_method=issuer.ed.vm,
        purpose="assertionMethod",
        created=ISSUED,
    )


class Command(BaseCommand):
    help = "Benchmark verification (median per credential), side by side with @digitalbazaar/vc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--cached-iterations", type=int, default=2000)
        parser.add_argument("--no-node", action="store_true", help="skip the Node side")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["iterations"] < 1 or opts["cached_iterations"] < 1:
            raise CommandError("iterations must be positive", returncode=2)
        issuer = TestIssuer()
        now = datetime.now(UTC)
        typical = _sized_credential(issuer, 2500)
        large = _sized_credential(issuer, 6500)
        cases: dict[str, bytes] = {
            "ob3 typical eddsa-rdfc-2022": json.dumps(typical).encode(),
            "ob3 large eddsa-rdfc-2022": json.dumps(large).encode(),
            "ob3 VC-JWT EdDSA": issuer.ob3_jwt(alg="EdDSA", status=False).encode(),
            "ob3 baked PNG (typical)": issuer.baked_png(typical),
        }
        ours = self._ours(cases, issuer, now, opts["iterations"])
        cache: dict[str, str] = {}
        cached_options = VerifyOptions(now=now, fetcher=issuer.fetcher, canon_cache=cache)
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

    def _ours(
        self, cases: dict[str, bytes], issuer: TestIssuer, now: datetime, iterations: int
    ) -> dict[str, float]:
        results = {}
        for name, data in cases.items():
            options = VerifyOptions(now=now, fetcher=issuer.fetcher)
            report = verify_bytes(data, options=options)
            if not report.verdict.is_ok:
                raise CommandError(f"bench credential {name!r} does not verify: {report.verdict}")
            results[name] = median_ms(
                lambda d=data, o=options: verify_bytes(d, options=o), iterations
            )
        return results

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
