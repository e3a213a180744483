"""allauth's OpenID Connect views, as a browser and a flaky provider meet them.

allauth renders "Sign in with <school>" / "Connect <school>" and answers "Continue" with a
redirect to the provider: the page's CSP must let that redirect through. And allauth's
views let a provider that cannot be reached escape as a 500: the learner gets allauth's
failure page instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils import translation

from accounts import sso
from config.middleware import content_security_policy

logger = logging.getLogger(__name__)

LOGIN_VIEW = "openid_connect_login"
SCHOOL_VIEWS = {LOGIN_VIEW, "openid_connect_callback"}


def _school_view(request: HttpRequest) -> ResolverMatch | None:
    match = request.resolver_match
    if match is None or match.url_name not in SCHOOL_VIEWS:
        return None
    return match


class SchoolSignInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = _school_view(request)
        if (
            match is not None
            and match.url_name == LOGIN_VIEW
            and request.method == "GET"
            and response.status_code == 200
        ):
            provider_id = match.kwargs["provider_id"]
            try:
                origin = sso.authorization_origin(request=request, provider_id=provider_id)
            except sso.PROVIDER_FAILURES as exc:
                logger.warning("school sign-in: the provider's discovery failed: %r", exc)
                # "Continue" could only fail: say so now.
                return sso.provider_unreachable_response(
                    request=request, provider_id=provider_id, exception=exc
                )
            if origin:
                response["Content-Security-Policy"] = content_security_policy(form_action=(origin,))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = _school_view(request)
        if match is None or not isinstance(exception, sso.PROVIDER_FAILURES):
            return None
        logger.warning("school sign-in: the provider failed", exc_info=exception)
        return sso.provider_unreachable_response(
            request=request,
            provider_id=match.kwargs["provider_id"],
            exception=exception,
        )


class UserLanguageMiddleware:
    """A signed-in learner reads Satchel in the language kept on their account; with none
    chosen, LocaleMiddleware's pick from the browser (or the language cookie) stands. Runs
    after AuthenticationMiddleware; LocaleMiddleware sets Content-Language and Vary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None else ""
        if chosen and chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
