"""`manage.py reverify`: re-check credentials not checked for a day (cron, without Redis)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wallet.services.reverify import reverify_due
from wallet.services.trash import purge_expired_trash


class Command(BaseCommand):
    help = "Re-check credentials last checked over 24 hours ago, and purge expired trash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--no-purge", action="store_true", help="Leave the trash alone.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = reverify_due(batch_size=options["batch_size"])
        self.stdout.write(f"Re-checked {count} credential(s).")
        if not options["no_purge"]:
            purged = purge_expired_trash()
            self.stdout.write(f"Removed {purged} credential(s) from the trash for good.")
