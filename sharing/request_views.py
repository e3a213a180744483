"""Employer request links, as pages: the employer's public form and results page, and the
learner's page that matches the request against their record (see `employer_requests`).

The form and the results page need no account; each answer is private (no referrer leaves
it, search engines stay away, nothing is cached), because each carries a bearer secret.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SignedInRequest
from sharing import claim_choices, employer_requests, limits, public_views
from sharing.forms import (
    EmployerRequestAnswerForm,
    EmployerRequestDeclineForm,
    EmployerRequestForm,
    expiry_kwargs,
)
from sharing.models import EmployerRequest
from wallet import selectors as record


def _private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: with no-referrer the browser posts its forms with
    # "Origin: null", which CSRF protection rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


# --- the employer's side ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    form = EmployerRequestForm(request.POST or None)
    if request.method == "POST":
        allowed = limits.take(
            request,
            scope="request-form",
            limit=settings.SATCHEL_REQUEST_FORM_LIMIT,
            window=settings.SATCHEL_REQUEST_FORM_WINDOW_SECONDS,
        )
        if not allowed:
            response = render(request, "sharing/requests/too_many.html", status=429)
            response["Retry-After"] = str(settings.SATCHEL_REQUEST_FORM_WINDOW_SECONDS)
            return _private(response)
        if form.is_valid():
            try:
                made, token, results_token = employer_requests.employer_request_create(
                    **form.service_kwargs()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                context = {
                    "made": made,
                    "request_url": employer_requests.request_url(token),
                    "results_url": employer_requests.results_url(results_token),
                }
                return _private(render(request, "sharing/requests/created.html", context))
    status = 400 if request.method == "POST" else 200
    return _private(render(request, "sharing/requests/form.html", {"form": form}, status=status))


@require_GET
def request_results(request: HttpRequest, token: str) -> HttpResponse:
    """Before an answer: where the request stands. After it: the share page it made."""
    made = employer_requests.employer_request_by_results_token(token=token)
    if made is None:
        return _private(render(request, "sharing/public/not_found.html", status=404))
    now = timezone.now()
    state = made.state(now)
    if state == EmployerRequest.State.ANSWERED and made.share is not None:
        return public_views.share_page(request, token)
    context = {"made": made, "state": state, "ended": state == EmployerRequest.State.ANSWERED}
    return _private(render(request, "sharing/requests/results.html", context))


# --- the learner's side ---------------------------------------------------------------------


def _open_request(token: str) -> EmployerRequest:
    made = employer_requests.employer_request_by_token(token=token)
    if made is None:
        raise Http404(_("No such request."))
    return made


@login_required
@require_http_methods(["GET", "POST"])
def request_page(request: SignedInRequest, token: str) -> HttpResponse:
    made = _open_request(token)
    owner = request.user
    now = timezone.now()
    state = made.state(now)
    context: dict[str, Any]
    if state != EmployerRequest.State.OPEN:
        context = {"made": made, "state": state, "mine": made.learner_id == owner.pk}
        return _private(render(request, "sharing/requests/closed.html", context))
    credentials = list(record.credential_list(owner=owner))
    matching = employer_requests.employer_request_matching(request=made, credentials=credentials)
    # Claims can be chosen for what matches the request (and what the form showed them for).
    wanted = sorted(matching.matched_ids)
    claim_choices.offer(owner=owner, credentials=credentials, request=request, wanted=wanted)
    answer_form = EmployerRequestAnswerForm(
        request.POST if request.POST.get("action") == "answer" else None,
        credentials=credentials,
        initial={"display_name": getattr(owner, "display_name", ""), "expiry": "30d"},
    )
    decline_form = EmployerRequestDeclineForm(
        request.POST if request.POST.get("action") == "decline" else None
    )
    if request.method == "POST":
        done = _answer_or_decline(request, made, answer_form, decline_form)
        if done is not None:
            return done
    context = {
        "made": made,
        "matching": matching,
        "credentials": _ordered(credentials, matching.matched_ids),
        "answer_form": answer_form,
        "decline_form": decline_form,
        "origin": settings.SATCHEL_PUBLIC_ORIGIN,
        "days_left": max((made.expires_at - now) // timedelta(days=1), 0),
    }
    status = 400 if request.method == "POST" else 200
    return _private(render(request, "sharing/requests/match.html", context, status=status))


def _ordered(credentials: list[Any], matched: set[int]) -> list[Any]:
    """Matches first, then the rest of the record in its own order."""
    return [c for c in credentials if c.pk in matched] + [
        c for c in credentials if c.pk not in matched
    ]


def _answer_or_decline(
    request: SignedInRequest,
    made: EmployerRequest,
    answer_form: EmployerRequestAnswerForm,
    decline_form: EmployerRequestDeclineForm,
) -> HttpResponse | None:
    action = request.POST.get("action")
    try:
        if action == "answer" and answer_form.is_valid():
            data = answer_form.cleaned_data
            answered = employer_requests.employer_request_answer(
                owner=request.user,
                request=made,
                credential_ids=data["credentials"],
                display_name=data["display_name"],
                expires_in=expiry_kwargs(data["expiry"])["expires_in"],
                disclosures=claim_choices.picked(request, among=data["credentials"]),
            )
            messages.success(
                request,
                _(
                    "Sent. %(name)s sees what you picked on the results link they hold. "
                    "You can end their access here at any time."
                )
                % {"name": made.requester_name},
            )
            return redirect("shares:detail", share_id=answered.share_id)
        if action == "decline" and decline_form.is_valid():
            employer_requests.employer_request_decline(
                owner=request.user, request=made, message=decline_form.cleaned_data["message"]
            )
            context = {"made": made, "state": EmployerRequest.State.DECLINED, "mine": True}
            return _private(render(request, "sharing/requests/closed.html", context))
    except ValidationError as error:
        (answer_form if action == "answer" else decline_form).add_error(None, error)
    return None
