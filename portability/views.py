"""Export and restore pages: the CLR bundle, the full export (with its progress and expiring
download link) and the restore upload. Thin: parse, call one service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from accounts.models import User
from intake.archives import max_archive_bytes
from portability import clr, selectors, services
from portability.crypto import MIN_PASSPHRASE
from portability.forms import ClrBundleForm, ExportForm, RestoreForm, ResumeForm
from sharing import lerrs
from sharing.services import resume_share_create
from wallet import responses
from wallet.models import Credential
from wallet.selectors import live_credentials, live_credentials_and_contents


def _live(owner: User) -> QuerySet[Credential]:
    return live_credentials(owner=owner).defer("original").order_by("-issued_at", "-pk")


def _pickable(owner: User) -> QuerySet[Credential]:
    """For the CLR bundle: the record's credentials and those inside its CLRs, each CLR's
    contents right after it."""
    return (
        live_credentials_and_contents(owner=owner)
        .select_related("parent")
        .defer("original", "parent__original")
        .order_by(
            Coalesce("parent__issued_at", "issued_at").desc(nulls_last=True),
            Coalesce("parent_id", "id").desc(),
            F("parent_id").asc(nulls_first=True),
            "-issued_at",
            "-pk",
        )
    )


def _export_page(
    request: SignedInRequest,
    *,
    clr_form: ClrBundleForm | None = None,
    export_form: ExportForm | None = None,
    resume_form: ResumeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    live = _live(request.user)
    return render(
        request,
        "portability/export.html",
        {
            "clr_form": clr_form
            or ClrBundleForm(credentials=_pickable(request.user), prefix="clr"),
            "export_form": export_form or ExportForm(credentials=live, prefix="export"),
            "resume_form": resume_form or ResumeForm(credentials=live, prefix="resume"),
            "jobs": selectors.export_jobs(owner=request.user),
            "has_credentials": live.exists(),
            "min_passphrase": MIN_PASSPHRASE,
        },
        status=status,
    )


@login_required
@require_GET
def export_page(request: SignedInRequest) -> HttpResponse:
    return _export_page(request)


# --- the CLR bundle ---------------------------------------------------------------------


@login_required
@require_POST
def clr_bundle(request: SignedInRequest) -> HttpResponse:
    """Build the bundle and show what went in and what could not, with the downloads.

    With `download` (json or png) the same choice comes back as the file itself.
    """
    form = ClrBundleForm(request.POST, credentials=_pickable(request.user), prefix="clr")
    if not form.is_valid():
        return _export_page(request, clr_form=form, status=400)
    now = timezone.now()
    try:
        bundle = clr.clr_bundle_for(
            owner=request.user,
            credential_ids=form.credential_ids(),
            now=now,
            name=form.cleaned_data["name"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _export_page(request, clr_form=form, status=400)
    download = request.POST.get("download")
    if download in ("json", "png") and bundle.included:
        return _bundle_download(bundle, download, now)
    return render(request, "portability/clr_bundle.html", {"bundle": bundle, "form": form})


def _bundle_download(bundle: Any, kind: str, now: Any) -> HttpResponse:
    if kind == "png":
        body, media_type = clr.clr_bundle_png(bundle), "image/png"
    else:
        body = json.dumps(bundle.document, indent=2, ensure_ascii=False).encode()
        media_type = "application/json"
    filename = clr.clr_bundle_filename(now, kind)
    return responses.download_response(content=body, filename=filename, media_type=media_type)


# --- the LER-RS résumé ------------------------------------------------------------------


@login_required
@require_POST
def resume(request: SignedInRequest) -> HttpResponse:
    """The résumé as HR Open LER-RS JSON (`download=lerrs`) or wrapped in a credential the
    learner signs (`download=signed`); without either, what went in and what could not."""
    form = ResumeForm(request.POST, credentials=_live(request.user), prefix="resume")
    if not form.is_valid():
        return _export_page(request, resume_form=form, status=400)
    now = timezone.now()
    try:
        built = lerrs.resume_for(
            owner=request.user,
            person=form.person(),
            credential_ids=form.credential_ids(),
            now=now,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _export_page(request, resume_form=form, status=400)
    download = request.POST.get("download")
    if download == "share":
        try:
            share, _token = resume_share_create(
                owner=request.user,
                person=form.person(),
                credential_ids=[c.pk for c in built.included],
                now=now,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return _export_page(request, resume_form=form, status=400)
        messages.success(request, gettext("Your résumé is shared: send this link to the employer."))
        return redirect("shares:detail", share.pk)
    if download == "signed":
        document = lerrs.lerrs_wrap(owner=request.user, document=built.document, now=now)
        filename = f"resume-ler-rs-signed-{now:%Y-%m-%d}.json"
    else:
        document, filename = built.document, f"resume-ler-rs-{now:%Y-%m-%d}.json"
    body = json.dumps(document, indent=2, ensure_ascii=False).encode()
    return responses.download_response(
        content=body, filename=filename, media_type="application/json"
    )


# --- the full export --------------------------------------------------------------------


@login_required
@require_POST
def export_create(request: SignedInRequest) -> HttpResponse:
    form = ExportForm(request.POST, credentials=_live(request.user), prefix="export")
    if not form.is_valid():
        return _export_page(request, export_form=form, status=400)
    try:
        job = services.export_job_create(
            owner=request.user,
            passphrase=form.cleaned_data["passphrase"],
            include_holder_key=form.cleaned_data["include_holder_key"],
            credential_ids=form.credential_ids(),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _export_page(request, export_form=form, status=400)
    return redirect("portability:export_job", job_id=job.pk)


@login_required
@require_GET
def export_job(request: SignedInRequest, job_id: int) -> HttpResponse:
    job = selectors.access_export_job(owner=request.user, job_id=job_id)
    now = timezone.now()
    ready = job.download_ready(now)
    return render(
        request,
        "portability/export_job.html",
        {
            "job": job,
            "finished": job.is_finished,
            "ready": ready,
            "expired": job.download_expired(now),
            "token": services.export_job_token(job) if ready else "",
        },
    )


@login_required
@require_GET
def export_download(request: SignedInRequest, token: str) -> HttpResponse:
    try:
        job = selectors.export_download(owner=request.user, token=token, now=timezone.now())
    except selectors.ExportExpired:
        return render(request, "portability/export_expired.html", status=410)
    media_type = "application/octet-stream" if job.encrypted else "application/zip"
    return responses.download_response(
        content=bytes(job.data), filename=job.filename, media_type=media_type
    )


# --- restore ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def restore(request: SignedInRequest) -> HttpResponse:
    form = RestoreForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.export_restore(
                owner=request.user,
                data=upload.read(max_archive_bytes() + 1),
                passphrase=form.cleaned_data["passphrase"],
            )
        except services.RestoreRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, outcome.message)
            return redirect("wallet:record")
    status = 400 if form.errors else 200
    return render(request, "portability/restore.html", {"form": form}, status=status)
