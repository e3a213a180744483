"""Presenting on request, as pages: /present opens a verifier's request (a link opened,
pasted, or forwarded from /receive), /present/<id> shows who asks and for what, and sends
only what the learner ticks, or declines. Every page is the learner's own (signed in)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.http import SignedInRequest
from config.middleware import camera_allowed
from intake import qrcodes
from sharing import presenting
from wallet.disclosable import parse_choice
from wallet.verification.sdjwt import ClaimPath

# An SD-JWT VC's claims on the consent page: `choose-<query>-<credential>` says the learner
# was shown the choice, `disclose-<query>-<credential>` carries each claim they kept ticked.
_CHOICE = re.compile(r"^choose-(?P<query>[A-Za-z0-9_-]+)-(?P<credential>\d+)$")


@never_cache
@login_required
@camera_allowed
@require_http_methods(["GET", "POST"])
def present_start(request: SignedInRequest) -> HttpResponse:
    """GET with a request's parameters (opened, or forwarded from /receive) opens it; POST
    opens a pasted link, or the link in an uploaded picture of a QR code (the camera button
    reads one in the browser and fills in the link)."""
    now = timezone.now()
    error = ""
    link = ""
    if request.method == "POST":
        link = request.POST.get("link", "").strip()
        picture = request.FILES.get("qr_image")
        try:
            if not link and picture is not None:
                link = qrcodes.decode_qr(picture.read(qrcodes.MAX_BYTES + 1))
            if not link:
                raise presenting.PresentingError(
                    _("Paste the verifier's link, or give a picture of its QR code.")
                )
            opened = presenting.verifier_request_open(owner=request.user, link=link, now=now)
        except (qrcodes.QrCodeError, presenting.PresentingError) as exc:
            error = str(exc)
        else:
            return redirect("present:consent", request_id=opened.pk)
    elif request.META.get("QUERY_STRING"):
        try:
            opened = presenting.verifier_request_open_query(
                owner=request.user, query=request.META["QUERY_STRING"], now=now
            )
        except presenting.PresentingError as exc:
            error = str(exc)
        else:
            return redirect("present:consent", request_id=opened.pk)
    status = 400 if error else 200
    return render(
        request, "sharing/present/start.html", {"error": error, "link": link}, status=status
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def present_consent(request: SignedInRequest, request_id: int) -> HttpResponse:
    owner = request.user
    verifier_request = presenting.access_verifier_request(owner=owner, request_id=request_id)
    now = timezone.now()
    if not verifier_request.is_open(now):
        return render(request, "sharing/present/done.html", {"verifier_request": verifier_request})
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "decline":
            presenting.verifier_request_decline(
                owner=owner, verifier_request=verifier_request, now=now
            )
            messages.info(request, _("You declined. Nothing was sent."))
            return redirect("present:consent", request_id=verifier_request.pk)
        picks = {
            key.removeprefix("pick-"): request.POST.getlist(key)
            for key in request.POST
            if key.startswith("pick-")
        }
        try:
            answered = presenting.verifier_request_answer(
                owner=owner,
                verifier_request=verifier_request,
                picks=picks,
                now=now,
                disclosures=_disclosures(request),
            )
        except presenting.PresentingError as exc:
            error = str(exc)
            verifier_request.refresh_from_db()
            if not verifier_request.is_open(now):
                return render(
                    request,
                    "sharing/present/done.html",
                    {"verifier_request": verifier_request},
                    status=502,
                )
        else:
            if answered.redirect_uri:
                # Section 8.2: the verifier continues with the learner where it says.
                return HttpResponseRedirect(answered.redirect_uri)
            messages.success(request, _("Sent."))
            return redirect("present:consent", request_id=verifier_request.pk)
    consent = presenting.consent_for(owner=owner, verifier_request=verifier_request)
    context = {"verifier_request": verifier_request, "consent": consent, "error": error}
    return render(request, "sharing/present/consent.html", context, status=400 if error else 200)


def _disclosures(request: SignedInRequest) -> dict[str, dict[int, list[ClaimPath]]]:
    """The claims the learner left ticked, per Credential Query and credential; a credential
    whose choices were shown but all unticked reveals none of them."""
    chosen: dict[str, dict[int, list[ClaimPath]]] = {}
    for key in request.POST:
        found = _CHOICE.match(key)
        if found is None:
            continue
        values = request.POST.getlist(f"disclose-{found['query']}-{found['credential']}")
        paths = [path for path in map(parse_choice, values) if path is not None]
        chosen.setdefault(found["query"], {})[int(found["credential"])] = paths
    return chosen
