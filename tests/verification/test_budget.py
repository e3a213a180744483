"""Hostile files that cost time, and the CPU budget every verification runs under."""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph
import pytest

from tests.support.issuer import TestIssuer
from wallet.verification import Budget, MapFetcher, Status, Verdict, budget, canon, verify_bytes
from wallet.verification.budget import BudgetExceeded, running
from wallet.verification.fetch import FetchResult


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


class _NativeCanonicalizationReached(BaseException):
    """Raised by a stand-in for pyoxigraph's Dataset: what reaches it could run for minutes.
    A BaseException, so that nothing in the verifier can turn it into a finding."""


class _RefusingDataset:
    def __init__(self, *args: Any) -> None:
        raise _NativeCanonicalizationReached


def _failures(report: Any) -> set[str]:
    return {c.code for c in report.checks if c.status is Status.FAIL}


# --- the canonicalization bomb ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "shape"), [(1000, "list"), (8, "tree")], ids=["1000-entry list", "binary tree"]
)
def test_a_canonicalization_bomb_is_refused_before_canonicalization_starts(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch, entries: int, shape: str
) -> None:
    # Before the fix the 20 KB list took about 230 s and 770 MiB inside pyoxigraph.
    bomb = issuer.canonicalization_bomb(entries, shape=shape)
    monkeypatch.setattr(pyoxigraph, "Dataset", _RefusingDataset)

    report = verify_bytes(bomb, options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    assert "rdf.too_complex" in _failures(report)
    refused = next(c for c in report.checks if c.code == "rdf.too_complex")
    assert "too alike" in refused.message


def test_the_bomb_is_the_size_that_was_reported(issuer: TestIssuer) -> None:
    assert 18_000 < len(issuer.canonicalization_bomb()) < 22_000


def test_a_few_look_alike_anonymous_objects_still_canonicalize(issuer: TestIssuer) -> None:
    credential = issuer.achievement_credential(issuer.ed.did)
    alike = {"type": ["Alignment"], "targetName": "Same", "targetUrl": "https://case.example/1"}
    credential["credentialSubject"]["achievement"]["alignment"] = [alike] * 3 + [
        {"@list": [{"@id": f"_:b{n}"} for n in range(6)]}
    ]
    signed = issuer._di_sign(credential, issuer.ed)

    report = verify_bytes(json.dumps(signed).encode(), options=issuer.options())

    assert report.verdict is Verdict.VERIFIED


# --- the CPU budget ---------------------------------------------------------------------------


class _Clock:
    """A CPU clock the test moves: it stands still until told to jump."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _SlowFetcher(MapFetcher):
    """Each fetch "costs" `seconds` of the clock, as if the answer took that long to process."""

    def __init__(self, inner: MapFetcher, clock: _Clock, seconds: float) -> None:
        super().__init__()
        self.inner, self.clock, self.seconds = inner, clock, seconds

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        self.requests.append(url)
        self.clock.now += self.seconds
        return self.inner.fetch(url, accept=accept)


def test_past_the_budget_the_verdict_is_malformed_and_the_work_stops(issuer: TestIssuer) -> None:
    clr = issuer.clr(inner=[issuer.ob3(), issuer.ob3(), issuer.ob3()])
    clock = _Clock()
    fetcher = _SlowFetcher(issuer.fetcher, clock, seconds=3.0)
    options = issuer.options(fetcher=fetcher, budget=Budget(seconds=5.0, clock=clock))

    report = verify_bytes(json.dumps(clr).encode(), options=options)

    assert report.verdict is Verdict.MALFORMED
    stopped = next(c for c in report.checks if c.code == "verify.too_costly")
    assert "computing time" in stopped.message
    # The CLR's own status list, then one child's: past 5 s, nothing else is fetched or checked.
    assert len(fetcher.requests) == 2
    assert len(report.children) < 3


def test_within_the_budget_nothing_changes(issuer: TestIssuer) -> None:
    clr = issuer.clr(inner=[issuer.ob3(), issuer.ob3(), issuer.ob3()])
    clock = _Clock()
    fetcher = _SlowFetcher(issuer.fetcher, clock, seconds=1.0)
    options = issuer.options(fetcher=fetcher, budget=Budget(seconds=5.0, clock=clock))

    report = verify_bytes(json.dumps(clr).encode(), options=options)

    assert report.verdict is Verdict.VERIFIED
    assert len(report.children) == 3


def test_the_budget_is_per_verification(issuer: TestIssuer) -> None:
    clock = _Clock()
    fetcher = _SlowFetcher(issuer.fetcher, clock, seconds=3.0)
    options = issuer.options(fetcher=fetcher, budget=Budget(seconds=5.0, clock=clock))
    data = json.dumps(issuer.ob3()).encode()

    verdicts = [verify_bytes(data, options=options).verdict for _ in range(3)]

    assert verdicts == [Verdict.VERIFIED] * 3


def test_without_a_budget_verification_is_unbounded_as_before(issuer: TestIssuer) -> None:
    report = verify_bytes(json.dumps(issuer.ob3()).encode(), options=issuer.options())
    assert report.verdict is Verdict.VERIFIED


def test_a_large_document_is_checked_at_every_json_value(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget, "_ticks", 0)  # where the clock is read is then the same each run
    credential = issuer.achievement_credential(issuer.ed.did)
    # One long array of plain strings: no object, no context in between to stop at.
    credential["credentialSubject"]["achievement"]["tag"] = ["skill"] * 20_000
    readings = iter([0.0, 0.0])

    with (
        pytest.raises(BudgetExceeded) as raised,
        running(Budget(seconds=1.0, clock=lambda: next(readings, 99.0))),
    ):
        canon.check_no_dropped_terms(credential, cache=canon.CanonCache())

    # In the walk that comes first (_values), or in expansion.
    ours = [entry for entry in raised.traceback if entry.path.name == "pyld_adapter.py"]
    assert ours[-1].name in ("_values", "_expand")


class _ReadCountingClock:
    """A CPU clock that moves on by `step` each time it is read, as CPU time would between
    readings: the budget then runs out after a set number of readings."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_type_list_that_makes_json_ld_process_contexts_again_and_again_stops(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by `make fuzz`: 50,000 "Profile" types took 14 s, one type-scoped context each.
    # Under another name for @type, so that canon's cap on "type" lists does not apply.
    monkeypatch.setattr(budget, "_ticks", 0)
    credential = issuer.ob3()
    credential["@context"] = [*credential["@context"], {"kind": "@type"}]
    credential["issuer"]["kind"] = ["Profile"] * 5_000

    with (
        pytest.raises(BudgetExceeded) as raised,
        running(Budget(seconds=2.0, clock=_ReadCountingClock(0.1))),
    ):
        canon.check_no_dropped_terms(credential)

    ours = [entry for entry in raised.traceback if entry.path.name == "pyld_adapter.py"]
    assert ours[-1].name == "_process_context"


def test_a_presentation_with_thousands_of_values_in_one_graph_is_refused_quickly(
    issuer: TestIssuer,
) -> None:
    # Found by `make fuzz`: 50,000 such values took pyld's node map (quadratic) 10 s and more.
    presentation = issuer.presentation([issuer.ob3()])
    presentation["verifiableCredential"] = [["x"] * 5_000]

    report = verify_bytes(json.dumps(presentation).encode(), options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    assert "rdf.too_many_values" in _failures(report)
