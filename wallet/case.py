"""CASE: the competency frameworks that achievements align to.

1EdTech Competencies and Academic Standards Exchange (CASE) 1.1, REST/JSON binding: a
provider serves `GET {base}/ims/case/v1p1/CFItems/{sourcedId}` (one competency: its
`fullStatement`, `humanCodingScheme`, `CFItemType`, and `CFDocumentURI`, the LinkURI of its
framework) and `GET {base}/ims/case/v1p1/CFDocuments/{sourcedId}` (the framework: `title`,
`creator`, `version`), without authentication. Open Badges 3.0 points at an item from an
`Alignment` whose `targetType` is `CFItem` and whose `targetUrl` is the item's URI, often a
CASE Network / registry URI `https://{host}/uri/{uuid}` (OB 3.0 examples,
"achievementAlignmentCase"). This module only reads addresses and documents; fetching is
`wallet.services.case`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_API_ITEM = re.compile(r"^(?P<base>.*/ims/case/v1p[01])/CFItems/(?P<id>[^/?#]+)$")
_URI_ITEM = re.compile(rf"^(?P<prefix>.*)/uri/(?P<id>{_UUID})$")
_LAST_UUID = re.compile(rf"/(?P<id>{_UUID})$")
_TEXT_CAP = 2000


@dataclass(frozen=True)
class ItemAddress:
    """Where to ask for a CASE item, and the API base its framework is found under."""

    item_url: str
    api_base: str  # "https://host/ims/case/v1p1", or "" when the item URL is not an API one


def is_case_alignment(alignment: dict[str, Any]) -> bool:
    """An alignment to a CASE item: `targetType` CFItem, or a URL in a CASE API or URI form."""
    if alignment.get("type") == "CFItem":
        return bool(alignment.get("url"))
    url = alignment.get("url") or ""
    path = urlsplit(url).path if url.startswith(("https://", "http://")) else ""
    return bool(_API_ITEM.match(path) or _URI_ITEM.match(path))


def item_address(url: str) -> ItemAddress | None:
    """The getCFItem address for an alignment's `targetUrl` (https only)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    api = _API_ITEM.match(path)
    if api:
        return ItemAddress(origin + path, origin + api["base"])
    uri = _URI_ITEM.match(path) or _LAST_UUID.search(path)
    if uri:
        base = f"{origin}/ims/case/v1p1"
        return ItemAddress(f"{base}/CFItems/{uri['id'].lower()}", base)
    # A CFItem URI of another shape: the URI is meant to be network-resolvable, so ask it.
    return ItemAddress(url, "")


@dataclass(frozen=True)
class Item:
    identifier: str
    full_statement: str
    human_coding_scheme: str
    abbreviated_statement: str
    item_type: str
    framework_id: str
    framework_title: str
    framework_uri: str


def parse_item(data: Any) -> Item:
    """A CFItem as served by getCFItem; ValueError when it is not one (no fullStatement)."""
    if isinstance(data, dict) and isinstance(data.get("CFItem"), dict):
        data = data["CFItem"]  # some providers wrap it
    if not isinstance(data, dict) or not _text(data.get("fullStatement")):
        raise ValueError("not a CASE item: no fullStatement")
    document = data.get("CFDocumentURI")
    if not isinstance(document, dict):
        document = {}
    return Item(
        identifier=_text(data.get("identifier") or data.get("sourcedId"), 100),
        full_statement=_text(data.get("fullStatement")),
        human_coding_scheme=_text(data.get("humanCodingScheme"), 200),
        abbreviated_statement=_text(data.get("abbreviatedStatement"), 500),
        item_type=_text(data.get("CFItemType"), 200),
        framework_id=_text(document.get("identifier"), 100),
        framework_title=_text(document.get("title"), 500),
        framework_uri=_https(document.get("uri")),
    )


def parse_document(data: Any) -> dict[str, str]:
    """The parts of a CFDocument the skills page shows: title, creator, version."""
    if isinstance(data, dict) and isinstance(data.get("CFDocument"), dict):
        data = data["CFDocument"]
    if not isinstance(data, dict) or not _text(data.get("title")):
        raise ValueError("not a CASE framework: no title")
    return {
        "title": _text(data.get("title"), 500),
        "creator": _text(data.get("creator"), 500),
        "version": _text(data.get("version"), 100),
    }


def document_url(api_base: str, framework_id: str) -> str:
    if not api_base or not re.fullmatch(r"[A-Za-z0-9._~-]+", framework_id or ""):
        return ""
    return f"{api_base}/CFDocuments/{framework_id}"


def _text(value: Any, cap: int = _TEXT_CAP) -> str:
    return value.strip()[:cap] if isinstance(value, str) else ""


def _https(value: Any) -> str:
    text = _text(value)
    return text if text.startswith("https://") else ""
