"""The W3C RDFC-1.0 test suite, and where pyld's own URDNA2015 falls short of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyld import jsonld

from wallet.verification.canon import canonicalize_nquads, canonize
from wallet.verification.contexts import document_loader
from wallet.verification.rdfcanon_suite import (
    EVAL,
    NEGATIVE,
    SuiteTest,
    load_tests,
    run_suite,
    run_test,
)

SUITE = Path(__file__).resolve().parents[1] / "vectors" / "rdf-canon"
TESTS = load_tests(SUITE)


def test_the_suite_has_all_64_evaluation_tests_and_the_negative_one() -> None:
    assert sum(test.kind == EVAL for test in TESTS) == 64
    assert sum(test.kind == NEGATIVE for test in TESTS) == 1


@pytest.mark.parametrize("test", TESTS, ids=[test.name.split()[0] for test in TESTS])
def test_rdfc10_suite_case(test: SuiteTest) -> None:
    if test.kind == EVAL:
        expected = test.result.read_text(encoding="utf-8")
        assert canonicalize_nquads(test.action.read_text(), hash_algorithm=test.hash_algorithm) == (
            expected
        )
    result = run_test(test)
    assert result.passed, result.detail


def test_run_suite_reports_every_case_passed() -> None:
    results = run_suite(SUITE)
    assert len(results) == 65
    assert [r.name for r in results if not r.passed] == []


def _pyld_urdna2015(nquads: str) -> str:
    return jsonld.normalize(
        nquads,
        {
            "algorithm": "URDNA2015",
            "inputFormat": "application/n-quads",
            "format": "application/n-quads",
        },
    )


def test_pyld_urdna2015_fails_the_suites_escaping_case_that_canon_passes() -> None:
    (test,) = [t for t in TESTS if t.name.startswith("test060c")]
    source = test.action.read_text(encoding="utf-8")
    expected = test.result.read_text(encoding="utf-8")
    assert _pyld_urdna2015(source) != expected
    assert canonicalize_nquads(source) == expected


BLANK_NODE_DOCUMENT = {
    "@context": {"@vocab": "https://example.org/vocab#"},
    "@id": "https://example.org/learner",
    "entries": [
        {"label": "\b0", "next": {"tag": "x"}},
        {"label": "plain0", "next": {"tag": "x"}},
        {"label": "third", "next": {"tag": "y"}},
    ],
}

RDFC10_OF_BLANK_NODE_DOCUMENT = """\
<https://example.org/learner> <https://example.org/vocab#entries> _:c14n0 .
<https://example.org/learner> <https://example.org/vocab#entries> _:c14n1 .
<https://example.org/learner> <https://example.org/vocab#entries> _:c14n3 .
_:c14n0 <https://example.org/vocab#label> "plain0" .
_:c14n0 <https://example.org/vocab#next> _:c14n5 .
_:c14n1 <https://example.org/vocab#label> "\\b0" .
_:c14n1 <https://example.org/vocab#next> _:c14n4 .
_:c14n2 <https://example.org/vocab#tag> "y" .
_:c14n3 <https://example.org/vocab#label> "third" .
_:c14n3 <https://example.org/vocab#next> _:c14n2 .
_:c14n4 <https://example.org/vocab#tag> "x" .
_:c14n5 <https://example.org/vocab#tag> "x" .
"""


def test_a_blank_node_document_where_pyld_labels_differ_from_rdfc10() -> None:
    # A blank node's hash covers its literals; pyld hashes U+0008 raw where RDFC-1.0 hashes
    # \b, so pyld gives the blank nodes other labels, not just other escapes.
    ours = canonize(BLANK_NODE_DOCUMENT)
    from_pyld = jsonld.normalize(
        BLANK_NODE_DOCUMENT,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )
    assert ours == RDFC10_OF_BLANK_NODE_DOCUMENT
    assert from_pyld.replace("\b", "\\b") != ours
    assert canonicalize_nquads(ours) == ours
