"""The public verifier's page (/verify) and API (POST /api/verify/): parse, limit, call
`public_verifier.public_verify`, render. Nothing is stored.

Uploads stay in memory: the page's request is refused before it is read when it declares
more than the cap, and Django is told to keep files in memory for it, so nothing given here
is ever written to disk.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sharing import limits
from sharing.public_verifier import Checked, VerifyRefused, public_verify
from wallet import wording

# Room for the form's other fields and the multipart framing around the file.
_FORM_OVERHEAD = 64 * 1024


def _too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > settings.SATCHEL_MAX_UPLOAD_BYTES + _FORM_OVERHEAD


def _allowed(request: HttpRequest) -> bool:
    return limits.take(
        request,
        scope="public-verify",
        limit=settings.SATCHEL_PUBLIC_VERIFY_LIMIT,
        window=settings.SATCHEL_PUBLIC_VERIFY_WINDOW_SECONDS,
    )


def _private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: with no-referrer the browser posts its forms with
    # "Origin: null", which CSRF protection rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _explanation(checked: Checked) -> str:
    return wording.employer_explanation(checked.report.verdict)


# --- the page ----------------------------------------------------------------------------------


@csrf_exempt  # checked below, once the upload handlers are set (Django's documented order)
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if _too_large(request):
            return _render(request, {"error": _("That is larger than this verifier accepts.")}, 413)
        request.upload_handlers = [MemoryFileUploadHandler(request)]
    return _verify_page(request)


@csrf_protect
def _verify_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, {}, 200)
    values = {k: request.POST.get(k, "") for k in ("text", "link", "challenge", "domain")}
    if not _allowed(request):
        response = _render(
            request,
            {
                "values": values,
                "error": _("Too many checks from your network. Please try again later."),
            },
            429,
        )
        response["Retry-After"] = str(settings.SATCHEL_PUBLIC_VERIFY_WINDOW_SECONDS)
        return response
    upload = request.FILES.get("file")
    data: bytes | None = None
    media_type = None
    if upload is not None:
        data = upload.read(settings.SATCHEL_MAX_UPLOAD_BYTES + 1)
        media_type = upload.content_type or None
    elif values["text"].strip():
        data = values["text"].encode("utf-8")
    try:
        checked = public_verify(
            data=data,
            media_type=media_type,
            link=values["link"],
            challenge=values["challenge"],
            domain=values["domain"],
            client=limits.client_key(request),
            now=timezone.now(),
        )
    except VerifyRefused as refused:
        return _render(request, {"values": values, "error": str(refused)}, 400)
    context = {
        "values": values,
        "checked": checked,
        "report": checked.report.to_dict(),
        "explanation": _explanation(checked),
    }
    return _render(request, context, 200)


def _render(request: HttpRequest, context: dict[str, Any], status_code: int) -> HttpResponse:
    context.setdefault("values", {})
    context["max_mb"] = settings.SATCHEL_MAX_UPLOAD_BYTES // (1024 * 1024)
    return _private(render(request, "sharing/verify/page.html", context, status=status_code))


# --- the API -----------------------------------------------------------------------------------


class PublicVerifyApi(APIView):
    """Verify a credential, a presentation or a JWT, or a Satchel share link. Send JSON
    (`credential`: the credential or presentation as an object, or a JWT or text; or `link`;
    optional `challenge` and `domain`) or a multipart `file`. Nothing is stored."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        credential = serializers.JSONField(required=False)
        file = serializers.FileField(required=False)
        link = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        challenge = serializers.CharField(required=False, allow_blank=True, max_length=256)
        domain = serializers.CharField(required=False, allow_blank=True, max_length=256)

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT},
        summary="Verify a credential, a presentation or a share link (nothing is stored)",
    )
    def post(self, request: Request) -> Response:
        if _too_large(request._request):
            return Response({"error": _("That is larger than this verifier accepts.")}, 413)
        if not _allowed(request._request):
            return Response(
                {"error": _("Too many checks from your network. Please try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(settings.SATCHEL_PUBLIC_VERIFY_WINDOW_SECONDS)},
            )
        given = self.InputSerializer(data=request.data)
        if not given.is_valid():
            return Response({"error": _("The request is not valid."), "fields": given.errors}, 400)
        values = given.validated_data
        data, media_type = _given_bytes(values)
        try:
            checked = public_verify(
                data=data,
                media_type=media_type,
                link=values.get("link", ""),
                challenge=values.get("challenge"),
                domain=values.get("domain"),
                client=limits.client_key(request._request),
                now=timezone.now(),
            )
        except VerifyRefused as refused:
            return Response({"error": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        body = checked.report.to_dict()
        body["explanation"] = _explanation(checked)
        body["challenge"] = checked.challenge
        body["domain"] = checked.domain
        response = Response(body)
        response["Cache-Control"] = "no-store"
        return response


def _given_bytes(values: dict[str, Any]) -> tuple[bytes | None, str | None]:
    upload = values.get("file")
    if upload is not None:
        return upload.read(settings.SATCHEL_MAX_UPLOAD_BYTES + 1), upload.content_type or None
    if "credential" not in values:
        return None, None
    credential = values["credential"]
    if isinstance(credential, str):
        return credential.encode("utf-8"), None
    return json.dumps(credential).encode("utf-8"), "application/json"
