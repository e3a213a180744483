"""The employer's side of a share link: no login, only the token in the address.

Every answer (pages, presentations, downloads, errors) is private: no referrer leaves the
page, search engines are told to stay away, and nothing is cached, so a revoked link stops
working on the very next request.

Guessing: an unknown token is a miss, counted per client (a keyed hash of the client's
address as `config.clients` reads it, never the address itself); past a limit, that client's
misses are answered 429. A token that opens a link is always answered for what it is, so
nobody's misses can lock anyone out of a link they were given.

Counting: on a link without a view limit, each kind of access (opening the page,
downloading) is logged once per client per window (`share_log_access`). On a link with a
view limit, every request under it is a view (`share_take_view`): the page, the
presentation asked for by content negotiation or fetched directly by a machine, a download;
except a request that carries a download grant. The page a viewer receives carries one in
its download and image addresses: signed, naming the link and the viewer's own ShareView
row, valid for `GRANT_LIFETIME`. With it that viewer downloads what they saw, also after the
last view was taken, using no more views; after the last view nobody else gets anything. A
grant ends with the link (revoked, expired) and never opens another link.

Nothing shown: a link whose credentials are all gone (trashed, or out of the collection it
follows) answers 404 with a sentence saying so, takes no view and signs nothing. Not 410:
the earner can restore a credential or add one, so nothing says it is permanent, and
RFC 9110 (15.5.11) asks for 404 when the server cannot tell. Link-preview bots get a bare
page that shows nothing and uses no view.

Quiet: a GET writes only its view and fetches nothing. The page shows the verdicts as stored;
one checked too long ago is re-checked by a worker, queued once the view is recorded
(`wallet.services.reverify.credentials_recheck_later`). The holder's DID is read, never made
here (docs/decisions/0015-quiet-public-gets.md); only a presentation, which is signed, makes
the key of an earner who has none yet.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from accounts.selectors import holder_key_current
from config.clients import client_address
from sharing import lerrs, presentations, selectors
from sharing.models import ShareLink, ShareState, ShareView
from sharing.services import (
    GRANT_LIFETIME,
    coarse_user_agent,
    share_log_access,
    share_take_view,
)
from wallet import registries, responses, wording
from wallet.selectors import credential_image_of, credential_warnings
from wallet.services.reverify import credentials_recheck_later
from wallet.verification import Verdict
from wallet.verification.caching import BoundedCache

logger = logging.getLogger(__name__)

_GRANT_SALT = "sharing.download-grant"
# Stands in a rendered page for the viewer's own grant, put in as each page is sent. Random
# per process, so no credential's text can contain it.
_GRANT_MARK = f"grant-{secrets.token_hex(16)}"
PAGE_CACHE_SECONDS = 60
PAGE_CACHE_SIZE = 64
MAX_CHALLENGE_LENGTH = 256
_JSON_TYPES = ("application/vp+ld+json", "application/ld+json", "application/json")

NOTHING_SHOWN = "The person who shared this link no longer shows anything here."
NOTHING_TO_PRESENT = (
    "None of the credentials on this link can go in a signed presentation: they are Open "
    "Badges 2.0 badges, which are not verifiable credentials. Download each one from the "
    "link's page instead."
)


# --- settings, clients, headers ------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _client(request: HttpRequest) -> str:
    """A keyed hash of the client's address (an IPv6 client by its /64, which one host
    usually holds whole): what misses and repeated visits are counted by."""
    address = client_address(request) or "unknown"
    if ":" in address:  # IPv6 (an IPv4 address never has a colon here)
        try:
            address = str(ipaddress.ip_network(f"{address}/64", strict=False))
        except ValueError:
            pass
    return salted_hmac("sharing.client", address).hexdigest()[:32]


def _blocked(client: str) -> bool:
    limit = _setting("SATCHEL_SHARE_MISS_LIMIT", 20)
    try:
        return (cache.get(f"sharing:miss:{client}") or 0) >= limit
    except Exception:  # without a cache, misses go uncounted rather than pages down
        logger.warning("share links: cache unavailable, misses not limited")
        return False


def _count_miss(client: str) -> None:
    key = f"sharing:miss:{client}"
    window = _setting("SATCHEL_SHARE_MISS_WINDOW_SECONDS", 600)
    try:
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)
    except Exception:
        logger.warning("share links: cache unavailable, miss not counted")


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    return _private(render(request, template, context, status=status))


def _header(request: HttpRequest, name: str) -> str:
    """A request header by its WSGI name (`HTTP_ACCEPT`): read from META, as
    `request.headers` would, without building that mapping of every header on each view."""
    return request.META.get(name, "")


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _machine(request: HttpRequest) -> bool:
    """A client that asked for JSON or a token, not a page: it gets its errors as JSON."""
    return _wants(request) != "html" and "text/html" not in _header(request, "HTTP_ACCEPT")


def _problem(message: str, status: int) -> HttpResponse:
    """An error a program can read: RFC 9457 problem details."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    return JsonResponse(
        {**body, "detail": message}, status=status, content_type="application/problem+json"
    )


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return _problem(message, status) if _machine(request) else _text(message, status)


