"""Looking CASE items up at their providers (wallet.case says what and where).

Only when the learner asks (the skills page's button: their consent to contacting the
frameworks' publishers, who learn that an item was asked about, never by whom), through the
outbound door, one item at a time. What a provider answered is kept (`CaseItem`) and shared
by every learner, so a framework is asked once; an item is asked again only when its answer
is older than REFRESH_AFTER (frameworks change rarely) or its last attempt failed more than
RETRY_AFTER ago. An item that cannot be looked up keeps showing what the credential says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from config.protocol_client import ProtocolClient, RemoteError
from wallet import case
from wallet.models import CaseItem
from wallet.selectors import case_alignment_urls
from wallet.services.audit import audit_record

logger = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=30)
RETRY_AFTER = timedelta(days=1)
MAX_ITEMS_PER_RUN = 200


@dataclass(frozen=True)
class LookupResult:
    asked: int
    resolved: int


def case_lookup_due(*, urls: list[str], now: datetime) -> list[str]:
    """Of these alignment URLs, the ones to ask about now."""
    known = {
        row.uri: row
        for row in CaseItem.objects.filter(uri__in=urls).only("uri", "fetched_at", "attempted_at")
    }
    due = []
    for url in urls:
        row = known.get(url)
        if row is None:
            due.append(url)
        elif row.fetched_at is not None:
            if now - row.fetched_at >= REFRESH_AFTER:
                due.append(url)
        elif row.attempted_at is None or now - row.attempted_at >= RETRY_AFTER:
            due.append(url)
    return due


def case_items_lookup(*, owner: User, now: datetime) -> LookupResult:
    """Look up the CASE items the owner's credentials align to (the learner asked to)."""
    due = case_lookup_due(urls=case_alignment_urls(owner=owner), now=now)[:MAX_ITEMS_PER_RUN]
    resolved = case_items_fetch(urls=due, now=now)
    with transaction.atomic():
        audit_record(
            user=owner,
            action="skills.looked_up",
            detail={"asked": len(due), "resolved": resolved},
            now=now,
        )
    return LookupResult(asked=len(due), resolved=resolved)


def case_items_refresh(*, now: datetime) -> int:
    """The rare refresh (beat): items looked up before whose answer has grown old. Asks
    nothing new, so no learner's credentials are revealed by it."""
    stale = CaseItem.objects.filter(
        Q(fetched_at__lte=now - REFRESH_AFTER)
        | Q(fetched_at__isnull=True, attempted_at__lte=now - RETRY_AFTER)
    ).values_list("uri", flat=True)[:MAX_ITEMS_PER_RUN]
    return case_items_fetch(urls=list(stale), now=now)


def case_items_fetch(*, urls: list[str], now: datetime) -> int:
    """Ask each item's provider, and its framework's; how many items were resolved."""
    client = ProtocolClient(party="CASE provider")
    documents: dict[str, dict[str, str]] = {}
    resolved = 0
    for url in urls:
        try:
            item, api_base = _get_item(client, url)
        except (RemoteError, ValueError) as exc:
            _failed(url, now, str(exc))
            continue
        framework = {"title": item.framework_title, "creator": "", "version": ""}
        doc_url = case.document_url(api_base, item.framework_id)
        if doc_url:
            if doc_url not in documents:
                documents[doc_url] = _get_document(client, doc_url)
            framework = {**framework, **{k: v for k, v in documents[doc_url].items() if v}}
        CaseItem.objects.update_or_create(
            uri=url[:2000],
            defaults={
                "identifier": item.identifier,
                "full_statement": item.full_statement,
                "human_coding_scheme": item.human_coding_scheme,
                "abbreviated_statement": item.abbreviated_statement,
                "item_type": item.item_type,
                "framework_title": framework["title"],
                "framework_uri": item.framework_uri,
                "framework_creator": framework["creator"],
                "framework_version": framework["version"],
                "fetched_at": now,
                "attempted_at": now,
                "error": "",
            },
        )
        resolved += 1
    return resolved


def _get_item(client: ProtocolClient, url: str) -> tuple[case.Item, str]:
    address = case.item_address(url)
    if address is None:
        raise ValueError("not an address a CASE item can be asked at")
    answer = client.get_json(address.item_url)
    if not answer.ok:
        raise ValueError(f"the CASE provider answered HTTP {answer.status}")
    return case.parse_item(answer.data), address.api_base


def _get_document(client: ProtocolClient, url: str) -> dict[str, str]:
    """The framework's own title, creator and version; nothing when it cannot be read (the
    item's CFDocumentURI title still names it)."""
    try:
        answer = client.get_json(url)
        return case.parse_document(answer.data) if answer.ok else {}
    except (RemoteError, ValueError):
        return {}


def _failed(url: str, now: datetime, error: str) -> None:
    logger.info("CASE item %s not looked up: %s", url, error)
    # What was read before stays: a provider down for a day has not withdrawn its framework.
    row, created = CaseItem.objects.get_or_create(
        uri=url[:2000], defaults={"attempted_at": now, "error": error[:500]}
    )
    if not created:
        CaseItem.objects.filter(pk=row.pk).update(attempted_at=now, error=error[:500])
