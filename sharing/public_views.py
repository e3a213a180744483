"""The employer's side of a share link: no login, only the token in the address.

Every answer (pages, presentations, downloads, errors) is private: no referrer leaves the
page, search engines are told to stay away, and nothing is cached, so a revoked link stops
working on the very next request. Wrong or dead tokens are counted per client (by a keyed
hash of the address, never the address itself) and answered 429 past a limit, which makes
guessing tokens pointless on top of their 256 bits.

Counting: a view is an opening of the link itself, `/s/<token>` (the page, or the
presentation when asked for by content negotiation). Downloads from the page (the
presentation, each original, the images) are logged but not counted; they work while the
link is active, and for `DOWNLOAD_GRACE` after the view that used up the last allowed one,
so the person holding that view can still download what they saw. Link-preview bots get a
bare page that shows nothing and uses no view.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from accounts.services import holder_key_current
from sharing import presentations, selectors
from sharing.models import ShareLink, ShareState, ShareView
from sharing.services import coarse_user_agent, share_record_view
from wallet.models import CredentialImage, VerificationRun
from wallet.services.images import SVG_CSP, SVG_MEDIA_TYPE
from wallet.services.reverify import credential_reverify
from wallet.verification import Verdict

logger = logging.getLogger(__name__)

DOWNLOAD_GRACE = timedelta(minutes=10)
PAGE_CACHE_SECONDS = 60
PAGE_CACHE_SIZE = 64
MAX_CHALLENGE_LENGTH = 256
_JSON_TYPES = ("application/vp+ld+json", "application/ld+json", "application/json")
_EXTENSIONS = {"json": "json", "jwt": "jwt", "png": "png", "svg": "svg"}

EMPLOYER_EXPLANATIONS: dict[str, str] = {
    Verdict.VERIFIED: "The issuer's signature checks out, it has not been withdrawn, and it is "
    "within its dates.",
    Verdict.VERIFIED_WITH_WARNINGS: "The issuer's signature checks out; a minor point was "
    "noted (for example, the issuer is not in a known registry).",
    Verdict.REVOKED: "The issuer has withdrawn this credential.",
    Verdict.SUSPENDED: "The issuer has put this credential on hold.",
    Verdict.EXPIRED: "It was genuine, but its validity period has ended.",
    Verdict.NOT_YET_VALID: "The issuer dated it to start counting later than today.",
    Verdict.INVALID_SIGNATURE: "The signature does not match: do not rely on this credential.",
    Verdict.ISSUER_UNREACHABLE: "The issuer's key or status list could not be fetched just now; "
    "this says nothing bad about the credential.",
    Verdict.MALFORMED: "The credential is damaged or incomplete and cannot be checked.",
    Verdict.UNSUPPORTED: "It uses a kind of signature this service cannot check yet.",
}


# --- settings, clients, headers ------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _client_key(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return "sharing:miss:" + salted_hmac("sharing.client", address).hexdigest()[:32]


def _blocked(request: HttpRequest) -> bool:
    limit = _setting("SATCHEL_SHARE_MISS_LIMIT", 20)
    return (cache.get(_client_key(request)) or 0) >= limit


def _count_miss(request: HttpRequest) -> None:
    key = _client_key(request)
    window = _setting("SATCHEL_SHARE_MISS_WINDOW_SECONDS", 600)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    return _private(render(request, template, context, status=status))


def _not_found(request: HttpRequest) -> HttpResponse:
    _count_miss(request)
    return _page(request, "sharing/public/not_found.html", {}, status=404)


def _gone(request: HttpRequest) -> HttpResponse:
    _count_miss(request)
    return _page(request, "sharing/public/gone.html", {}, status=410)


def _too_many(request: HttpRequest) -> HttpResponse:
    response = _page(request, "sharing/public/too_many.html", {}, status=429)
    response["Retry-After"] = str(_setting("SATCHEL_SHARE_MISS_WINDOW_SECONDS", 600))
    return response


def _downloadable(share: ShareLink, now: datetime) -> bool:
    state = share.state(now)
    if state == ShareState.ACTIVE:
        return True
    # Only a limited link gets used up, and it keeps the time of its last counted view.
    last = share.last_counted_at
    return state == ShareState.USED_UP and last is not None and now - last <= DOWNLOAD_GRACE


def public_share(*, counted: bool) -> Callable[..., Callable[..., HttpResponse]]:
    """Resolve the token (404 unknown, 410 ended, 429 too many misses) and pass the link on.

    `counted` views need an active link; downloads also work in the grace after the last view.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if _blocked(request):
                return _too_many(request)
            share = selectors.share_by_token(token=token)
            if share is None:
                return _not_found(request)
            now = timezone.now()
            live = share.state(now) == ShareState.ACTIVE if counted else _downloadable(share, now)
            if not live:
                return _gone(request)
            return _private(view(request, share, now, *args, **kwargs))

        return require_GET(wrapper)

    return decorate


