"""Runs the W3C RDF Dataset Canonicalization (RDFC-1.0) test suite against `canon`.

The folder holds the suite's `manifest.jsonld` and the files it names. Evaluation tests must
reproduce the expected canonical N-Quads byte for byte; the negative test (a poison graph) must
be refused. Map tests (issued identifier maps) are not run: `canon` does not expose the map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .canon import canonicalize_nquads
from .errors import MalformedInput

EVAL = "rdfc:RDFC10EvalTest"
NEGATIVE = "rdfc:RDFC10NegativeEvalTest"


@dataclass(frozen=True)
class SuiteResult:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class SuiteTest:
    name: str
    kind: str
    action: Path
    result: Path | None
    hash_algorithm: str


def load_tests(folder: Path) -> list[SuiteTest]:
    """The evaluation and negative tests listed in the folder's manifest, in manifest order."""
    manifest = json.loads((folder / "manifest.jsonld").read_text(encoding="utf-8"))
    tests = []
    for entry in manifest["entries"]:
        if entry["type"] not in (EVAL, NEGATIVE):
            continue
        result = entry.get("result")
        tests.append(
            SuiteTest(
                name=f"{entry['id'].lstrip('#')} {entry['name']}",
                kind=entry["type"],
                action=folder / entry["action"],
                result=folder / result if result else None,
                hash_algorithm=entry.get("hashAlgorithm", "SHA256"),
            )
        )
    return tests


def run_test(test: SuiteTest) -> SuiteResult:
    source = test.action.read_text(encoding="utf-8")
    try:
        output = canonicalize_nquads(source, hash_algorithm=test.hash_algorithm)
    except MalformedInput as exc:
        refused = test.kind == NEGATIVE
        return SuiteResult(test.name, refused, f"refused: {exc.code}")
    if test.kind == NEGATIVE:
        return SuiteResult(test.name, False, "a poison dataset was canonicalized, not refused")
    assert test.result is not None
    expected = test.result.read_text(encoding="utf-8")
    if output == expected:
        return SuiteResult(test.name, True, "identical")
    return SuiteResult(test.name, False, f"expected:\n{expected}got:\n{output}")


def run_suite(folder: Path) -> list[SuiteResult]:
    return [run_test(test) for test in load_tests(folder)]


def main() -> None:
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/vectors/rdf-canon")
    results = run_suite(folder)
    for result in results:
        if not result.passed:
            print(f"FAIL {result.name}\n{result.detail}")
    passed = sum(result.passed for result in results)
    print(f"rdf-canon: {passed}/{len(results)} passed")
    raise SystemExit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
