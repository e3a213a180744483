"""`manage.py seed_demo`: the demo earner and a dozen credentials showing every verdict."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo earner (demo data only: its issuer keys are public) and import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--even-without-debug",
            action="store_true",
            help="Seed although DEBUG is off (the demo account's password is public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["even_without_debug"]:
            # A public password on a real deployment would be an open door.
            raise CommandError(
                "seed_demo creates an account with a published password; it runs only with "
                "DEBUG on (or pass --even-without-debug)."
            )
        result = seed_demo()
        if result.imported:
            self.stdout.write(f"Imported {len(result.imported)} demo credential file(s).")
        if result.skipped:
            self.stdout.write(f"{len(result.skipped)} demo file(s) already in the record.")
        for name in result.failed:
            self.stderr.write(f"Could not import {name}.")
        password = DEMO_PASSWORD if result.created_user else "(unchanged since it was created)"
        self.stdout.write(self.style.SUCCESS(f"Demo sign-in: {DEMO_EMAIL} / {password}"))
