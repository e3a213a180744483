"""The import page: upload (one file, many, or a ZIP), paste, or a link; and a ZIP batch's
progress. Plain functions that parse, call one service, and say what happened."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.http import SignedInRequest
from intake.archives import ArchiveRefused
from intake.forms import PasteForm, UploadForm, UrlForm
from intake.models import ImportBatch
from intake.selectors import access_import_batch
from intake.services import arrival, refresh, uploads
from wallet.models import Source
from wallet.selectors import access_credential, record_credentials
from wallet.services import store
from wallet.wording import stored_message, verdict_label, verdict_phrase

_RESULTS_KEY = "intake.upload_results"


@login_required
@require_GET
def import_page(request: SignedInRequest) -> HttpResponse:
    return _import_page(request)


def _import_page(request: SignedInRequest, **forms: Any) -> HttpResponse:
    context = {
        "upload_form": forms.get("upload_form") or UploadForm(),
        "paste_form": forms.get("paste_form") or PasteForm(),
        "url_form": forms.get("url_form") or UrlForm(),
        "max_upload_mb": settings.SATCHEL_MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "intake/import.html", context, status=forms.get("status", 200))


@login_required
@require_POST
def import_upload(request: SignedInRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, upload_form=form, status=400)
    files = form.cleaned_data["files"]
    if len(files) == 1:
        return _import_one_upload(request, files[0])
    # Post, then redirect: reloading the results page must not import the files again.
    request.session[_RESULTS_KEY] = [_upload_result(request, upload) for upload in files]
    return redirect("wallet:import_results")


@login_required
@require_GET
def import_results(request: SignedInRequest) -> HttpResponse:
    rows = request.session.get(_RESULTS_KEY)
    if not isinstance(rows, list):
        return redirect("wallet:import")
    return render(request, "intake/import_results.html", {"results": _with_verdicts(request, rows)})


def _with_verdicts(request: SignedInRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the verdict its credential has now (a row's credential may have been
    trashed or checked again since; the owner's own record is the only one looked at)."""
    ids = [row["credential_id"] for row in rows if isinstance(row.get("credential_id"), int)]
    verdicts: dict[Any, str] = dict(
        record_credentials(owner=request.user, pks=ids).values_list("pk", "verdict")
    )
    return [
        {
            **row,
            "verdict": verdicts.get(row.get("credential_id"), ""),
            # A task wrote the message in English: shown in the reader's language.
            "message": stored_message(str(row.get("message") or ""), row.get("message_i18n")),
        }
        for row in rows
    ]


def _import_one_upload(request: SignedInRequest, upload: Any) -> HttpResponse:
    try:
        result = uploads.upload_import(owner=request.user, upload=upload)
    except ArchiveRefused as exc:
        messages.error(request, str(exc))
        return redirect("wallet:import")
    if isinstance(result, ImportBatch):
        return redirect("wallet:import_batch", batch_id=result.pk)
    return _after_import(request, result)


def _upload_result(request: SignedInRequest, upload: Any) -> dict[str, Any]:
    name = upload.name or "file"
    if not upload.size:
        return {"name": name, "status": store.FAILED, "message": _("The file is empty.")}
    try:
        result = uploads.upload_import(owner=request.user, upload=upload)
    except ArchiveRefused as exc:
        return {"name": name, "status": store.FAILED, "message": str(exc)}
    if isinstance(result, ImportBatch):
        return {
            "name": name,
            "status": "batch",
            "message": ngettext(
                "An archive of %(count)s file: importing in the background.",
                "An archive of %(count)s files: importing in the background.",
                result.total,
            )
            % {"count": result.total},
            "batch_id": result.pk,
        }
    return {
        "name": name,
        "status": result.status,
        "message": result.message,
        "credential_id": result.credential.pk if result.credential else None,
    }


@login_required
@require_POST
def import_paste(request: SignedInRequest) -> HttpResponse:
    form = PasteForm(request.POST)
    if not form.is_valid():
        return _import_page(request, paste_form=form, status=400)
    outcome = arrival.credential_import(
        owner=request.user, data=form.cleaned_data["text"].encode(), source=Source.PASTE
    )
    if outcome.status == store.FAILED:
        form.add_error("text", outcome.message)
        return _import_page(request, paste_form=form, status=400)
    return _after_import(request, outcome)


@login_required
@require_POST
def import_url(request: SignedInRequest) -> HttpResponse:
    form = UrlForm(request.POST)
    if not form.is_valid():
        return _import_page(request, url_form=form, status=400)
    outcome = arrival.credential_import_url(owner=request.user, url=form.cleaned_data["url"])
    if outcome.status == store.FAILED:
        form.add_error("url", outcome.message)
        return _import_page(request, url_form=form, status=400)
    return _after_import(request, outcome)


def _after_import(request: SignedInRequest, outcome: store.ImportOutcome) -> HttpResponse:
    """Say what happened, and whether what was stored verifies, then show the credential."""
    credential = outcome.credential
    if outcome.status == store.FAILED or credential is None:
        messages.error(request, outcome.message)
        return redirect("wallet:import")
    if len(outcome.credentials) > 1:
        messages.success(request, outcome.message)
        return redirect("wallet:record")
    if outcome.status == store.DUPLICATE:
        messages.info(request, outcome.message)
    elif credential.verifies:
        messages.success(
            request,
            _("%(outcome)s %(verdict)s.")
            % {"outcome": outcome.message, "verdict": verdict_label(credential.verdict)},
        )
    else:
        messages.warning(
            request,
            _(
                "%(outcome)s It is kept in your record, but the check says: %(verdict)s. "
                "The checks below explain why."
            )
            % {"outcome": outcome.message, "verdict": verdict_phrase(credential.verdict)},
        )
    return redirect("wallet:credential", credential_id=credential.pk)


@login_required
@require_GET
def import_batch(request: SignedInRequest, batch_id: int) -> HttpResponse:
    batch = access_import_batch(owner=request.user, batch_id=batch_id)
    context = _batch_counts(batch)
    context["summary"] = _with_verdicts(request, context["summary"])
    context["batch_message"] = stored_message(batch.message, batch.message_i18n)
    return render(request, "intake/import_batch.html", {"batch": batch, **context})


@login_required
@require_GET
def import_batch_status(request: SignedInRequest, batch_id: int) -> JsonResponse:
    batch = access_import_batch(owner=request.user, batch_id=batch_id)
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": batch.get_status_display(),
            "done": batch.done,
            "total": batch.total,
            "finished": batch.is_finished,
            "message": stored_message(batch.message, batch.message_i18n),
        }
    )


def _batch_counts(batch: ImportBatch) -> dict[str, Any]:
    summary = batch.summary if isinstance(batch.summary, list) else []
    counts = {
        status: sum(1 for row in summary if row.get("status") == status)
        for status in (store.IMPORTED, store.UPDATED, store.DUPLICATE, store.FAILED)
    }
    return {"summary": summary, "counts": counts, "finished": batch.is_finished}


@login_required
@require_POST
def credential_refresh(request: SignedInRequest, credential_id: int) -> HttpResponse:
    """The learner asks the issuer for a newer copy (the button on the credential's page)."""
    credential = access_credential(owner=request.user, credential_id=credential_id)
    try:
        outcome = refresh.credential_refresh(owner=request.user, credential=credential)
    except refresh.RefreshError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, outcome.message)
    return redirect("wallet:credential", credential_id=credential.pk)
