"""The earner's share pages: make a link, see who looked, copy it again, extend or revoke it.

Every view needs a signed-in earner and reaches links only through `access_share` (anyone
else's link is a 404). Changes are POST-only and CSRF-protected. Pages that show a link's
address carry it as a bearer secret: they are never cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from accounts.models import User
from sharing import claim_choices, pdf, qr, selectors, services
from sharing.forms import ShareCreateForm, ShareExtendForm, ShareRenameForm
from sharing.linkedin import linkedin_add_url, offers_linkedin
from sharing.models import ShareLink, ShareState
from wallet import disclosable, responses
from wallet import selectors as record
from wallet.images import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE
from wallet.models import Credential

QUICK_SHARE_DAYS = 30
# The names these links are given, in the learner's language (they can rename them).
LINKEDIN_AUDIENCE = gettext_lazy("LinkedIn profile: %(title)s")
PDF_AUDIENCE = gettext_lazy("Printed PDF: %(title)s")
# Audit actions already shown as the access log.
_LOGGED_ELSEWHERE = {"share.viewed"}


@dataclass(frozen=True)
class ShareRow:
    share: ShareLink
    state: ShareState
    url: str
    credential_count: int


def _row(share: Any, now: datetime) -> ShareRow:
    counted = share.followed_count if share.follow_collection else share.chosen_count
    return ShareRow(
        share=share,
        state=share.state(now),
        url=services.share_url(share),
        credential_count=counted,
    )


def _with_counts(shares: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    # What each link shows now (live credentials only, as share_credentials reads them),
    # counted in the list's one query instead of one query per link.
    return shares.annotate(
        chosen_count=Count(
            "items", filter=Q(items__credential__deleted_at__isnull=True), distinct=True
        ),
        followed_count=Count(
            "collection__credentials",
            filter=Q(collection__credentials__deleted_at__isnull=True),
            distinct=True,
        ),
    )


# --- the list and the form ------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def share_list(request: SignedInRequest) -> HttpResponse:
    now = timezone.now()
    shares = _with_counts(selectors.share_list(owner=request.user))
    rows = [_row(share, now) for share in shares]
    active = [row for row in rows if row.state == ShareState.ACTIVE]
    ended = [row for row in rows if row.state != ShareState.ACTIVE]
    return render(
        request,
        "sharing/list.html",
        {"active": active, "ended": ended, "extend_form": ShareExtendForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def share_create(request: SignedInRequest) -> HttpResponse:
    owner = request.user
    credentials = _shareable(owner, request.GET.getlist("credential"))
    claim_choices.offer(
        owner=owner,
        credentials=credentials,
        request=request,
        wanted=request.GET.getlist("credential"),
    )
    form = ShareCreateForm(
        request.POST or None,
        initial=_create_initial(request),
        credentials=credentials,
        collections=record.collections(owner=owner),
    )
    if request.method == "POST" and form.is_valid():
        try:
            kwargs = form.service_kwargs()
            picked = {str(pk) for pk in kwargs.get("credential_ids", ())}
            disclosures = claim_choices.picked(request, among=picked)
            share, _token = services.share_create(owner=owner, **kwargs, disclosures=disclosures)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("Your link is ready. Copy it or show its QR code."))
            return redirect("shares:detail", share_id=share.pk)
    return render(request, "sharing/new.html", {"form": form})


def _create_initial(request: SignedInRequest) -> dict[str, Any]:
    picked = [value for value in request.GET.getlist("credential") if value.isdigit()]
    initial: dict[str, Any] = {"display_name": getattr(request.user, "display_name", "")}
    if picked:
        initial["credentials"] = picked
    collection = request.GET.get("collection", "")
    if collection.isdigit():
        initial.update(what="collection", collection=collection)
    return initial


def _shareable(owner: User, preselected: list[str]) -> list[Any]:
    """The record's credentials, plus any credential inside a CLR that the earner came from."""
    credentials = list(record.credential_list(owner=owner))
    listed = {str(credential.pk) for credential in credentials}
    extra = []
    for value in dict.fromkeys(preselected):
        if value.isdigit() and value not in listed:
            try:
                extra.append(record.access_credential(owner=owner, credential_id=value))
            except Http404:
                continue
    return extra + credentials


