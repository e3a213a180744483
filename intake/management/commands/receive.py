"""`manage.py receive --user EMAIL [--tx-code CODE] [--yes] [--json] LINK`: receive credentials
from an issuer's link (an OpenID4VCI offer, a VC-API exchange, a DCC request) for a learner,
through the same flow as the /receive page. Nothing is sent to the issuer until confirmed
(--yes, or "y" at the prompt). Prints each stored credential's id and verdict (--json:
`{"protocol", "stored": [{"id", "verdict"}], "errors"}`); exit 0 when at least one credential
was stored, 1 otherwise. An issuer that signs the learner in on its own site first cannot be
served here: use the page."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from intake.models import ReceiveAttempt
from intake.services import receiving


class Command(BaseCommand):
    help = "Receive credentials from an issuer's offer or exchange link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("link", metavar="LINK")
        parser.add_argument("--user", required=True, help="the learner's email")
        parser.add_argument("--tx-code", default="", help="the transaction code (PIN), if asked")
        parser.add_argument("--yes", action="store_true", help="consent without asking")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(email__iexact=options["user"]).first()
        if owner is None:
            raise CommandError(f"No learner with the email {options['user']}.")
        outcome: dict[str, Any] = {"protocol": None, "stored": [], "errors": []}
        try:
            attempt = receiving.receive_open(owner=owner, link=options["link"], now=timezone.now())
        except receiving.ReceiveError as exc:
            outcome["errors"].append(str(exc))
            return self._finish(outcome, options)
        outcome["protocol"] = attempt.protocol
        outcome["attempt"] = attempt.pk
        outcome["issuer"] = {"name": attempt.issuer_name, "origin": attempt.issuer_origin}
        if attempt.state != ReceiveAttempt.State.PENDING:
            outcome["errors"].append(attempt.error)
            return self._finish(outcome, options)
        if not options["json"]:
            self._describe(owner, attempt)
        if not options["yes"] and not self._confirmed(attempt):
            receiving.receive_decline(owner=owner, attempt=attempt, now=timezone.now())
            outcome["errors"].append("Not confirmed: nothing was sent to the issuer.")
            return self._finish(outcome, options)
        try:
            progress = receiving.receive_accept(
                owner=owner, attempt=attempt, now=timezone.now(), tx_code=options["tx_code"]
            )
        except receiving.ReceiveError as exc:
            outcome["errors"].append(str(exc))
            return self._finish(outcome, options)
        attempt = progress.attempt
        outcome["state"] = attempt.state
        outcome["stored"] = [{"id": s["id"], "verdict": s["verdict"]} for s in attempt.stored]
        if attempt.error:
            outcome["errors"].append(attempt.error)
        if attempt.state == ReceiveAttempt.State.WAITING and not outcome["stored"]:
            outcome["errors"].append(
                "The issuer deferred the credential: it is collected in the background."
            )
        return self._finish(outcome, options)

    def _describe(self, owner: User, attempt: ReceiveAttempt) -> None:
        consent = receiving.consent_for(owner=owner, attempt=attempt)
        self.stdout.write(f"{attempt.get_protocol_display()} from {attempt.issuer_name}")
        self.stdout.write(f"  issuer at {attempt.issuer_origin}")
        for item in attempt.offered:
            self.stdout.write(f"  offers {item['name']} ({item['format'] or 'unknown format'})")
        self.stdout.write(f"  bound to {consent.holder}")

    def _confirmed(self, attempt: ReceiveAttempt) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"Receive from {attempt.issuer_origin}? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    def _finish(self, outcome: dict[str, Any], options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(outcome, indent=2))
        else:
            for error in outcome["errors"]:
                self.stderr.write(error)
            for stored in outcome["stored"]:
                self.stdout.write(f"Stored credential {stored['id']}: {stored['verdict']}")
        if not outcome["stored"]:
            sys.exit(1)
