"""`manage.py interop`: the conformance run over shared/interop (other projects' credentials).

Every `role=credential` row of MANIFEST.tsv with a definite `expected` is verified offline:
URLs and DIDs through the corpus's url-map (plus, for OB 2.0 hosted rows and baked OB 2.0
images, the row's own `id` URL serving the row's assertion, as the upstream tests do),
contexts only from our vendored set, the clock the real one. Our verdict is mapped onto the
manifest's vocabulary and compared. Rows listed in interop/expected-overrides.tsv, where a
specification proves the corpus wrong, are reported as OVERRIDDEN. Then the RDF
canonicalization test suite runs. Any mismatch makes the command exit non-zero.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wallet.management.commands._reporting import parse_time
from wallet.verification import VerifyOptions, verify_bytes
from wallet.verification.fetch import MapFetcher
from wallet.verification.parse import parse_input
from wallet.verification.report import Report, Status, Verdict
from wallet.verifier import make_budget

REPO = Path(__file__).resolve().parents[3]
OVERRIDES = REPO / "interop" / "expected-overrides.tsv"
RDF_CANON_VECTORS = REPO / "tests" / "vectors" / "rdf-canon"
OB2_SELF_SERVED = ("ob2-hosted", "ob2-baked-png", "ob2-baked-svg")

# Which manifest words each of our verdicts counts as. The manifest has no "unsupported":
# a proof we cannot check (unknown suite, DID method) is a signature that does not verify;
# any other unsupported input is one we cannot read.
_VOCABULARY = {
    Verdict.VERIFIED: "valid",
    Verdict.VERIFIED_WITH_WARNINGS: "valid",
    Verdict.INVALID_SIGNATURE: "invalid-signature",
    Verdict.REVOKED: "revoked",
    Verdict.SUSPENDED: "suspended",
    Verdict.EXPIRED: "expired",
    Verdict.NOT_YET_VALID: "expired",
    Verdict.MALFORMED: "malformed",
    Verdict.ISSUER_UNREACHABLE: "issuer-unreachable",
}


@dataclass
class Outcome:
    path: str
    format: str
    expected: str
    got: str
    verdict: str
    state: str  # OK | MISMATCH | OVERRIDDEN
    reason: str = ""


def manifest_word(report: Report) -> str:
    verdict = report.verdict
    if verdict is Verdict.UNSUPPORTED:
        names = {
            c.name
            for c in report.checks
            if c.status is Status.FAIL and c.implies is Verdict.UNSUPPORTED
        }
        return "invalid-signature" if names & {"proof", "key"} else "malformed"
    return _VOCABULARY[verdict]


def first_failure(report: Report) -> str:
    for check in report.checks:
        if check.status is Status.FAIL and check.implies is report.verdict:
            return f"{check.code}: {check.detail or check.message}"[:160]
    for child in report.children:
        if not child.verdict.is_ok:
            return "child: " + first_failure(child)
    return ""


def read_overrides(path: Path) -> dict[str, tuple[str, str]]:
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {
            r["local_path"]: (r["expected_by_us"], r["citation"])
            for r in rows
            if r.get("local_path") and not r["local_path"].startswith("#")
        }


def self_served_fetcher(url_map: Path, data: bytes, row_format: str) -> MapFetcher:
    """The corpus maps, plus the OB 2.0 assertion served at its own id (see interop README)."""
    fetcher = MapFetcher.from_url_map(url_map)
    if row_format in OB2_SELF_SERVED:
        assertion_id, body = _ob2_assertion(data)
        if assertion_id:
            fetcher.add(assertion_id, body)
    return fetcher


def _ob2_assertion(data: bytes) -> tuple[str | None, bytes]:
    import json

    try:
        parsed = parse_input(data, limits=VerifyOptions(now=datetime.now(UTC)).limits)
    except Exception:  # an unreadable row is the verifier's to report, not ours
        return None, data
    document = parsed.document
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        return None, data
    body = data if parsed.container == "json" else json.dumps(document).encode()
    return document["id"], body


class Command(BaseCommand):
    help = "Verify the shared interop corpus and compare with its expected verdicts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shared", help="the shared/interop folder")
        parser.add_argument("--manifest", help="MANIFEST.tsv (default: <shared>/MANIFEST.tsv)")
        parser.add_argument("--at", help="verify as of this ISO 8601 time (default: now)")
        parser.add_argument("--overrides", help=f"overrides TSV (default: {OVERRIDES})")
        parser.add_argument(
            "--no-rdf-canon", action="store_true", help="skip the RDF canonicalization suite"
        )
        parser.add_argument(
            "--verbose", action="store_true", help="print why each row got its verdict"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        shared = Path(
            opts["shared"]
            or os.environ.get("SATCHEL_SHARED_DIR")
            or REPO.parent / "shared" / "interop"
        )
        manifest = Path(opts["manifest"] or shared / "MANIFEST.tsv")
        if not manifest.is_file():
            raise CommandError(f"no manifest at {manifest}", returncode=2)
        now = parse_time(opts["at"])
        overrides = read_overrides(Path(opts["overrides"] or OVERRIDES))
        outcomes = self._run_corpus(shared, manifest, now, overrides)
        self._print_table(outcomes, verbose=opts["verbose"])
        mismatches = sum(1 for o in outcomes if o.state == "MISMATCH")
        canon_failures = 0 if opts["no_rdf_canon"] else self._run_rdf_canon()
        if mismatches or canon_failures:
            raise CommandError(
                f"interop: {mismatches} corpus mismatch(es), {canon_failures} rdf-canon failure(s)",
                returncode=1,
            )

    def _run_corpus(
        self, shared: Path, manifest: Path, now: datetime, overrides: dict[str, tuple[str, str]]
    ) -> list[Outcome]:
        url_map = shared / "url-map.json"
        outcomes: list[Outcome] = []
        with manifest.open(newline="") as handle:
            rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["role"] == "credential"]
        for row in rows:
            if row["expected"] == "unknown":
                continue
            path = row["local_path"]
            data = (shared / path).read_bytes()
            options = VerifyOptions(
                now=now,
                fetcher=self_served_fetcher(url_map, data, row["format"]),
                budget=make_budget(),
            )
            report = verify_bytes(data, options=options, media_type=None)
            got = manifest_word(report)
            expected = row["expected"]
            if got in expected.split("|"):
                state = "OK"
            elif path in overrides and overrides[path][0] == got:
                state, expected = "OVERRIDDEN", f"{expected}->{got}"
            else:
                state = "MISMATCH"
            outcomes.append(
                Outcome(
                    path,
                    row["format"],
                    expected,
                    got,
                    str(report.verdict),
                    state,
                    first_failure(report),
                )
            )
        return outcomes

    def _print_table(self, outcomes: list[Outcome], *, verbose: bool) -> None:
        width = max((len(o.path) for o in outcomes), default=10)
        self.stdout.write(f"{'path':<{width}}  {'format':<14} {'expected':<30} {'got':<18} result")
        for o in outcomes:
            self.stdout.write(
                f"{o.path:<{width}}  {o.format:<14} {o.expected:<30} {o.got:<18} {o.state}"
            )
            if o.reason and (verbose or o.state != "OK"):
                self.stdout.write(f"{'':<{width}}    {o.verdict}: {o.reason}")
        counts = {
            s: sum(1 for o in outcomes if o.state == s) for s in ("OK", "MISMATCH", "OVERRIDDEN")
        }
        self.stdout.write(
            f"corpus: {len(outcomes)} rows checked, {counts['OK']} OK, "
            f"{counts['MISMATCH']} MISMATCH, {counts['OVERRIDDEN']} OVERRIDDEN"
        )

    def _run_rdf_canon(self) -> int:
        from wallet.verification.rdfcanon_suite import run_suite

        if not (RDF_CANON_VECTORS / "manifest.jsonld").is_file():
            self.stdout.write(f"rdf-canon: no suite at {RDF_CANON_VECTORS}")
            return 1
        results = run_suite(RDF_CANON_VECTORS)
        failures = [r for r in results if not r.passed]
        for result in failures:
            self.stdout.write(f"  rdf-canon FAIL {result.name}: {result.detail}")
        self.stdout.write(
            f"rdf-canon: {len(results)} tests, {len(results) - len(failures)} passed, "
            f"{len(failures)} failed"
        )
        return len(failures)
