"""Credential verification: bytes, a URL or a document in, a Report out. Pure Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .budget import Budget
from .fetch import MapFetcher
from .limits import Limits
from .options import VerifyOptions
from .report import Check, Report, Status, Verdict

if TYPE_CHECKING:
    from .pipeline import verify_bytes, verify_document, verify_url

_PIPELINE = frozenset({"verify_bytes", "verify_document", "verify_url"})


def __getattr__(name: str) -> Any:
    # The pipeline pulls in pyld and every proof module; importing `fetch` or `report` alone
    # (the app's fetcher, the models) should not pay for that.
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Budget",
    "Check",
    "Limits",
    "MapFetcher",
    "Report",
    "Status",
    "Verdict",
    "VerifyOptions",
    "verify_bytes",
    "verify_document",
    "verify_url",
]
