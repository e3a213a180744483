"""Reading the known issuer registries again (daily, `wallet.tasks.refresh_issuer_registries`).

Each configured registry is fetched through the outbound door and, when it answers a
registry, its listings replace the stored ones in one transaction. When it cannot be
reached or answers something else, what was read before stays (a registry that is down
for a day has not dropped its issuers) and the failure is noted for the operator.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from config.outbound import make_fetcher
from wallet.models import IssuerRegistry, RegistryListing
from wallet.registries import configured, parse_registry
from wallet.verification.fetch import FetchError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshResult:
    url: str
    read: bool
    listings: int = 0
    error: str = ""


def registries_refresh(*, now: datetime) -> list[RefreshResult]:
    """Read every configured registry once; returns what became of each."""
    fetcher = make_fetcher()
    results = []
    for name, url in configured():
        registry, _ = IssuerRegistry.objects.get_or_create(url=url, defaults={"name": name})
        try:
            answer = fetcher.fetch(url, accept="application/json")
            if not answer.ok:
                raise ValueError(f"the registry answered HTTP {answer.status}")
            updated, entries = parse_registry(json.loads(answer.body))
        except (FetchError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            error = str(exc)[:500] or exc.__class__.__name__
            logger.warning("issuer registry %s not read: %s", url, error)
            IssuerRegistry.objects.filter(pk=registry.pk).update(
                name=name, attempted_at=now, error=error
            )
            results.append(RefreshResult(url=url, read=False, error=error))
            continue
        with transaction.atomic():
            RegistryListing.objects.filter(registry=registry).delete()
            RegistryListing.objects.bulk_create(
                RegistryListing(
                    registry=registry,
                    issuer_id=did[:2000],
                    name=entry.name,
                    url=entry.url,
                    location=entry.location,
                )
                for did, entry in entries.items()
            )
            IssuerRegistry.objects.filter(pk=registry.pk).update(
                name=name, fetched_at=now, updated=updated, attempted_at=now, error=""
            )
        results.append(RefreshResult(url=url, read=True, listings=len(entries)))
    return results
