"""`manage.py present --user EMAIL [--credential ID ...] [--yes] [--json] LINK`: answer an
OpenID4VP request or a VC-API exchange for a learner, with the same consent rules as the
pages: only the credentials named with --credential are sent, none without; and nothing is
sent until confirmed (--yes, or "y" at the prompt). Exit 0 when something was sent."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from sharing import presenting
from sharing.models import VerifierRequest


class Command(BaseCommand):
    help = "Answer a verifier's request (OpenID4VP or VC-API) with the credentials named."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("link", metavar="LINK")
        parser.add_argument("--user", required=True, help="the learner's email")
        parser.add_argument(
            "--credential",
            action="append",
            type=int,
            default=[],
            help="a credential id to send (repeat for more); none are sent without it",
        )
        parser.add_argument("--yes", action="store_true", help="send without asking")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(email__iexact=options["user"]).first()
        if owner is None:
            raise CommandError(f"No learner with the email {options['user']}.")
        now = timezone.now()
        outcome: dict[str, Any] = {"protocol": None, "sent": [], "redirect_uri": "", "errors": []}
        try:
            opened = presenting.verifier_request_open(owner=owner, link=options["link"], now=now)
        except presenting.PresentingError as exc:
            outcome["errors"].append(str(exc))
            return self._finish(outcome, options)
        consent = presenting.consent_for(owner=owner, verifier_request=opened)
        outcome |= {
            "protocol": opened.protocol,
            "verifier": {
                "name": opened.verifier_name,
                "origin": opened.verifier_origin,
                "client_id": opened.client_id,
            },
            "asked": [
                {"id": a.id, "label": a.label, "matches": [c.pk for c in a.credentials]}
                for a in consent.asked
            ],
        }
        chosen: list[int] = list(dict.fromkeys(options["credential"]))
        if not options["json"]:
            self._describe(opened, consent)
        if not chosen:
            outcome["errors"].append(
                "Nothing sent: name the credentials to send with --credential."
            )
            return self._finish(outcome, options)
        picks = self._picks(opened, consent, chosen)
        if not options["yes"] and not self._confirmed(opened, len(chosen)):
            presenting.verifier_request_decline(owner=owner, verifier_request=opened, now=now)
            outcome["errors"].append("Not confirmed: nothing was sent.")
            return self._finish(outcome, options)
        try:
            answered = presenting.verifier_request_answer(
                owner=owner, verifier_request=opened, picks=picks, now=timezone.now()
            )
        except presenting.PresentingError as exc:
            outcome["errors"].append(str(exc))
            return self._finish(outcome, options)
        outcome["sent"] = [c.pk for c in answered.sent]
        outcome["redirect_uri"] = answered.redirect_uri
        return self._finish(outcome, options)

    @staticmethod
    def _picks(
        opened: VerifierRequest, consent: presenting.Consent, chosen: list[int]
    ) -> dict[str, list[int]]:
        """Each named credential goes to the queries it answers; one that answers none is
        still named, so the flow refuses it instead of quietly leaving it out."""
        picks: dict[str, list[int]] = {}
        for pk in chosen:
            homes = [a.id for a in consent.asked if pk in {c.pk for c in a.credentials}]
            if opened.protocol == VerifierRequest.Protocol.VCAPI:
                homes = homes[:1] or ["0"]
            for home in homes or [consent.asked[0].id if consent.asked else "0"]:
                picks.setdefault(home, []).append(pk)
        return picks

    def _describe(self, opened: VerifierRequest, consent: presenting.Consent) -> None:
        self.stdout.write(f"{opened.get_protocol_display()} request from {opened.verifier_name}")
        self.stdout.write(f"  answer goes to {opened.verifier_origin}")
        for asked in consent.asked:
            ids = ", ".join(str(c.pk) for c in asked.credentials) or "nothing in the record"
            self.stdout.write(f"  asks for {asked.label} ({asked.id}): matches {ids}")

    def _confirmed(self, opened: VerifierRequest, count: int) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"Send {count} credential(s) to {opened.verifier_origin}? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    def _finish(self, outcome: dict[str, Any], options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(outcome, indent=2))
        else:
            for error in outcome["errors"]:
                self.stderr.write(error)
            if outcome["sent"]:
                self.stdout.write(f"Sent credentials {', '.join(map(str, outcome['sent']))}.")
            if outcome["redirect_uri"]:
                self.stdout.write(f"The verifier continues at {outcome['redirect_uri']}")
        if not outcome["sent"]:
            sys.exit(1)
