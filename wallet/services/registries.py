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
from urllib.parse import urlencode

from django.db import transaction

from config.outbound import make_fetcher
from wallet import federation
from wallet.models import Credential, IssuerRegistry, RegistryListing, RegistryLookup
from wallet.registries import OIDF_PREFIX, configured, is_federation, parse_registry
from wallet.verification.fetch import Fetcher, FetchError, FetchResult

# Issuers asked about per run, per trust anchor (each is one request).
MAX_LOOKUPS = 1000

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
        if is_federation(url):
            results.append(_federation_refresh(fetcher, registry, name, url, now))
            continue
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


def _federation_refresh(
    fetcher: Fetcher, registry: IssuerRegistry, name: str, url: str, now: datetime
) -> RefreshResult:
    """Read the trust anchor's entity configuration, then ask its fetch endpoint about every
    issuer DID in Satchel's records (OpenID Federation 1.0, 8.1). Issuer DIDs are public; no
    learner is named. An answer that is neither a checked statement nor 404 changes nothing."""
    stamp = int(now.timestamp())
    config_url = url.removeprefix(OIDF_PREFIX)
    try:
        answer = fetcher.fetch(config_url, accept=federation.MEDIA_TYPE)
        if not answer.ok:
            raise federation.FederationError(f"the trust anchor answered HTTP {answer.status}")
        anchor = federation.read_entity_configuration(_text_of(answer), url=config_url, now=stamp)
    except (FetchError, federation.FederationError) as exc:
        error = str(exc)[:500]
        logger.warning("issuer registry %s not read: %s", config_url, error)
        IssuerRegistry.objects.filter(pk=registry.pk).update(
            name=name, attempted_at=now, error=error
        )
        return RefreshResult(url=url, read=False, error=error)
    issuers = (
        Credential.objects.filter(issuer_id__startswith="did:")
        .values_list("issuer_id", flat=True)
        .distinct()
        .order_by("issuer_id")[:MAX_LOOKUPS]
    )
    listed = 0
    for did in issuers:
        separator = "&" if "?" in anchor.fetch_endpoint else "?"
        try:
            reply = fetcher.fetch(
                f"{anchor.fetch_endpoint}{separator}{urlencode({'sub': did})}",
                accept=federation.MEDIA_TYPE,
            )
            if reply.status == 404:
                listing = None
            elif reply.ok:
                listing = federation.read_subordinate_statement(
                    _text_of(reply), anchor=anchor, subject=did, now=stamp
                )
            else:
                continue
        except (FetchError, federation.FederationError) as exc:
            logger.info("issuer registry %s: %s not looked up: %s", config_url, did, exc)
            continue
        RegistryLookup.objects.update_or_create(
            registry=registry,
            issuer_id=did,
            defaults={
                "listed": listing is not None,
                "name": listing.name if listing else "",
                "url": listing.url if listing else "",
                "checked_at": now,
            },
        )
        listed += listing is not None
    IssuerRegistry.objects.filter(pk=registry.pk).update(
        name=name, fetched_at=now, attempted_at=now, error=""
    )
    return RefreshResult(url=url, read=True, listings=listed)


def _text_of(answer: FetchResult) -> str:
    try:
        return answer.body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise federation.FederationError("a statement is a compact JWT") from exc