# --- the page --------------------------------------------------------------------------------


def _wants(request: HttpRequest) -> str:
    """What the client asked for: "json", "jwt" or "html" (a browser always lists text/html)."""
    accept = request.headers.get("Accept", "").lower()
    if "text/html" in accept:
        return "html"
    if "application/vp+jwt" in accept:
        return "jwt"
    if any(kind in accept for kind in _JSON_TYPES):
        return "json"
    return "html"


def _is_preview_bot(request: HttpRequest) -> bool:
    browser, _ = coarse_user_agent(request.headers.get("User-Agent", ""))
    return browser == "Bot or link preview"


def _stale(versions: list[tuple[Any, ...]], now: datetime) -> set[int]:
    """What to re-check on this view. A malformed credential is left to the nightly run: its
    bytes cannot change, and a stranger's view must not be a way to make the server work."""
    max_age = timedelta(seconds=_setting("SATCHEL_SHARE_RECHECK_SECONDS", 3600))
    return {
        pk
        for pk, verdict, checked_at, _u in versions
        if verdict != Verdict.MALFORMED and (not checked_at or now - checked_at >= max_age)
    }


def _refresh_verdicts(share: ShareLink, stale: set[int], now: datetime) -> None:
    """Re-check what was last checked too long ago, one request at a time per credential."""
    for credential in selectors.share_credentials(share=share, with_originals=True):
        if credential.pk not in stale:
            continue
        if not cache.add(f"sharing:recheck:{credential.pk}", 1, timeout=120):
            continue
        try:
            credential_reverify(
                credential=credential, now=now, trigger=VerificationRun.Trigger.SCHEDULED
            )
        except Exception:  # a failed re-check must not take the employer's page down
            logger.exception("re-check of shared credential %s failed", credential.pk)


def _card(credential: Any) -> dict[str, Any]:
    return {
        "credential": credential,
        "handle": selectors.credential_handle(credential),
        "explanation": EMPLOYER_EXPLANATIONS.get(
            credential.verdict, "This credential has not been checked yet."
        ),
        "skills": [a.get("name") or a.get("code") for a in credential.alignments or []][:30],
        "legacy": credential.format.startswith("ob2"),
        "extension": _EXTENSIONS.get(credential.container, "bin"),
    }