# --- one link -------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def share_detail(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    now = timezone.now()
    return render(
        request,
        "sharing/detail.html",
        {
            "share": share,
            "state": share.state(now),
            "url": services.share_url(share),
            "credentials": selectors.share_credentials(share=share),
            "views": selectors.share_views(share=share),
            "log_window_minutes": settings.SATCHEL_SHARE_VIEW_WINDOW_SECONDS // 60,
            "log_retention_days": settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS,
            "history": _history(request.user, share),
            "extend_form": ShareExtendForm(),
            "rename_form": ShareRenameForm(
                initial={"audience": share.audience, "display_name": share.display_name}
            ),
        },
    )


def _history(owner: User, share: ShareLink) -> list[Any]:
    events = record.audit_events(owner=owner, limit=500)
    return [
        event
        for event in events
        if event.target_type == ShareLink._meta.label_lower
        and event.target_id == str(share.pk)
        and event.action not in _LOGGED_ELSEWHERE
    ]


@never_cache
@login_required
@require_GET
def share_card(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    return render(
        request,
        "sharing/card.html",
        {"share": share, "state": share.state(timezone.now()), "url": services.share_url(share)},
    )


@login_required
@require_GET
def share_qr_svg(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    return _qr_response(qr.qr_svg(services.share_url(share)), SVG_MEDIA_TYPE, request, share)


@login_required
@require_GET
def share_qr_png(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    return _qr_response(qr.qr_png(services.share_url(share)), PNG_MEDIA_TYPE, request, share)


def _qr_response(
    content: bytes, media_type: str, request: SignedInRequest, share: ShareLink
) -> HttpResponse:
    # The code holds the link's token: a shared cache must never keep it (the default).
    return responses.image_response(
        content=content,
        media_type=media_type,
        name=f"{_file_stem(share)}-qr",
        download="download" in request.GET,
    )


def _file_stem(share: ShareLink) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", share.audience).strip("-").lower()[:40]
    return f"share-{share.pk}" + (f"-{stem}" if stem else "")


@never_cache
@login_required
@require_GET
def share_pdf(request: SignedInRequest, share_id: int) -> HttpResponse:
    """The link's credentials as a printable PDF whose QR code opens the link."""
    share = selectors.access_share(owner=request.user, share_id=share_id)
    now = timezone.now()
    if share.state(now) != ShareState.ACTIVE:
        messages.error(
            request,
            _("This link no longer opens, so a PDF of it would carry a QR code that fails."),
        )
        return redirect("shares:detail", share_id=share.pk)
    credentials = selectors.share_credentials(share=share, with_originals=True)
    if not credentials:
        messages.error(
            request, _("This link shows no credentials now, so there is nothing to print.")
        )
        return redirect("shares:detail", share_id=share.pk)
    title = credentials[0].title if len(credentials) == 1 else ""
    content = pdf.credentials_pdf(
        credentials=credentials,
        learner=share.display_name,
        url=services.share_url(share),
        title=title
        or ngettext("%(n)d credential", "%(n)d credentials", len(credentials))
        % {"n": len(credentials)},
        now=now,
    )
    return responses.download_response(
        content=content, filename=f"{_file_stem(share)}.pdf", media_type=pdf.PDF_MEDIA_TYPE
    )


# --- changes --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def share_revoke(request: SignedInRequest, share_id: int) -> HttpResponse:
    """GET asks for confirmation (works without scripts); POST revokes at once."""
    share = selectors.access_share(owner=request.user, share_id=share_id)
    if request.method == "POST":
        services.share_revoke(owner=request.user, share_id=share.pk)
        messages.success(
            request,
            gettext("The link for %(audience)s no longer opens.") % {"audience": share.audience},
        )
        return redirect("shares:detail", share_id=share.pk)
    return render(
        request,
        "sharing/revoke.html",
        {"share": share, "state": share.state(timezone.now())},
    )


@login_required
@require_POST
def share_extend(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    form = ShareExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose how long the link should work from now."))
        return redirect("shares:detail", share_id=share.pk)
    try:
        services.share_extend(owner=request.user, share_id=share.pk, **form.service_kwargs())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("The link's expiry is changed."))
    return redirect("shares:detail", share_id=share.pk)


@login_required
@require_POST
def share_rename(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    form = ShareRenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Say who the link is for, in at most 200 characters."))
        return redirect("shares:detail", share_id=share.pk)
    try:
        services.share_rename(owner=request.user, share_id=share.pk, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("Saved."))
    return redirect("shares:detail", share_id=share.pk)


@login_required
@require_POST
def share_preview(request: SignedInRequest, share_id: int) -> HttpResponse:
    share = selectors.access_share(owner=request.user, share_id=share_id)
    on = request.POST.get("link_preview") == "on"
    services.share_set_preview(owner=request.user, share_id=share.pk, link_preview=on)
    messages.success(
        request, "Previews are on for this link." if on else "Previews are off for this link."
    )
    return redirect("shares:detail", share_id=share.pk)


# --- from a credential's page ---------------------------------------------------------------


@login_required
@require_POST
def credential_share(request: SignedInRequest, credential_id: int) -> HttpResponse:
    """One click: a 30-day link to this credential alone (for one whose claims the learner
    may choose, the form first: a link never shows such a credential whole by default)."""
    credential = record.access_credential(owner=request.user, credential_id=credential_id)
    choose = _choose_first(request, credential)
    if choose is not None:
        return choose
    share, _token = services.share_create(
        owner=request.user,
        audience=_audience(credential.display_title),
        credential_ids=(credential.pk,),
        expires_in=timedelta(days=QUICK_SHARE_DAYS),
        display_name=request.user.display_name,
    )
    messages.success(request, gettext("Your link is ready. It works for 30 days."))
    return redirect("shares:detail", share_id=share.pk)


@login_required
@require_POST
def credential_linkedin(request: SignedInRequest, credential_id: int) -> HttpResponse:
    """A link with no expiry for the profile entry, then LinkedIn's form, filled in."""
    credential = record.access_credential(owner=request.user, credential_id=credential_id)
    if not offers_linkedin(credential):
        messages.error(
            request, gettext("Only a credential that verifies can be added to LinkedIn.")
        )
        return redirect("wallet:credential", credential_id=credential.pk)
    choose = _choose_first(request, credential)
    if choose is not None:
        return choose
    audience = _audience(LINKEDIN_AUDIENCE % {"title": credential.display_title})
    share = _lasting_share_of(request.user, credential, audience)
    if share is None:
        share, _token = services.share_create(
            owner=request.user,
            audience=audience,
            credential_ids=(credential.pk,),
            no_expiry=True,
            display_name=request.user.display_name,
        )
    return redirect(linkedin_add_url(credential=credential, share_url=services.share_url(share)))


@login_required
@require_POST
def credential_pdf(request: SignedInRequest, credential_id: int) -> HttpResponse:
    """A PDF of one credential: its QR code needs a link, so a lasting one is made for it (or
    the one made before is used again), then the PDF of that link is downloaded."""
    credential = record.access_credential(owner=request.user, credential_id=credential_id)
    choose = _choose_first(request, credential)
    if choose is not None:
        return choose
    audience = _audience(PDF_AUDIENCE % {"title": credential.display_title})
    share = _lasting_share_of(request.user, credential, audience)
    if share is None:
        share, _token = services.share_create(
            owner=request.user,
            audience=audience,
            credential_ids=(credential.pk,),
            no_expiry=True,
            display_name=request.user.display_name,
        )
    return redirect("shares:pdf", share_id=share.pk)


def _choose_first(request: SignedInRequest, credential: Credential) -> HttpResponse | None:
    """A credential whose claims the learner may choose is never linked whole in one click:
    the share form comes first (its link's page then offers the PDF and the QR code)."""
    if not disclosable.choices_for(credential):
        return None
    messages.info(request, gettext("Choose what the link reveals of this credential first."))
    return redirect(f"{reverse('shares:create')}?credential={credential.pk}")


def _lasting_share_of(owner: User, credential: Credential, audience: str) -> ShareLink | None:
    """The working, non-expiring link made for this credential before (for LinkedIn, for a
    PDF), if any. Pressing the button again must not leave one more link that never expires.
    """
    candidates = selectors.share_list(owner=owner).filter(
        audience=audience,
        revoked_at__isnull=True,
        expires_at__isnull=True,
        max_views__isnull=True,
        follow_collection=False,
        items__credential=credential,
    )
    for share in candidates:
        if [c.pk for c in selectors.share_credentials(share=share)] == [credential.pk]:
            return share
    return None


def _audience(text: str) -> str:
    limit = services.AUDIENCE_MAX
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
