"""The requests that only a signed-in earner makes, as the type checker should see them.

A page behind `login_required`, and an API view under the default `IsAuthenticated`
permission, never runs for an anonymous visitor, so its `request.user` is a `User`. Annotating
the view's request with these types says so (django-stubs' documented way): nothing changes at
run time, where the request is Django's or DRF's own. A view that an anonymous visitor can reach
keeps `HttpRequest` or `Request` and checks `request.user` itself.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class SignedInRequest(HttpRequest):
    """The request of an HTML view behind `login_required`."""

    user: User


class SignedInApiRequest(Request):
    """The request of an API view that requires authentication (the API's default)."""

    user: User
