"""Shared by the verify and interop commands: options from the command line, readable reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError

from wallet.verification.fetch import Fetcher, MapFetcher, NullFetcher
from wallet.verification.report import Report

MARKS = {"pass": "ok  ", "fail": "FAIL", "warning": "warn", "skipped": "skip"}


def parse_time(text: str | None) -> datetime:
    """--at: an ISO 8601 time (UTC when it names no zone); now when absent."""
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"--at: not an ISO 8601 time: {text!r}", returncode=2) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def map_fetcher(path: str) -> MapFetcher:
    try:
        return MapFetcher.from_url_map(Path(path))
    except (OSError, ValueError, AttributeError) as exc:
        raise CommandError(f"--url-map: cannot read {path}: {exc}", returncode=2) from exc


def live_fetcher() -> tuple[Fetcher, str]:
    """The app's guarded fetcher when it is installed; otherwise an offline one, said aloud."""
    try:
        from config.outbound import GuardedFetcher
    except ImportError:
        return NullFetcher(), "offline: no guarded fetcher is installed, nothing will be fetched"
    return GuardedFetcher(), ""


def report_lines(report: Report, indent: str = "") -> Iterator[str]:
    yield f"{indent}{report.verdict.label} [{report.verdict}] ({report.format}, {report.container})"
    for check in report.checks:
        yield f"{indent}  {MARKS.get(str(check.status), '?   ')} {check.code}: {check.message}"
        if check.detail and str(check.status) != "pass":
            yield f"{indent}         {check.detail}"
    for i, child in enumerate(report.children):
        yield f"{indent}  nested credential {i + 1}:"
        yield from report_lines(child, indent + "    ")
    for i, endorsement in enumerate(report.endorsements):
        yield f"{indent}  endorsement {i + 1}:"
        yield from report_lines(endorsement, indent + "    ")
