"""`manage.py prune_repeated_runs`: once, after upgrading from a release whose daily re-check
wrote a run for every credential every day (docs/decisions/0031)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wallet.services.reverify import runs_prune_repeats


class Command(BaseCommand):
    help = (
        "Delete the scheduled re-check runs that found exactly what the run before them "
        "found (what the re-check no longer writes). Safe to stop and run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = runs_prune_repeats()
        self.stdout.write(f"Deleted {count} repeated run(s).")
