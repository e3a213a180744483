"""The authorization server's own pages and endpoints beyond django-oauth-toolkit's token and
revocation views: RFC 7591 registration (OB 3.0 section 7.1.1.2) and the consent page of the
authorization request (7.1.2.1), where the learner sees the tool and what it asks for."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView

from obapi.registration import RegistrationError, registration_response, tool_register
from obapi.tools import tool_connected
from sharing.limits import take

REGISTRATIONS_PER_HOUR = 30


@csrf_exempt
@never_cache
@require_POST
def register(request: HttpRequest) -> JsonResponse:
    """RFC 7591 section 3: open registration, no initial access token (OB 3.0 7.1.1.2)."""
    if not take(request, scope="obapi-register", limit=REGISTRATIONS_PER_HOUR, window=3600):
        return JsonResponse(
            {"error": "temporarily_unavailable", "error_description": "Too many registrations."},
            status=429,
        )
    try:
        metadata = json.loads(request.body)
    except (ValueError, RecursionError):
        metadata = None
    try:
        registered = tool_register(metadata=metadata, now=timezone.now())
    except RegistrationError as exc:
        return JsonResponse({"error": exc.error, "error_description": exc.description}, status=400)
    return JsonResponse(registration_response(registered, metadata=metadata), status=201)


class ConsentView(AuthorizationView):
    """django-oauth-toolkit's authorization endpoint, with Satchel's consent page, and an
    entry in the learner's access log and audit trail when they allow a tool."""

    template_name = "obapi/authorize.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        context["registered"] = getattr(application, "registered_tool", None)
        context["scope_pairs"] = list(
            zip(context.get("scopes") or [], context.get("scopes_descriptions") or [], strict=False)
        )
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        location = response.get("Location", "") if response.status_code in (301, 302) else ""
        if form.cleaned_data.get("allow") and "code=" in location:
            application = get_application_model().objects.get(
                client_id=form.cleaned_data["client_id"]
            )
            tool_connected(
                owner=self.request.user,
                application=application,
                scopes=form.cleaned_data.get("scope", "").split(),
                now=timezone.now(),
            )
        return response


authorize = never_cache(ConsentView.as_view())
