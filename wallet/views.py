"""The record's pages: plain functions that parse, fetch through a selector, call one service.

Every view needs a signed-in earner and reaches data only through owner-scoped selectors
(anyone else's credential is a 404). Changes are POST-only and CSRF-protected.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from accounts.models import User
from accounts.selectors import holder_dids
from config.celery import enqueue_on_commit
from wallet import disclosable, registries, responses, selectors
from wallet.forms import (
    CollectionAssignForm,
    CollectionForm,
    ConfirmForm,
    FilterForm,
    NameForm,
    TagAssignForm,
)
from wallet.lookalikes import lookalike_notes
from wallet.models import Credential, RecipientMatch
from wallet.services import organise, reverify, trash
from wallet.wording import verdict_phrase

PAGE_SIZE = 24


# --- the record ---------------------------------------------------------------------------


@login_required
@require_GET
def record(request: SignedInRequest) -> HttpResponse:
    owner = request.user
    tags = list(selectors.tags(owner=owner))
    collections = list(selectors.collections(owner=owner))
    facets = selectors.record_facets(owner=owner)
    form = FilterForm(
        request.GET or None,
        issuers=facets.issuers,
        types=facets.types,
        skills=facets.skills,
        tags=tags,
        collections=collections,
    )
    credentials = selectors.credential_list(owner=owner, filters=form.filters())
    # Sorting and paging on the key alone keeps the sort's rows narrow on a large record;
    # only the page's own credentials are then read in full.
    keys = credentials.prefetch_related(None).values_list("pk", flat=True)
    page: Page[Any] = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.credentials_in_order(owner=owner, pks=list(page.object_list))
    notes = lookalike_notes(page.object_list)
    for credential in page.object_list:
        credential.lookalike_note = notes.get(credential.pk, "")
    return render(
        request,
        "wallet/record.html",
        {
            "form": form,
            "page": page,
            "notices": selectors.notices(owner=owner, unread_only=True)[:10],
            "has_any": page.paginator.count > 0 or form.is_filtered,
        },
    )


@login_required
@require_GET
def timeline(request: SignedInRequest) -> HttpResponse:
    return render(
        request, "wallet/timeline.html", {"credentials": selectors.timeline(owner=request.user)}
    )


@login_required
@require_GET
def skills(request: SignedInRequest) -> HttpResponse:
    groups = selectors.skills_by_framework(owner=request.user)
    unresolved = [s for g in groups for s in g.skills if s.is_case and s.case_item is None]
    hosts = sorted({urlsplit(s.url).netloc for s in unresolved})
    return render(
        request,
        "wallet/skills.html",
        {
            "groups": groups,
            "skills": [s for g in groups for s in g.skills],
            "unresolved": unresolved,
            "case_hosts": hosts,
        },
    )


@login_required
@require_POST
def skills_lookup(request: SignedInRequest) -> HttpResponse:
    """The learner agrees to Satchel asking the frameworks' publishers about their skills."""
    enqueue_on_commit("wallet.tasks.lookup_case_items", request.user.pk)
    messages.success(
        request,
        gettext(
            "Satchel is asking the frameworks' publishers about your skills. Their descriptions "
            "appear here as they answer."
        ),
    )
    return redirect("wallet:skills")


@login_required
@require_POST
def notice_dismiss(request: SignedInRequest, notice_id: int) -> HttpResponse:
    reverify.notices_mark_read(owner=request.user, notice_ids=[notice_id])
    return redirect("wallet:record")


# --- one credential -------------------------------------------------------------------------


