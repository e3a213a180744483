"""Is this issuer in a known registry? Three honest answers, never a verdict.

The operator names the registries (SATCHEL_ISSUER_REGISTRIES, most authoritative first), in
the DCC registry format: a JSON object whose `registry` maps each issuer DID to the `name`,
`url` and `location` the registry knows it by (digitalcredentials/issuer-registry-client,
"dcc-legacy"), or OpenID Federation trust anchors (`wallet.federation`), asked about each
issuer one by one. What was last read of each is stored (`IssuerRegistry`, `RegistryListing`) by
`wallet.services.registries`, daily through the outbound door; until a registry was read
once, the snapshot bundled with Satchel (`registry_snapshot.json`) answers for it.

- **listed**: at least one registry lists the issuer; the first (most authoritative) one's
  entry names it.
- **not listed**: every registry was read, and none lists it.
- **not checked**: none lists it, but at least one could never be read (no snapshot, never
  reached): nothing can be said.

Being unlisted is information about the issuer, never a failed check of the credential:
these statements stand beside the verdict and never change it. Pages read the database and
the snapshot only; nothing here reaches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from wallet.models import IssuerRegistry, RegistryListing, RegistryLookup

SNAPSHOT = Path(__file__).with_name("registry_snapshot.json")
LISTED = "listed"
NOT_LISTED = "not_listed"
NOT_CHECKED = "not_checked"
_TEXT_CAP = 300


@dataclass(frozen=True)
class Entry:
    """What a registry says of one issuer."""

    name: str = ""
    url: str = ""
    location: str = ""


@dataclass(frozen=True)
class Standing:
    """Where one issuer stands in the configured registries."""

    state: str
    # The registries that list it, most authoritative first, and the first one's entry.
    registries: tuple[str, ...] = ()
    entry: Entry = field(default_factory=Entry)
    # The registries that could not be read (for "not checked", and as a note otherwise).
    unchecked: tuple[str, ...] = ()
    # The oldest reading the answer rests on (a snapshot's `meta.updated`, or a fetch time).
    as_of: str = ""

    @property
    def sentence(self) -> str:
        if self.state == LISTED:
            names = gettext(" and ").join(self.registries)
            if self.entry.name:
                return gettext("Listed as %(name)s in the %(registries)s.") % {
                    "name": self.entry.name,
                    "registries": names,
                }
            return gettext("Listed in the %(registries)s.") % {"registries": names}
        if self.state == NOT_LISTED:
            return gettext(
                "Not listed in any known issuer registry Satchel checks. That says nothing "
                "against the credential: most issuers are in none."
            )
        return gettext(
            "Not checked: Satchel could not read the %(registries)s, and no other registry "
            "lists this issuer, so it cannot say whether the issuer is listed."
        ) % {"registries": ", ".join(self.unchecked)}


def parse_registry(data: Any) -> tuple[str, dict[str, Entry]]:
    """A DCC-format registry's `meta.updated` and its entries by DID. ValueError when the
    document is not one (a registry that answers something else was not read)."""
    if not isinstance(data, dict) or not isinstance(data.get("registry"), dict):
        raise ValueError("not a registry: no 'registry' object of issuer DIDs")
    meta = data.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    entries: dict[str, Entry] = {}
    for did, raw in data["registry"].items():
        if not isinstance(did, str) or not did.strip() or not isinstance(raw, dict):
            continue
        entries[did.strip()] = Entry(
            name=_text(raw.get("name")),
            url=_https(raw.get("url")),
            location=_text(raw.get("location")),
        )
    return _text(meta.get("updated"), 64), entries


@cache
def _snapshot() -> dict[str, tuple[str, dict[str, Entry]]]:
    try:
        data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for url, registry in (data.get("registries") or {}).items():
        try:
            found[url] = parse_registry(registry)
        except ValueError:
            continue
    return found


OIDF_PREFIX = "oidf:"


def configured() -> list[tuple[str, str]]:
    """(name, url) of each registry the operator configured, most authoritative first. An
    OpenID Federation trust anchor is named by its entity configuration's URL with the prefix
    `oidf:`; every other URL is a registry in the DCC format."""
    return list(settings.SATCHEL_ISSUER_REGISTRIES)


def is_federation(url: str) -> bool:
    return url.startswith(OIDF_PREFIX)


def issuer_standings(issuer_ids: Iterable[str]) -> dict[str, Standing]:
    """Each issuer's standing, in three queries however many issuers are asked about."""
    wanted = sorted({i for i in issuer_ids if i})
    if not wanted:
        return {}
    registries = configured()
    stored = {r.url: r for r in IssuerRegistry.objects.filter(url__in=[u for _, u in registries])}
    read_from_db = [stored[u].pk for _, u in registries if u in stored and stored[u].fetched_at]
    listings: dict[tuple[int, str], Entry] = {
        (row.registry_id, row.issuer_id): Entry(row.name, row.url, row.location)
        for row in RegistryListing.objects.filter(
            registry_id__in=read_from_db, issuer_id__in=wanted
        )
    }
    # OpenID Federation: per issuer, what the anchor answered (None: checked, not listed).
    federated = [stored[u].pk for _, u in registries if is_federation(u) and u in stored]
    lookups: dict[tuple[int, str], tuple[Entry | None, datetime]] = {
        (row.registry_id, row.issuer_id): (
            Entry(row.name, row.url) if row.listed else None,
            row.checked_at,
        )
        for row in RegistryLookup.objects.filter(registry_id__in=federated, issuer_id__in=wanted)
    }
    answers = {}
    for issuer_id in wanted:
        listed: list[tuple[str, Entry]] = []
        unchecked: list[str] = []
        dates: list[str] = []
        for name, url in registries:
            row = stored.get(url)
            if is_federation(url):
                if row is None or (row.pk, issuer_id) not in lookups:
                    unchecked.append(name)
                    continue
                entry, checked_at = lookups[(row.pk, issuer_id)]
                dates.append(_date(checked_at))
            elif row is not None and row.fetched_at is not None:
                dates.append(_date(row.fetched_at))
                entry = listings.get((row.pk, issuer_id))
            elif url in _snapshot():
                updated, entries = _snapshot()[url]
                dates.append(updated[:10])
                entry = entries.get(issuer_id)
            else:
                unchecked.append(name)
                continue
            if entry is not None:
                listed.append((name, entry))
        if listed:
            state = LISTED
        elif unchecked:
            state = NOT_CHECKED
        else:
            state = NOT_LISTED
        answers[issuer_id] = Standing(
            state=state,
            registries=tuple(name for name, _ in listed),
            entry=listed[0][1] if listed else Entry(),
            unchecked=tuple(unchecked),
            as_of=min(dates) if dates else "",
        )
    return answers


def issuer_standing(issuer_id: str) -> Standing | None:
    """One issuer's standing; None for a credential that names no issuer."""
    return issuer_standings([issuer_id]).get(issuer_id)


def _date(value: datetime) -> str:
    return value.date().isoformat()


def _text(value: Any, cap: int = _TEXT_CAP) -> str:
    return value.strip()[:cap] if isinstance(value, str) else ""


def _https(value: Any) -> str:
    text = _text(value, 2000)
    return text if text.startswith("https://") else ""
