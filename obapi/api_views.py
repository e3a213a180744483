"""The resource endpoints of the OB 3.0 and CLR 2.0 APIs (section 6.2) and their discovery
document (6.3). Their wire format is the specifications', so these are plain views: every
error is an `Imsx_StatusInfo` (obapi.status_info), never a page or DRF's error shape."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from obapi import host
from obapi.apis import ApiSpec, api_spec
from obapi.bearer import Caller, bearer_caller
from obapi.discovery import service_description
from obapi.models import ToolAccess
from obapi.status_info import error_response

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
CREDENTIAL_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")


@csrf_exempt
def discovery(request: HttpRequest, api: str) -> JsonResponse:
    """getServiceDescription: unprotected (6.3)."""
    if request.method != "GET":
        return error_response(405, "Only GET is allowed here.")
    return JsonResponse(service_description(api_spec(api)))


@csrf_exempt
@never_cache
def credentials(request: HttpRequest, api: str) -> HttpResponse:
    spec = api_spec(api)
    if request.method == "GET":
        return _get_credentials(request, spec)
    if request.method == "POST":
        return _upsert_credential(request, spec)
    return error_response(405, "Only GET and POST are allowed here.")


@csrf_exempt
@never_cache
def profile(request: HttpRequest, api: str) -> HttpResponse:
    spec = api_spec(api)
    now = timezone.now()
    if request.method == "GET":
        caller = bearer_caller(request, spec.profile_readonly)
        if not isinstance(caller, Caller):
            return caller
        host.access_log(
            owner=caller.owner,
            application=caller.application,
            action=ToolAccess.Action.READ_PROFILE,
            now=now,
        )
        return JsonResponse(host.profile_of(owner=caller.owner))
    if request.method == "PUT":
        caller = bearer_caller(request, spec.profile_update)
        if not isinstance(caller, Caller):
            return caller
        try:
            data = json.loads(request.body)
            updated = host.profile_update(
                owner=caller.owner, application=caller.application, data=data, now=now
            )
        except (ValueError, RecursionError) as exc:
            message = str(exc) if isinstance(exc, host.ProfileRefused) else "The body is not JSON."
            return error_response(400, message, code_minor="invalid_data")
        return JsonResponse(updated)
    return error_response(405, "Only GET and PUT are allowed here.")


def _get_credentials(request: HttpRequest, spec: ApiSpec) -> HttpResponse:
    caller = bearer_caller(request, spec.credential_readonly)
    if not isinstance(caller, Caller):
        return caller
    try:
        limit = _integer(request.GET.get("limit"), DEFAULT_LIMIT, minimum=1)
        offset = _integer(request.GET.get("offset"), 0, minimum=0)
        since = _since(request.GET.get("since"))
    except ValueError as exc:
        return error_response(400, str(exc))
    limit = min(limit, MAX_LIMIT)
    queryset = host.credentials_of(owner=caller.owner, api=spec, since=since)
    total = queryset.count()
    page = list(queryset[offset : offset + limit])
    host.access_log(
        owner=caller.owner,
        application=caller.application,
        action=ToolAccess.Action.READ_CREDENTIALS,
        now=timezone.now(),
        count=len(page),
        offset=offset,
    )
    response = JsonResponse(host.credentials_payload(page))
    response["X-Total-Count"] = str(total)
    response["Link"] = _links(spec, request, limit=limit, offset=offset, total=total)
    return response


def _upsert_credential(request: HttpRequest, spec: ApiSpec) -> HttpResponse:
    caller = bearer_caller(request, spec.credential_upsert)
    if not isinstance(caller, Caller):
        return caller
    media = (request.content_type or "").lower()
    if media != "text/plain" and media not in CREDENTIAL_TYPES:
        return error_response(
            415, "Send a compact JWS as text/plain or a credential as application/json."
        )
    if len(request.body) > settings.SATCHEL_MAX_UPLOAD_BYTES:
        return error_response(413, "The credential is too large.", code_minor="invalid_data")
    try:
        upserted = host.credential_upsert(
            owner=caller.owner,
            application=caller.application,
            api=spec,
            data=request.body,
            media_type=media,
            now=timezone.now(),
        )
    except host.UpsertRefused as exc:
        return error_response(exc.status, exc.message, code_minor="invalid_data")
    status = 201 if upserted.created else 200
    # 6.2.3.2: the response is the credential, in the form it was sent.
    if media == "text/plain":
        return HttpResponse(request.body, status=status, content_type="text/plain")
    return HttpResponse(request.body, status=status, content_type=media)


def _integer(raw: str | None, default: int, *, minimum: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ValueError(f"Expected an integer of at least {minimum}, not {raw[:40]!r}.")
    return int(raw)


def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError("since must be a date and time with its time zone (RFC 3339).")
    return moment


def _links(spec: ApiSpec, request: HttpRequest, *, limit: int, offset: int, total: int) -> str:
    """The paging links (6.4, RFC 8288): first and last always, next and prev when they exist."""
    base = settings.SATCHEL_PUBLIC_ORIGIN + spec.base_path + "/credentials"
    kept = {"since": request.GET["since"]} if request.GET.get("since") else {}

    def url(at: int) -> str:
        return base + "?" + urlencode({"limit": limit, "offset": at, **kept})

    last = max(0, (total - 1) // limit * limit)
    links = [(url(0), "first"), (url(last), "last")]
    if offset + limit < total:
        links.append((url(offset + limit), "next"))
    if offset > 0:
        links.append((url(max(0, offset - limit)), "prev"))
    return ", ".join(f'<{target}>; rel="{rel}"' for target, rel in links)
