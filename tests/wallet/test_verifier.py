"""How the app calls the verifier: every verification runs under the CPU budget setting."""

from __future__ import annotations

import time
from typing import Any

import pytest

from intake.services.arrival import credential_import
from tests.support.issuer import NOW
from wallet import verifier
from wallet.models import Credential
from wallet.verification import Budget, Verdict


def test_the_app_verifies_under_the_cpu_budget_it_is_configured_with(owner, settings) -> None:
    settings.SATCHEL_VERIFY_CPU_SECONDS = 3

    options = verifier.make_verify_options(owner=owner, now=NOW)

    assert options.budget == Budget(seconds=3, clock=time.thread_time)


class _SlowFetcher:
    """Each fetch moves the CPU clock on by a minute, as if the answer took that long."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.now = inner, 0.0

    def clock(self) -> float:
        return self.now

    def fetch(self, url: str, *, accept: str = "application/json") -> Any:
        self.now += 60.0
        return self.inner.fetch(url, accept=accept)


def test_an_import_that_runs_out_of_budget_is_kept_as_malformed_with_the_reason(
    owner, issuer, app_fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = _SlowFetcher(issuer.fetcher)
    app_fetcher(lambda: slow)
    monkeypatch.setattr(verifier, "make_budget", lambda: Budget(seconds=10, clock=slow.clock))

    outcome: Any = credential_import(
        owner=owner, data=issuer.ob3_jwt().encode(), source="upload", now=NOW
    )

    credential = Credential.objects.get(owner=owner)
    assert outcome.credential == credential
    assert credential.verdict == Verdict.MALFORMED
    run = credential.runs.get()
    assert "verify.too_costly" in {check["code"] for check in run.report["checks"]}
