"""The learner's history of presentations sent: a page, and its export (CSV or JSON)."""

from __future__ import annotations

import csv
import io
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.http import SignedInRequest
from sharing.history import presentation_history


@never_cache
@login_required
@require_GET
def history(request: SignedInRequest) -> HttpResponse:
    rows = presentation_history(owner=request.user, origin=settings.SATCHEL_PUBLIC_ORIGIN)
    return render(request, "sharing/history.html", {"rows": rows})


@never_cache
@login_required
@require_GET
def history_export(request: SignedInRequest, kind: str) -> HttpResponse:
    rows = [
        row.as_row()
        for row in presentation_history(owner=request.user, origin=settings.SATCHEL_PUBLIC_ORIGIN)
    ]
    if kind == "json":
        response = HttpResponse(
            json.dumps({"presentations": rows}, indent=2), content_type="application/json"
        )
    elif kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["sent_at", "protocol", "to", "origin", "credentials", "purpose"])
        for row in rows:
            writer.writerow(
                [
                    row["sent_at"],
                    row["protocol"],
                    _cell(row["to"]),
                    _cell(row["origin"]),
                    _cell("; ".join(row["credentials"])),
                    _cell(row["purpose"]),
                ]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="presentations.{kind}"'
    return response


def _cell(value: str) -> str:
    """A spreadsheet must not run what a verifier named itself: formulas start as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
