"""Reads for export and restore: an earner's export and restore jobs, and the download a
link opens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from portability.models import ExportJob, RestoreJob
from portability.services.jobs import export_token_hash


class ExportExpired(Exception):
    """The link was the owner's, but its time is up (and its file gone, or about to be)."""


def _as_pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such export.") from None


def export_jobs(*, owner: User, limit: int = 10) -> QuerySet[ExportJob]:
    """The owner's latest exports, newest first, without their files."""
    return ExportJob.objects.filter(owner=owner).defer("data")[:limit]


def access_export_job(*, owner: User, job_id: Any) -> ExportJob:
    """The owner's export job (without its file), or Http404, also for anyone else's."""
    job = ExportJob.objects.filter(owner=owner, pk=_as_pk(job_id)).defer("data").first()
    if job is None:
        raise Http404("No such export.")
    return job


def access_restore_job(*, owner: User, job_id: Any) -> RestoreJob:
    """The owner's restore job (without its file), or Http404, also for anyone else's."""
    try:
        pk = int(job_id)
    except (TypeError, ValueError):
        raise Http404("No such restore.") from None
    job = RestoreJob.objects.filter(owner=owner, pk=pk).defer("data").first()
    if job is None:
        raise Http404("No such restore.")
    return job


def export_download(*, owner: User, token: str, now: datetime) -> ExportJob:
    """The finished export a download link opens for its owner.

    Http404 for an unknown token, anyone else's, or one not built; ExportExpired once the
    link's time is up.
    """
    if not token or len(token) > 100:
        raise Http404("No such export.")
    job = ExportJob.objects.filter(owner=owner, token_hash=export_token_hash(token)).first()
    if job is None or job.status != ExportJob.Status.DONE:
        raise Http404("No such export.")
    if job.download_expired(now) or not job.data:
        raise ExportExpired
    return job