def _miss(request: HttpRequest) -> HttpResponse:
    """An unknown token: counted against the client, and 429 once it has missed too often."""
    client = _client(request)
    if _blocked(client):
        return _too_many(request)
    _count_miss(client)
    return _not_found(request)


def _not_found(request: HttpRequest) -> HttpResponse:
    if _machine(request):
        return _private(_problem("No link or credential at this address.", 404))
    return _page(request, "sharing/public/not_found.html", {}, status=404)


def _gone(request: HttpRequest, *, grant_ended: bool = False) -> HttpResponse:
    if _machine(request):
        return _private(_problem("This link no longer works: it was ended or ran its course.", 410))
    context = {"grant_ended": grant_ended, "grant_minutes": _grant_minutes()}
    return _page(request, "sharing/public/gone.html", context, status=410)


def _too_many(request: HttpRequest) -> HttpResponse:
    if _machine(request):
        response = _private(_problem("Too many addresses that lead nowhere: wait a while.", 429))
    else:
        response = _page(request, "sharing/public/too_many.html", {}, status=429)
    response["Retry-After"] = str(_setting("SATCHEL_SHARE_MISS_WINDOW_SECONDS", 600))
    return response


def _nothing_shown(request: HttpRequest, *, page: bool) -> HttpResponse:
    if page:
        context = {"message": NOTHING_SHOWN}
        return _page(request, "sharing/public/nothing_shown.html", context, status=404)
    return _private(_refusal(request, NOTHING_SHOWN, 404))


# --- grants and views --------------------------------------------------------------------------


