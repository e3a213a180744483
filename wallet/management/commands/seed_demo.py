"""`manage.py seed_demo`: the demo earner and a dozen credentials showing every verdict."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wallet.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo earner (demo data only: its issuer keys are public) and import."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo()
        if result.imported:
            self.stdout.write(f"Imported {len(result.imported)} demo credential file(s).")
        if result.skipped:
            self.stdout.write(f"{len(result.skipped)} demo file(s) already in the record.")
        for name in result.failed:
            self.stderr.write(f"Could not import {name}.")
        password = DEMO_PASSWORD if result.created_user else "(unchanged since it was created)"
        self.stdout.write(self.style.SUCCESS(f"Demo sign-in: {DEMO_EMAIL} / {password}"))