@login_required
@require_GET
def credential_detail(request: SignedInRequest, credential_id: int) -> HttpResponse:
    owner = request.user
    credential = selectors.access_credential(owner=owner, credential_id=credential_id)
    runs = list(selectors.credential_runs(credential=credential)[:20])
    latest_run = selectors.credential_latest_run(credential=credential)
    latest = latest_run.report if latest_run else None
    collections = list(selectors.collections(owner=owner))
    current_collections = list(credential.collections.all())
    context = {
        "credential": credential,
        "report": latest,
        "problems": _problems(latest),
        "runs": runs,
        "versions": list(selectors.credential_versions(credential=credential)),
        "children": list(
            selectors.credential_children(credential=credential).prefetch_related("tags")
        ),
        "tags": list(credential.tags.all()),
        "all_tags": list(selectors.tags(owner=owner)),
        "has_collections": bool(collections),
        "current_collections": current_collections,
        "collection_form": CollectionAssignForm(
            collections=[c for c in collections if c not in current_collections]
        ),
        "tag_form": TagAssignForm(),
        "recipient_mismatch": credential.recipient_match == RecipientMatch.NO_MATCH,
        "holder_did": _current_did(owner),
        "sd_jwt": disclosable.sd_jwt_claims(credential),
        # The verifier notes a refresh service it did not use; the learner may ask for it.
        "refreshable": any(
            isinstance(check, dict) and check.get("code") == "refresh.not_attempted"
            for check in (latest or {}).get("checks", [])
        ),
        "standing": registries.issuer_standing(credential.issuer_id),
        "alignments": _alignments(credential),
    }
    return render(request, "wallet/credential.html", context)


def _current_did(owner: User) -> str:
    dids = holder_dids(user=owner)
    return dids[0] if dids else ""


def _alignments(credential: Credential) -> list[dict[str, Any]]:
    """The credential's alignments, each with its CASE item when one was looked up."""
    rows = [a for a in credential.alignments or [] if isinstance(a, dict)]
    items = selectors.case_items(urls=[a.get("url", "") for a in rows])
    return [{**a, "case_item": items.get(a.get("url", ""))} for a in rows]


def _problems(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Failed checks first, then warnings: what the earner should read before anything else."""
    checks = report.get("checks", []) if isinstance(report, dict) else []
    rows = [c for c in checks if isinstance(c, dict) and c.get("status") in ("fail", "warning")]
    # Two checks can find the same thing in the same words: the learner reads it once.
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(str(row.get("message")), row)
    return sorted(unique.values(), key=lambda c: c.get("status") != "fail")


@login_required
@require_GET
def credential_image(request: SignedInRequest, credential_id: int) -> HttpResponse:
    image = selectors.credential_image(owner=request.user, credential_id=credential_id)
    return responses.image_response(
        content=bytes(image.content),
        media_type=image.media_type,
        name=f"credential-{credential_id}",
        cache="private, max-age=3600",
    )


@login_required
@require_GET
def credential_original(request: SignedInRequest, credential_id: int) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    return responses.original_response(credential=credential, stem=download_stem(credential))


def download_stem(credential: Credential) -> str:
    """A filename (less its extension) that says what the file is: its title and its id."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", credential.title).strip("-").lower()[:60]
    return f"{stem or 'credential'}-{credential.pk}"


@login_required
@require_POST
def credential_check(request: SignedInRequest, credential_id: int) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    run = reverify.credential_reverify(credential=credential)
    messages.info(
        request,
        _("Checked again just now: %(verdict)s.") % {"verdict": verdict_phrase(run.verdict)},
    )
    return redirect("wallet:credential", credential_id=credential.pk)


@login_required
@require_POST
def credential_delete(request: SignedInRequest, credential_id: int) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    trash.credential_delete(credential=credential)
    messages.success(
        request,
        gettext("“%(display_title)s” is in the trash for 30 days; you can restore it from there.")
        % {"display_title": credential.display_title},
    )
    return redirect("wallet:record")


# --- tags and collections on a credential ------------------------------------------------


