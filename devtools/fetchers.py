"""The fetcher the development server runs with: SATCHEL_FETCHER names `demo_fetcher` in the
development environment file (scripts/dev_secrets.py), never in production.

The demo issuers' status list lives under a reserved `.example` origin that never resolves;
`DemoFetcher` answers for that origin only, so re-checks of the demo record keep their
verdicts, and hands everything else to the production fetcher, guards and all.
"""

from __future__ import annotations

from config.outbound import guarded_fetcher
from devtools.demo import DemoFetcher
from wallet.verification.fetch import Fetcher


def demo_fetcher() -> Fetcher:
    return DemoFetcher(fallback=guarded_fetcher())
