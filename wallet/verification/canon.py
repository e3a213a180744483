"""JSON-LD -> canonical N-Quads (RDFC-1.0).

INTERIM implementation (pyld URDNA2015 + the shared interop contexts); the contexts/canon
work replaces it with the vendored loader, pyld toRDF and pyoxigraph's RDFC-1.0. The public
interface stays: `canonize(document, *, cache=None) -> str`.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from pyld import jsonld

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "interop"


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    mapping = json.loads((_SHARED / "contexts" / "context-map.json").read_text())
    if url not in mapping:
        from .errors import UnknownContext

        raise UnknownContext(url)
    doc = json.loads((_SHARED / mapping[url]).read_text())
    return {"contextUrl": None, "documentUrl": url, "document": doc, "tag": "static"}


def canonize(document: dict[str, Any], *, cache: MutableMapping[str, str] | None = None) -> str:
    return jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
    )