@login_required
@require_POST
def credential_tag_add(request: SignedInRequest, credential_id: int) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    form = TagAssignForm(request.POST)
    if form.is_valid():
        try:
            tag = organise.tag_create(owner=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            organise.credential_tag(credential=credential, tag=tag)
    else:
        messages.error(request, gettext("Give the tag a name of at most 60 characters."))
    return redirect("wallet:credential", credential_id=credential.pk)


@login_required
@require_POST
def credential_tag_remove(
    request: SignedInRequest, credential_id: int, tag_id: int
) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    tag = selectors.access_tag(owner=request.user, tag_id=tag_id)
    organise.credential_untag(credential=credential, tag=tag)
    return redirect("wallet:credential", credential_id=credential.pk)


@login_required
@require_POST
def credential_collection_add(request: SignedInRequest, credential_id: int) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    collection = selectors.access_collection(
        owner=request.user, collection_id=request.POST.get("collection")
    )
    organise.collection_add(collection=collection, credential=credential)
    return redirect("wallet:credential", credential_id=credential.pk)


@login_required
@require_POST
def credential_collection_remove(
    request: SignedInRequest, credential_id: int, collection_id: int
) -> HttpResponse:
    credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
    collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
    organise.collection_remove(collection=collection, credential=credential)
    return redirect("wallet:credential", credential_id=credential.pk)


# --- tag and collection pages --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tag_list(request: SignedInRequest) -> HttpResponse:
    form = NameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organise.tag_create(owner=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            return redirect("wallet:tags")
    rows = selectors.tags(owner=request.user)
    return render(
        request,
        "wallet/tags.html",
        {"form": form, "tags": rows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def tag_rename(request: SignedInRequest, tag_id: int) -> HttpResponse:
    tag = selectors.access_tag(owner=request.user, tag_id=tag_id)
    form = NameForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(gettext("A tag name has 1 to 60 characters."))
        organise.tag_rename(tag=tag, name=form.cleaned_data["name"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("Renamed to “%(name)s”.") % {"name": tag.name})
    return redirect("wallet:tags")


@login_required
@require_http_methods(["GET", "POST"])
def tag_delete(request: SignedInRequest, tag_id: int) -> HttpResponse:
    """GET asks first (it works without scripts); POST deletes."""
    tag = selectors.access_tag(owner=request.user, tag_id=tag_id)
    if request.method == "GET":
        counted = selectors.tags(owner=request.user).get(pk=tag.pk)
        count = getattr(counted, "credential_count", 0)  # annotated by the selector
        return render(request, "wallet/tag_delete.html", {"tag": tag, "count": count})
    name = tag.name
    organise.tag_delete(tag=tag)
    messages.success(
        request,
        gettext("Deleted the tag “%(name)s”; its credentials stay in your record.")
        % {"name": name},
    )
    return redirect("wallet:tags")


@login_required
@require_http_methods(["GET", "POST"])
def collection_list(request: SignedInRequest) -> HttpResponse:
    form = CollectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organise.collection_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            return redirect("wallet:collections")
    rows = selectors.collections(owner=request.user)
    return render(
        request,
        "wallet/collections.html",
        {"form": form, "collections": rows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def collection_update(request: SignedInRequest, collection_id: int) -> HttpResponse:
    collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
    form = CollectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(gettext("A collection name has 1 to 120 characters."))
        organise.collection_update(collection=collection, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("Saved “%(name)s”.") % {"name": collection.name})
    return redirect("wallet:collections")


@login_required
@require_POST
def collection_delete(request: SignedInRequest, collection_id: int) -> HttpResponse:
    collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
    name = collection.name
    organise.collection_delete(collection=collection)
    messages.success(
        request,
        gettext("Deleted the collection “%(name)s”; its credentials stay in your record.")
        % {"name": name},
    )
    return redirect("wallet:collections")


# --- trash -------------------------------------------------------------------------------------


@login_required
@require_GET
def trash_page(request: SignedInRequest) -> HttpResponse:
    rows = selectors.trash_list(owner=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "wallet/trash.html", {"page": page, "trash_days": trash.TRASH_DAYS})


@login_required
@require_POST
def credential_restore(request: SignedInRequest, credential_id: int) -> HttpResponse:
    credential = selectors.access_credential(
        owner=request.user, credential_id=credential_id, include_trashed=True
    )
    try:
        trash.credential_restore(credential=credential)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("wallet:trash")
    messages.success(
        request,
        gettext("Restored “%(display_title)s”.") % {"display_title": credential.display_title},
    )
    return redirect("wallet:credential", credential_id=credential.pk)


@login_required
@require_http_methods(["GET", "POST"])
def trash_empty(request: SignedInRequest) -> HttpResponse:
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        trash.trash_empty(owner=request.user)
        messages.success(request, gettext("The trash is empty; what was in it is gone for good."))
        return redirect("wallet:trash")
    count = selectors.trash_list(owner=request.user).count()
    return render(
        request,
        "wallet/trash_empty.html",
        {"form": form, "count": count},
        status=400 if form.errors else 200,
    )
