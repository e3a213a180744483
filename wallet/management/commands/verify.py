"""`manage.py verify FILE_OR_URL...`: verify credentials from the command line.

Exit status: 0 when every credential verifies (with or without warnings), 1 when any does
not, 2 on a usage error (bad --at, missing file, unreadable --url-map).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wallet.verification import VerifyOptions, verify_bytes, verify_url
from wallet.verification.fetch import Fetcher
from wallet.verification.report import Report
from wallet.verifier import make_budget

from ._reporting import live_fetcher, map_fetcher, parse_time, report_lines


class Command(BaseCommand):
    help = "Verify credentials (files or URLs) and print a report for each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
        parser.add_argument("--json", action="store_true", help="print a JSON list of reports")
        parser.add_argument("--url-map", help="serve URLs and DIDs from this url-map.json")
        parser.add_argument("--at", help="verify as of this ISO 8601 time (default: now)")
        parser.add_argument("--email", action="append", default=[], help="the earner's email")
        parser.add_argument("--did", action="append", default=[], help="the earner's DID")
        parser.add_argument("--challenge", help="expected presentation challenge")
        parser.add_argument("--domain", help="expected presentation domain")

    def handle(self, *args: Any, **opts: Any) -> None:
        now = parse_time(opts["at"])
        notice = ""
        fetcher: Fetcher
        if opts["url_map"]:
            fetcher = map_fetcher(opts["url_map"])
        else:
            fetcher, notice = live_fetcher()
        sources = [self._source(item) for item in opts["inputs"]]
        options = VerifyOptions(
            now=now,
            fetcher=fetcher,
            recipient_identifiers=tuple(opts["email"] + opts["did"]),
            challenge=opts["challenge"],
            domain=opts["domain"],
            budget=make_budget(),
        )
        if notice:
            self.stderr.write(notice)
        reports = [(item, self._verify(item, data, options)) for item, data in sources]
        if opts["json"]:
            payload = [{"input": item, **report.to_dict()} for item, report in reports]
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            for item, report in reports:
                self.stdout.write(f"{item}:")
                for line in report_lines(report, "  "):
                    self.stdout.write(line)
        failures = sum(1 for _, report in reports if not report.verdict.is_ok)
        if failures:
            raise CommandError(
                f"{failures} of {len(reports)} credential(s) did not verify.", returncode=1
            )

    @staticmethod
    def _source(item: str) -> tuple[str, bytes | None]:
        if item.startswith(("https://", "http://")):
            return item, None
        path = Path(item)
        if not path.is_file():
            raise CommandError(f"no such file: {item}", returncode=2)
        return item, path.read_bytes()

    @staticmethod
    def _verify(item: str, data: bytes | None, options: VerifyOptions) -> Report:
        if data is None:
            return verify_url(item, options=options)
        return verify_bytes(data, options=options, media_type=_media_type(item))


def _media_type(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    return {
        ".json": "application/json",
        ".jsonld": "application/ld+json",
        ".jwt": "application/vc+jwt",
        ".jws": "application/vc+jwt",
        ".png": "image/png",
        ".svg": "image/svg+xml",
    }.get(suffix)