def _page_key(share: ShareLink, versions: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Everything the rendered page depends on; any change makes a new key."""
    return (
        share.pk,
        share.updated_at,
        share.display_name,
        share.expires_at,
        share.challenge,
        tuple(versions),
    )


class _RenderedPages:
    """Rendered share pages kept in this process, at most `size`, each for `seconds`.

    In front of nothing: a shared cache would unpickle the ~30 KB page on every view, which
    cost more than a rendering saved per request. Each server process renders a page once
    per version of its content and keeps it as the bytes the response sends.
    """

    def __init__(
        self, size: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size, self.seconds, self.clock = size, seconds, clock
        self._pages: OrderedDict[tuple[Any, ...], tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[0] <= self.clock():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: tuple[Any, ...], body: bytes) -> None:
        with self._lock:
            self._pages[key] = (self.clock() + self.seconds, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


rendered_pages = _RenderedPages(size=PAGE_CACHE_SIZE, seconds=PAGE_CACHE_SECONDS)


def _render_page(share: ShareLink, token: str) -> str:
    cards = [_card(c) for c in selectors.share_credentials(share=share)]
    context = {
        "share": share,
        "cards": [c for c in cards if not c["legacy"]],
        "legacy_cards": [c for c in cards if c["legacy"]],
        "origin": settings.SATCHEL_PUBLIC_ORIGIN,
        "token": token,
        "holder_did": holder_key_current(user=share.owner).did,
    }
    # Rendered without the request: nothing of the visitor's (a signed-in earner's messages,
    # their name) can end up in a page that is cached and shown to others.
    return render_to_string("sharing/public/share.html", context)


@public_share(counted=True)
def share_page(request: HttpRequest, share: ShareLink, now: datetime) -> HttpResponse:
    wants = _wants(request)
    if wants == "html" and _is_preview_bot(request):
        return render(request, "sharing/public/preview.html", {})
    kind = ShareView.Kind.PAGE
    if share_record_view(share=share, user_agent=_agent(request), now=now, kind=kind) is None:
        return _gone(request)
    if wants != "html":
        return _presentation_response(share, now, share.challenge, wants)
    versions = share.shown_versions
    stale = _stale(versions, now)
    if stale:
        _refresh_verdicts(share, stale, now)
        versions = selectors.share_versions(share=share)
    # The state of the link was checked above on this very request; only the rendering of
    # unchanged content is reused, for a short while.
    key = _page_key(share, versions)
    body = rendered_pages.get(key)
    if body is None:
        token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
        body = _render_page(share, token).encode(settings.DEFAULT_CHARSET)
        rendered_pages.put(key, body)
    response = HttpResponse(body)
    response["Vary"] = "Accept"
    return response


def _agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")


# --- presentations and downloads -----------------------------------------------------------


def _presentation_response(
    share: ShareLink, now: datetime, challenge: str, wants: str
) -> HttpResponse:
    credentials = selectors.share_credentials(share=share, with_originals=True)
    arguments = {
        "owner": share.owner,
        "credentials": credentials,
        "challenge": challenge,
        "domain": settings.SATCHEL_PUBLIC_ORIGIN,
        "now": now,
        "expires": share.expires_at,
    }
    if wants == "jwt":
        token = presentations.presentation_jwt(**arguments)
        response = HttpResponse(token, content_type=presentations.VP_JWT_MEDIA_TYPE)
        response["Content-Disposition"] = 'attachment; filename="presentation.jwt"'
        return response
    document = presentations.presentation_build(**arguments)
    response = JsonResponse(document, content_type=presentations.VP_MEDIA_TYPE)
    response["Content-Disposition"] = 'attachment; filename="presentation.json"'
    return response


@public_share(counted=False)
def share_presentation(request: HttpRequest, share: ShareLink, now: datetime) -> HttpResponse:
    challenge = request.GET.get("challenge", "") or share.challenge
    if len(challenge) > MAX_CHALLENGE_LENGTH or not challenge.isprintable():
        return HttpResponse(
            f"A challenge is at most {MAX_CHALLENGE_LENGTH} printable characters.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    as_jwt = request.GET.get("format") == "jwt" or _wants(request) == "jwt"
    share_record_view(
        share=share, user_agent=_agent(request), now=now, kind=ShareView.Kind.PRESENTATION
    )
    return _presentation_response(share, now, challenge, "jwt" if as_jwt else "json")


@public_share(counted=False)
def share_original(
    request: HttpRequest, share: ShareLink, now: datetime, handle: str
) -> HttpResponse:
    credential = selectors.shared_credential(share=share, handle=handle)
    if credential is None:
        return _not_found(request)
    share_record_view(
        share=share, user_agent=_agent(request), now=now, kind=ShareView.Kind.ORIGINAL
    )
    # Exactly the bytes received, as a download: an issuer's SVG is never rendered here.
    response = HttpResponse(bytes(credential.original), content_type="application/octet-stream")
    extension = _EXTENSIONS.get(credential.container, "bin")
    response["Content-Disposition"] = f'attachment; filename="credential-{handle}.{extension}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@public_share(counted=False)
def share_image(request: HttpRequest, share: ShareLink, now: datetime, handle: str) -> HttpResponse:
    credential = selectors.shared_credential(share=share, handle=handle)
    image = (
        CredentialImage.objects.filter(credential=credential).first()
        if credential is not None
        else None
    )
    if image is None:
        return _not_found(request)
    response = HttpResponse(bytes(image.content), content_type=image.media_type)
    response["Content-Disposition"] = "inline"
    if image.media_type == SVG_MEDIA_TYPE:
        response["Content-Security-Policy"] = SVG_CSP
    return response