def _grant_minutes() -> int:
    return int(GRANT_LIFETIME.total_seconds() // 60)


def _grant_for(view: ShareView) -> str:
    """A download grant for the viewer who took `view`: signed, dated, naming link and view."""
    return signing.dumps([view.share_id, view.pk], salt=_GRANT_SALT, compress=False)


def _granted(request: HttpRequest, share: ShareLink) -> bool | None:
    """None without a grant; True for a live grant made for a view of this link; else False."""
    grant = request.GET.get("grant")
    if grant is None:
        return None
    try:
        share_id, _view_id = signing.loads(grant, salt=_GRANT_SALT, max_age=GRANT_LIFETIME)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    return share_id == share.pk


@dataclass(frozen=True)
class _Admission:
    refused: bool = False  # it needed a view and the link has none left: answer 410
    view: ShareView | None = None  # the view it took, on a link with a view limit


def _admit(
    request: HttpRequest,
    share: ShareLink,
    now: datetime,
    kind: str,
    *,
    opening: bool = False,
    logged: bool = True,
) -> _Admission:
    """Count or log this request (see the module's docstring).

    `opening`: the link's own address, a view even with a grant. `logged`: whether an access
    that takes no view is written to the log (a badge image loaded by the page is not).
    """
    if share.max_views is not None and (opening or not _granted(request, share)):
        view = share_take_view(share=share, user_agent=_agent(request), now=now, kind=kind)
        return _Admission(refused=view is None, view=view)
    if logged:
        share_log_access(
            share=share, user_agent=_agent(request), client=_client(request), now=now, kind=kind
        )
    return _Admission()


def public_share(*, opening: bool) -> Callable[..., Callable[..., HttpResponse]]:
    """Resolve the token (404 unknown, 429 too many misses, 410 ended, also with its account,
    404 nothing shown)
    and pass the link on. `opening`: the address of the link itself, where grants play no
    part; elsewhere a live grant also opens a link whose last view was taken.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            share = selectors.share_by_token(token=token)
            if share is None:
                # A link whose account was deleted has ended; it was not guessed.
                if selectors.share_link_ended(token=token):
                    return _gone(request)
                return _miss(request)
            now = timezone.now()
            state = share.state(now)
            granted = None
            if not opening and share.max_views is not None:
                granted = _granted(request, share)
                if granted is False:
                    return _gone(request, grant_ended=state != ShareState.REVOKED)
            if not (state == ShareState.ACTIVE or (granted and state == ShareState.USED_UP)):
                return _gone(request)
            if not share.shown_versions:
                return _nothing_shown(request, page=opening and _wants(request) == "html")
            return _private(view(request, share, now, *args, **kwargs))

        return require_GET(wrapper)

    return decorate


# --- the page --------------------------------------------------------------------------------


def _wants(request: HttpRequest) -> str:
    """What the client asked for: "json", "jwt" or "html" (a browser always lists text/html)."""
    accept = _header(request, "HTTP_ACCEPT").lower()
    if "text/html" in accept:
        return "html"
    if "application/vp+jwt" in accept:
        return "jwt"
    if any(kind in accept for kind in _JSON_TYPES):
        return "json"
    return "html"


def _is_preview_bot(request: HttpRequest) -> bool:
    browser, _ = coarse_user_agent(_header(request, "HTTP_USER_AGENT"))
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


def _card(credential: Any, warnings: list[str], standing: Any) -> dict[str, Any]:
    return {
        "credential": credential,
        "standing": standing,
        "handle": selectors.credential_handle(credential),
        "explanation": wording.employer_explanation(credential.verdict),
        # Each in the sentence its check wrote, the one the earner reads too.
        "warnings": warnings,
        "skills": [a.get("name") or a.get("code") for a in credential.alignments or []][:30],
        "legacy": credential.is_open_badge_2,
        "extension": credential.file_extension,
    }


def _page_key(share: ShareLink, versions: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Everything the rendered page depends on; any change makes a new key. The language is
    the employer's browser's (LocaleMiddleware), so it is part of the page."""
    return (
        translation.get_language(),
        share.pk,
        share.updated_at,
        share.display_name,
        share.expires_at,
        share.challenge,
        share.max_views is not None,  # a limited link's page has room for a grant
        tuple(versions),
    )


# Rendered share pages kept in this process, each for PAGE_CACHE_SECONDS. In front of
# nothing: a shared cache would unpickle the ~30 KB page on every view, which cost more than
# a rendering saved per request. Each server process renders a page once per version of its
# content and keeps it as the bytes the response sends.
rendered_pages: BoundedCache[tuple[Any, ...], bytes] = BoundedCache(
    PAGE_CACHE_SIZE, seconds=PAGE_CACHE_SECONDS, clock=time.monotonic
)


def _holder_did(share: ShareLink) -> str:
    """The DID the link's presentations are signed with; read, never made, by this page."""
    key = holder_key_current(user=share.owner)
    return key.did if key is not None else ""


def link_preview(share: ShareLink, token: str) -> dict[str, str]:
    """The OpenGraph tags of a link whose learner chose previews: a title, the issuers, and
    the first badge image (served sanitised from this link; none for a link with a view
    limit, whose views a preview fetcher must not spend)."""
    credentials = selectors.share_credentials(share=share)
    name = share.display_name
    if len(credentials) == 1:
        title = credentials[0].display_title
    else:
        title = f"{len(credentials)} credentials"
    if name:
        title = f"{title}, shared by {name}"
    issuers = list(dict.fromkeys(c.issuer_name for c in credentials if c.issuer_name))
    description = "Issued by " + ", ".join(issuers[:3]) if issuers else ""
    if len(issuers) > 3:
        description += f" and {len(issuers) - 3} more"
    image = ""
    pictured = next((c for c in credentials if c.has_image), None)
    if pictured is not None and share.max_views is None:
        handle = selectors.credential_handle(pictured)
        image = f"{settings.SATCHEL_PUBLIC_ORIGIN}/s/{token}/credentials/{handle}/image"
    return {
        "title": title,
        "description": description,
        "image": image,
        "url": f"{settings.SATCHEL_PUBLIC_ORIGIN}/s/{token}",
    }


def _render_page(share: ShareLink, token: str) -> str:
    credentials = selectors.share_credentials(share=share)
    warnings = credential_warnings(credentials=credentials)
    standings = registries.issuer_standings(c.issuer_id for c in credentials)
    cards = [_card(c, warnings.get(c.pk, []), standings.get(c.issuer_id)) for c in credentials]
    context = {
        "share": share,
        "cards": [c for c in cards if not c["legacy"]],
        "legacy_cards": [c for c in cards if c["legacy"]],
        "origin": settings.SATCHEL_PUBLIC_ORIGIN,
        "token": token,
        "holder_did": _holder_did(share),
        "grant": _GRANT_MARK if share.max_views is not None else "",
        "grant_minutes": _grant_minutes(),
        "preview": link_preview(share, token) if share.link_preview else None,
    }
    # Rendered without the request: nothing of the visitor's (a signed-in earner's messages,
    # their name, their grant) can end up in a page that is cached and shown to others.
    return render_to_string("sharing/public/share.html", context)


@public_share(opening=True)
def share_page(request: HttpRequest, share: ShareLink, now: datetime) -> HttpResponse:
    wants = _wants(request)
    if wants == "html" and _is_preview_bot(request):
        token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
        context = {"preview": link_preview(share, token)} if share.link_preview else {}
        return render(request, "sharing/public/preview.html", context)
    if wants != "html":
        prepared, key = _prepared(share)
        if not prepared.presentable:
            return _refusal(request, NOTHING_TO_PRESENT, 404)
        # A program fetching the presentation at the link's address downloaded it: the log
        # says so (the page was not opened), and a limited link still spends a view on it.
        kind = ShareView.Kind.PRESENTATION
        if _admit(request, share, now, kind, opening=True).refused:
            return _gone(request)
        return _presentation_response(
            share, now, share.challenge, wants, (prepared, key), _json_type(request)
        )
    admission = _admit(request, share, now, ShareView.Kind.PAGE, opening=True)
    if admission.refused:
        return _gone(request)
    versions = share.shown_versions
    # The page shows the verdicts as stored; what was checked too long ago is checked again
    # by a worker once this view is recorded, and the next view shows the new verdict. No
    # visitor waits on an issuer, and no visitor's request fetches anything.
    credentials_recheck_later(credential_ids=sorted(_stale(versions, now)))
    # The state of the link was checked above on this very request, and its view counted;
    # only the rendering of unchanged content is reused, for a short while.
    key = _page_key(share, versions)
    body = rendered_pages.get(key)
    if body is None:
        token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
        body = _render_page(share, token).encode(settings.DEFAULT_CHARSET)
        rendered_pages[key] = body
    if admission.view is not None:
        body = body.replace(_GRANT_MARK.encode(), _grant_for(admission.view).encode())
    response = HttpResponse(body)
    response["Vary"] = "Accept"
    return response


def _agent(request: HttpRequest) -> str:
    return _header(request, "HTTP_USER_AGENT")


# --- presentations and downloads -----------------------------------------------------------


def _json_type(request: HttpRequest) -> str:
    """The JSON type the client named (`application/ld+json` answered as such); a client that
    named none gets the presentation's own type."""
    accept = _header(request, "HTTP_ACCEPT").lower()
    named = [kind for kind in _JSON_TYPES if kind in accept]
    return named[0] if named else presentations.VP_MEDIA_TYPE


def _prepared(share: ShareLink) -> tuple[presentations.Prepared, Any]:
    """The link's unsigned presentation as it stands (prepared once per version of what the
    link shows, `sharing.presentations.prepared_for_link`) and the holder's key."""
    # The token's hash names the link for good: a pk can come back after a deletion (SQLite).
    version = (
        share.token_hash,
        share.updated_at,
        tuple((pk, updated_at) for pk, _verdict, _checked, updated_at in share.shown_versions),
    )
    return presentations.prepared_for_link(
        version=version,
        owner_id=share.owner_id,
        credentials=lambda: selectors.share_credentials(share=share, with_originals=True),
    )


def _presentation_response(
    share: ShareLink,
    now: datetime,
    challenge: str,
    wants: str,
    prepared: tuple[presentations.Prepared, Any],
    media_type: str = presentations.VP_MEDIA_TYPE,
) -> HttpResponse:
    arguments: dict[str, Any] = {
        "challenge": challenge,
        "domain": settings.SATCHEL_PUBLIC_ORIGIN,
        "now": now,
        "expires": share.expires_at,
    }
    if prepared[0].binds:
        # An SD-JWT's Key Binding JWT names this challenge: nothing prepared can stand in.
        arguments |= {
            "owner": share.owner,
            "credentials": selectors.share_credentials(share=share, with_originals=True),
        }
        if wants == "jwt":
            token = presentations.presentation_jwt(**arguments)
        else:
            body = json.dumps(presentations.presentation_build(**arguments), cls=DjangoJSONEncoder)
    elif wants == "jwt":
        token = presentations.signed_jwt(*prepared, **arguments)
    else:
        body = presentations.signed_body(*prepared, **arguments)
    if wants == "jwt":
        response = HttpResponse(token, content_type=presentations.VP_JWT_MEDIA_TYPE)
        response["Content-Disposition"] = 'attachment; filename="presentation.jwt"'
        return response
    response = HttpResponse(body, content_type=media_type)
    response["Content-Disposition"] = 'attachment; filename="presentation.json"'
    return response


@public_share(opening=False)
def share_presentation(request: HttpRequest, share: ShareLink, now: datetime) -> HttpResponse:
    challenge = request.GET.get("challenge", "") or share.challenge
    if len(challenge) > MAX_CHALLENGE_LENGTH or not challenge.isprintable():
        message = f"A challenge is at most {MAX_CHALLENGE_LENGTH} printable characters."
        return _refusal(request, message, 400)
    prepared, key = _prepared(share)
    if not prepared.presentable:
        return _refusal(request, NOTHING_TO_PRESENT, 404)
    if _admit(request, share, now, ShareView.Kind.PRESENTATION).refused:
        return _gone(request)
    as_jwt = request.GET.get("format") == "jwt" or _wants(request) == "jwt"
    return _presentation_response(
        share, now, challenge, "jwt" if as_jwt else "json", (prepared, key), _json_type(request)
    )


@public_share(opening=False)
def share_resume(request: HttpRequest, share: ShareLink, now: datetime) -> HttpResponse:
    """A link shared as a résumé: the HR Open LER-RS résumé of its credentials as they stand,
    signed by the holder (sharing.lerrs). Counted as a view, like a presentation."""
    if not share.resume:
        return _not_found(request)
    credentials = selectors.share_credentials(share=share, with_originals=True)
    if not credentials:
        return _nothing_shown(request, page=False)
    if _admit(request, share, now, ShareView.Kind.PRESENTATION).refused:
        return _gone(request)
    document = lerrs.resume_of_share(share=share, credentials=credentials, now=now)
    body = json.dumps(document, indent=2, ensure_ascii=False).encode()
    return responses.download_response(
        content=body, filename="resume-ler-rs.json", media_type="application/json"
    )


@public_share(opening=False)
def share_original(
    request: HttpRequest, share: ShareLink, now: datetime, handle: str
) -> HttpResponse:
    credential = selectors.shared_credential(share=share, handle=handle)
    if credential is None:
        return _not_found(request)
    if _admit(request, share, now, ShareView.Kind.ORIGINAL).refused:
        return _gone(request)
    return responses.original_response(credential=credential, stem=f"credential-{handle}")


@public_share(opening=False)
def share_image(request: HttpRequest, share: ShareLink, now: datetime, handle: str) -> HttpResponse:
    credential = selectors.shared_credential(share=share, handle=handle)
    # A disclosed copy has no image: the badge image is a claim the learner may keep back.
    image = None
    if credential is not None and not getattr(credential, "is_disclosed", False):
        image = credential_image_of(credential=credential)
    if image is None:
        return _not_found(request)
    if _admit(request, share, now, ShareView.Kind.IMAGE, logged=False).refused:
        return _gone(request)
    return responses.image_response(
        content=bytes(image.content), media_type=image.media_type, name=f"badge-{handle}"
    )
