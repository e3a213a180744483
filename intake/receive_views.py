"""Receiving straight from an issuer, as pages: /receive takes a link (pasted, opened as an
"Add to Satchel" deep link or the wallet's Credential Offer Endpoint, or read from a QR code),
/receive/<id> asks the learner's consent and shows how the attempt ended, /receive/callback
is where an issuer's sign-in sends the learner back. Every page is the learner's own; the
client metadata the wallet publishes for issuers is the one public document."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from config.middleware import camera_allowed
from intake import qrcodes
from intake.protocols import links
from intake.services import receiving


def _start_page(request: SignedInRequest, *, error: str = "", link: str = "") -> HttpResponse:
    context = {
        "error": error,
        "link": link,
        "attempts": receiving.receive_attempts(owner=request.user)[:50],
    }
    return render(request, "intake/receive/start.html", context, status=400 if error else 200)


@never_cache
@camera_allowed
@login_required
@require_http_methods(["GET", "POST"])
def receive_start(request: SignedInRequest) -> HttpResponse:
    """GET with an offer's (or a request's) parameters opens it, also after signing in (the
    query survives in `next`); POST opens a pasted link or a QR code's picture."""
    now = timezone.now()
    query = request.META.get("QUERY_STRING", "")
    if request.method == "GET" and not query:
        return _start_page(request)
    link = ""
    try:
        if request.method == "GET":
            if _is_presentation(query):
                return HttpResponseRedirect(reverse("present:start") + "?" + query)
            attempt = receiving.receive_open_query(owner=request.user, query=query, now=now)
        else:
            picture = request.FILES.get("qr_image")
            link = request.POST.get("link", "").strip()
            if picture and not link:
                link = qrcodes.decode_qr(picture.read(qrcodes.MAX_BYTES + 1))
            if not link:
                return _start_page(request, error=_("Paste the issuer's link or choose a picture."))
            if _is_presentation_link(link):
                return HttpResponseRedirect(reverse("present:start") + "?link=" + _quote(link))
            attempt = receiving.receive_open(owner=request.user, link=link, now=now)
    except (receiving.ReceiveError, qrcodes.QrCodeError) as exc:
        return _start_page(request, error=str(exc), link=link)
    return redirect("receive:attempt", attempt_id=attempt.pk)


def _quote(text: str) -> str:
    return quote(text, safe="")


def _is_presentation(query: str) -> bool:
    try:
        return links.classify_query(query).kind == links.PRESENTATION
    except links.LinkError:
        return False


def _is_presentation_link(link: str) -> bool:
    try:
        return links.classify(link).kind == links.PRESENTATION
    except links.LinkError:
        return False


def callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("receive:callback"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def receive_attempt(request: SignedInRequest, attempt_id: int) -> HttpResponse:
    owner = request.user
    attempt = receiving.access_receive_attempt(owner=owner, attempt_id=attempt_id)
    now = timezone.now()
    if not attempt.is_open(now):
        lapsed = not attempt.ended and now >= attempt.expires_at
        context = {"attempt": attempt, "lapsed": lapsed}
        return render(request, "intake/receive/attempt.html", context)
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "decline":
            receiving.receive_decline(owner=owner, attempt=attempt, now=now)
            messages.info(request, _("You declined. Nothing was sent to the issuer."))
            return redirect("receive:attempt", attempt_id=attempt.pk)
        try:
            progress = receiving.receive_accept(
                owner=owner,
                attempt=attempt,
                now=now,
                tx_code=request.POST.get("tx_code", ""),
                picks=request.POST.getlist("pick"),
                redirect_uri=callback_uri(request),
            )
        except receiving.ReceiveError as exc:
            error = str(exc)
        else:
            if progress.go_to:
                return HttpResponseRedirect(progress.go_to)
            return redirect("receive:attempt", attempt_id=attempt.pk)
    consent = receiving.consent_for(owner=owner, attempt=attempt)
    context = {"attempt": attempt, "consent": consent, "error": error}
    return render(request, "intake/receive/consent.html", context, status=400 if error else 200)


@login_required
@require_POST
def receive_retry(request: SignedInRequest, attempt_id: int) -> HttpResponse:
    attempt = receiving.access_receive_attempt(owner=request.user, attempt_id=attempt_id)
    try:
        again = receiving.receive_retry(owner=request.user, attempt=attempt, now=timezone.now())
    except receiving.ReceiveError as exc:
        messages.error(request, str(exc))
        return redirect("receive:attempt", attempt_id=attempt.pk)
    return redirect("receive:attempt", attempt_id=again.pk)


@login_required
@require_POST
def receive_dismiss(request: SignedInRequest, attempt_id: int) -> HttpResponse:
    attempt = receiving.access_receive_attempt(owner=request.user, attempt_id=attempt_id)
    try:
        receiving.receive_dismiss(owner=request.user, attempt=attempt, now=timezone.now())
    except receiving.ReceiveError as exc:
        messages.error(request, str(exc))
    return redirect("receive:start")


@never_cache
@login_required
@require_GET
def receive_callback(request: SignedInRequest) -> HttpResponse:
    """RFC 6749 section 4.1.2: the issuer's sign-in sends the learner back here."""
    try:
        attempt = receiving.receive_authorized(
            owner=request.user,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            now=timezone.now(),
        )
    except receiving.ReceiveError as exc:
        return _start_page(request, error=str(exc))
    return redirect("receive:attempt", attempt_id=attempt.pk)


@require_GET
def client_metadata(request: HttpRequest) -> JsonResponse:
    """OpenID4VCI 1.0 section 12.1 (wallet metadata, as OAuth client metadata, RFC 7591
    section 2): the wallet's Credential Offer Endpoint and its sign-in return address, for
    issuers that take a public client identified by this document's address."""
    offer_endpoint = request.build_absolute_uri(reverse("receive:start"))
    callback = callback_uri(request)
    document = {
        "client_id": receiving.client_id_for(callback),
        "client_name": "Satchel",
        "redirect_uris": [callback],
        "credential_offer_endpoint": offer_endpoint,
        "grant_types": [
            "authorization_code",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        ],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    response = JsonResponse(document)
    response["Cache-Control"] = "public, max-age=3600"
    return response
