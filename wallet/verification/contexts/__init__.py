"""The vendored JSON-LD contexts and the only document loader the verifier ever gives pyld.

Every context is a file under `files/`, pinned by SHA-256 in `manifest.json` (written by
`scripts/vendor_contexts.py`). Nothing is fetched: a URL outside the manifest raises
UnknownContext, so a credential cannot make the verifier reach the network or change what a
signature covers by pointing at a context host.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import UnknownContext

_HERE = Path(__file__).resolve().parent


def _read_manifest() -> dict[str, str]:
    entries = json.loads((_HERE / "manifest.json").read_text(encoding="utf-8"))
    return {entry["url"]: entry["file"] for entry in entries}


_FILES: dict[str, str] = _read_manifest()

KNOWN_CONTEXT_URLS: frozenset[str] = frozenset(_FILES)


@cache
def _parsed(file: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((_HERE / file).read_text(encoding="utf-8"))
    return document


def load_context(url: str) -> dict[str, Any]:
    """The vendored context document for `url`, parsed once. Treat it as read-only."""
    file = _FILES.get(url)
    if file is None:
        raise UnknownContext(url)
    return _parsed(file)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader over the vendored set.

    The "static" tag lets pyld keep the processed context in its shared cache across calls,
    which is where most of the JSON-LD processing time goes. pyld may rewrite context URLs
    inside the document it receives, so it gets a private copy; pyld's cache means this runs
    about once per context per process.
    """
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(load_context(url)),
        "tag": "static",
    }


__all__ = ["KNOWN_CONTEXT_URLS", "document_loader", "load_context"]
