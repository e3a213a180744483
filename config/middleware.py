"""Headers every response carries, on top of Django's SecurityMiddleware."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def content_security_policy(*, form_action: tuple[str, ...] = ()) -> str:
    """Our policy, with extra origins that may answer the page's forms (a redirect that
    answers a form must match form-action in Chromium). A response that sets its own
    Content-Security-Policy keeps it."""
    directives = [d.strip() for d in settings.CONTENT_SECURITY_POLICY.split(";")]
    return "; ".join(
        " ".join([d, *form_action]) if d.split(" ", 1)[0] == "form-action" else d
        for d in directives
    )


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
# Pages that offer to read a QR code with the camera (BarcodeDetector, static/js/qr-scan.js).
CAMERA_PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"


def camera_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let this page, and no other origin, ask for the camera."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Permissions-Policy"] = CAMERA_PERMISSIONS_POLICY
        return response

    return wrapped


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
