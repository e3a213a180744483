"""Who is calling a resource endpoint: the learner whose access token it is, and the tool it
was granted to (OB 3.0 section 7.1.3: `Authorization: Bearer`). django-oauth-toolkit checks
the token (known, unexpired, not revoked); the scope the endpoint needs is checked here, so a
missing or bad token is a 401 and a token without the scope a 403 (RFC 6750 section 3.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, JsonResponse
from oauth2_provider.oauth2_backends import get_oauthlib_core

from accounts.models import User
from obapi.status_info import error_response


@dataclass(frozen=True)
class Caller:
    owner: User
    application: Any
    scopes: frozenset[str]


def bearer_caller(request: HttpRequest, scope: str) -> Caller | JsonResponse:
    presented = request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer ")
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    if token is None or token.user is None or not token.user.is_active:
        if not presented:
            return error_response(401, "An access token is required (Authorization: Bearer).")
        return error_response(
            401, "The access token is unknown, expired or revoked.", bearer_error="invalid_token"
        )
    if not token.allow_scopes([scope]):
        return error_response(
            403, f"The access token was not granted {scope}.", bearer_error="insufficient_scope"
        )
    return Caller(token.user, token.application, frozenset(token.scope.split()))
