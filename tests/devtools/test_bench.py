"""`manage.py bench` plumbing, never its timings: where the figures go, which database it names."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import environ
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from devtools.bench.record import database_url
from devtools.management.commands import bench
from devtools.management.commands.bench import write_figures

MOMENT = datetime(2026, 12, 4, 23, 40, 5, tzinfo=UTC)


@dataclass
class _Figures:
    median_ms: float
    counts: dict[str, int]


def test_figures_are_written_as_json_named_by_section_and_time(tmp_path) -> None:
    path = write_figures(
        "record", _Figures(12.5, {"5000": 17}), folder=tmp_path / "bench", now=MOMENT
    )

    assert path == tmp_path / "bench" / "record-20261204T234005Z.json"
    written = json.loads(path.read_text())
    assert written["section"] == "record"
    assert written["at"] == "2026-12-04T23:40:05+00:00"
    assert written["database"] == connection.vendor  # the suite runs on either
    assert written["figures"] == {"median_ms": 12.5, "counts": {"5000": 17}}


def test_the_json_option_writes_each_sections_figures_under_var_bench(
    settings, tmp_path, monkeypatch
) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(bench.Command, "_section_verify", lambda self, opts: {"cached_ms": 0.2})
    out = io.StringIO()

    with time_machine.travel(MOMENT, tick=False):
        call_command("bench", "--only", "verify", "--json", stdout=out)

    written = json.loads((tmp_path / "bench" / "verify-20261204T234005Z.json").read_text())
    assert written["figures"] == {"cached_ms": 0.2}
    named = "SQLite" if connection.vendor == "sqlite" else connection.vendor
    assert out.getvalue().startswith(f"database: {named}")


def test_without_the_json_option_nothing_is_written(settings, tmp_path, monkeypatch) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(bench.Command, "_section_verify", lambda self, opts: {"cached_ms": 0.2})

    call_command("bench", "--only", "verify", stdout=io.StringIO())

    assert not (tmp_path / "bench").exists()


@pytest.mark.parametrize("password", ["", "s3cret", "p@ss:w/rd%"])
def test_the_throwaway_databases_url_names_the_same_database(password) -> None:
    named = {
        "USER": "postgres",
        "PASSWORD": password,
        "HOST": "127.0.0.1",
        "PORT": 5432,
        "NAME": "test_h_perf",
    }

    config = environ.Env.db_url_config(database_url(named))

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"] or "", config["HOST"]) == (
        "postgres",
        password,
        "127.0.0.1",
    )
    assert (int(config["PORT"]), config["NAME"]) == (5432, "test_h_perf")


@pytest.mark.django_db(transaction=True)
def test_the_scale_section_runs_at_a_tiny_size_and_prints_each_figure_beside_its_target(
    settings, tmp_path, monkeypatch
) -> None:
    # Its timings are not judged here, only that the section still runs end to end: the
    # credentials made through the import's store, the pages, the re-check and both points.
    # The memory figures and the employer's page start servers and a worker, so they are left
    # out: the re-check runs in this process instead, as the worker would run it.
    from devtools.bench import scale, scale_worker
    from wallet.services.reverify import reverify_due

    def sweep_here(log=None, learners=None) -> scale_worker.WorkerSweep:
        from wallet.models import Credential, VerificationRun

        due = Credential.objects.all()
        if learners is not None:
            due = due.filter(owner__email__in=learners)
        due.update(checked_at=None)
        scale.FETCHED.clear()
        runs = VerificationRun.objects.count()
        count = reverify_due()
        page = {
            "page_median_requests_per_second": 100.0,
            "ratio": 0.8,
            "page_p99_ms": 9.0,
            "errors": 0,
        }
        steady = {"rate": 150, "p50_ms": 4.0, "p90_ms": 6.0, "p99_ms": 12.0, "failed": 0}
        return scale_worker.WorkerSweep(
            "stand-in",
            scale.Sweep(count, 1.0, dict(scale.FETCHED), VerificationRun.objects.count() - runs),
            90.0,
            page,
            page,
            {},
            steady,
            steady | {"p99_ms": 30.0},
        )

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(scale, "FOCUS_CREDENTIALS", 6)
    monkeypatch.setattr(scale_worker, "sweep_with_page", sweep_here)
    # The test's own database stands in for the section's (which Django's test-database
    # machinery makes, and a test already runs inside it).
    monkeypatch.setattr(
        scale, "scale_database", lambda count, keep: contextlib.nullcontext(connection.alias)
    )
    out = io.StringIO()

    call_command(
        "bench",
        "--only",
        "scale",
        "--scale-credentials",
        "20",
        "--requests",
        "2",
        "--scale-rss-requests",
        "0",
        "--scale-rss-imports",
        "0",
        stdout=out,
    )

    text = out.getvalue()
    assert "2 cred." in text and "20 cred." in text  # the tenth, then all
    for figure in ("record page p95", "API list, search p95", "daily re-check s"):
        line = next(line for line in text.splitlines() if line.startswith(figure))
        assert "<" in line  # its target beside it
    fetches = next(line for line in text.splitlines() if line.startswith("status list fetches"))
    assert fetches.endswith("ok")  # each list fetched once per sweep
    # A first check here always writes its run (the stand-in made every credential new here).
    runs = next(line for line in text.splitlines() if line.startswith("check runs the re-che"))
    assert runs.split()[-2:] == ["2", "20"]
    queries = next(line for line in text.splitlines() if line.startswith("record page queries"))
    assert queries.endswith("ok")  # the same for the focus learner and a small one
    assert "learners (focus learner holds)" in text and " 2 (6)" in text  # one per ten credentials
    during = next(line for line in text.splitlines() if line.startswith("employer page req/s d"))
    assert during.endswith("ok")
    steady = [line for line in text.splitlines() if line.startswith("page p50/p90/p99 ms, 150/s")]
    # The page's latency at a steady load, before the re-check and during it.
    assert [line.split()[4] for line in steady] == ["before", "during"]
    assert steady[0].endswith("4/6/12") and steady[1].endswith("4/6/30")
    assert "unpaced: SATCHEL_RECHECK_RATE" in text  # the suite's sweeps are unpaced
