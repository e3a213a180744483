"""Writes for share links: create, revoke, extend, rename, and record who looked.

Every change by the earner leaves an audit row in the same transaction (docs/conventions.md, 5);
a view by an employer is recorded by its ShareView row (see share_take_view). A link's token
is 256 bits from `secrets`; only its SHA-256 (for lookup) and an encrypted copy (so the earner
can copy the link again) are stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts import crypto
from accounts.models import User
from sharing import access_log, hot_path
from sharing.lerrs import Person
from sharing.models import EndedLink, ShareItem, ShareLink, ShareView
from wallet.disclosable import disclosed_form
from wallet.models import Collection, Credential
from wallet.selectors import access_collection
from wallet.services.audit import audit_record
from wallet.verification.sdjwt import ClaimPath

DEFAULT_EXPIRY = timedelta(days=30)
MAX_EXPIRY = timedelta(days=366)
# (form value, label, lifetime) for the earner's choice; "never" is the explicit no-expiry.
EXPIRY_PRESETS: tuple[tuple[str, str, timedelta], ...] = (
    ("1d", gettext_noop("1 day"), timedelta(days=1)),
    ("7d", gettext_noop("1 week"), timedelta(days=7)),
    ("30d", gettext_noop("30 days"), timedelta(days=30)),
    ("90d", gettext_noop("3 months"), timedelta(days=90)),
    ("180d", gettext_noop("6 months"), timedelta(days=180)),
    ("365d", gettext_noop("1 year"), timedelta(days=365)),
)
NO_EXPIRY_PRESET = "never"
MAX_VIEWS_LIMIT = 10_000
# How long a viewer of a link with a view limit may download what their page showed.
GRANT_LIFETIME = timedelta(minutes=10)
MAX_SHARED_CREDENTIALS = 100
AUDIENCE_MAX = 200
DISPLAY_NAME_MAX = 120

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_token(share: ShareLink) -> str:
    """The link's token, decrypted for its owner (to copy the link again)."""
    return crypto.decrypt(share.token_encrypted).decode("ascii")


def share_url(share: ShareLink) -> str:
    """The public address of the link: what the earner sends, and what the QR code holds."""
    return f"{settings.SATCHEL_PUBLIC_ORIGIN}/s/{share_token(share)}"


def expiry_preset(value: str) -> tuple[timedelta | None, bool]:
    """A preset's form value -> (expires_in, no_expiry) for share_create / share_extend."""
    if value == NO_EXPIRY_PRESET:
        return None, True
    for key, _label, lifetime in EXPIRY_PRESETS:
        if key == value:
            return lifetime, False
    raise ValidationError(gettext("Choose how long the link works."))


# --- validation ----------------------------------------------------------------------------


def _clean_text(value: str, *, limit: int, what: str, required: bool) -> str:
    text = re.sub(r"\s+", " ", value or "").strip()
    if required and not text:
        raise ValidationError(gettext("Say %(what)s.") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            gettext("Keep %(what)s under %(limit)s characters.") % {"what": what, "limit": limit}
        )
    return text


def _expires_at(now: datetime, expires_in: timedelta | None, no_expiry: bool) -> datetime | None:
    if no_expiry:
        if expires_in is not None:
            raise ValidationError(gettext("Choose either an expiry or no expiry, not both."))
        return None
    lifetime = DEFAULT_EXPIRY if expires_in is None else expires_in
    if lifetime <= timedelta(0) or lifetime > MAX_EXPIRY:
        raise ValidationError(gettext("A link can work for at most a year (or choose no expiry)."))
    return now + lifetime


def _max_views(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VIEWS_LIMIT:
        raise ValidationError(
            gettext("The number of views must be between 1 and %(max_views_limit)s.")
            % {"max_views_limit": MAX_VIEWS_LIMIT}
        )
    return value


def _chosen_credentials(owner: User, credential_ids: Iterable[Any]) -> list[Credential]:
    wanted: list[int] = []
    for value in credential_ids:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise ValidationError(gettext("Choose credentials from your record.")) from None
        if pk not in wanted:
            wanted.append(pk)
    found = Credential.objects.filter(owner=owner, deleted_at__isnull=True, pk__in=wanted)
    by_pk = {c.pk: c for c in found.defer("original")}
    if len(by_pk) != len(wanted):
        # Someone else's id and a missing one get the same answer: no existence leak.
        raise ValidationError(gettext("Some of the chosen credentials are not in your record."))
    return [by_pk[pk] for pk in wanted]


def _collection_credentials(collection: Collection) -> list[Credential]:
    return list(
        collection.credentials.filter(deleted_at__isnull=True, owner=collection.owner)
        .defer("original")
        .order_by(F("issued_at").desc(nulls_last=True), "-pk")
    )


def _disclosed_forms(
    chosen: list[Credential], disclosures: Mapping[int, Sequence[ClaimPath]], collection: bool
) -> dict[int, str]:
    """Credential id -> what the link shows of it, for each one whose claims were chosen."""
    if not disclosures:
        return {}
    if collection:
        raise ValidationError(gettext("Claims can be chosen for credentials picked one by one."))
    by_pk = {c.pk: c for c in chosen}
    forms: dict[int, str] = {}
    for pk, paths in disclosures.items():
        credential = by_pk.get(pk)
        if credential is None:
            raise ValidationError(
                gettext("Claims were chosen for a credential the link does not hold.")
            )
        # Read again with its original: the chosen rows were loaded without it.
        full = Credential.objects.get(pk=credential.pk)
        try:
            forms[pk] = disclosed_form(full, [tuple(p) for p in paths])
        except ValueError as exc:
            raise ValidationError(
                gettext("“%(title)s”: %(exc)s") % {"title": credential.title, "exc": exc}
            ) from exc
    return forms


# --- writes --------------------------------------------------------------------------------


def share_create(
    *,
    owner: User,
    audience: str,
    credential_ids: Iterable[Any] = (),
    collection_id: Any = None,
    follow_collection: bool = False,
    expires_in: timedelta | None = None,
    no_expiry: bool = False,
    max_views: int | None = None,
    display_name: str = "",
    challenge: str | None = None,
    token: str | None = None,
    link_preview: bool = False,
    now: datetime | None = None,
    disclosures: Mapping[int, Sequence[ClaimPath]] | None = None,
) -> tuple[ShareLink, str]:
    """Make a link to chosen credentials, or to a collection (frozen now, or followed).

    `expires_in` None means the default (30 days) unless `no_expiry` is chosen explicitly.
    Returns the link and its token (shown to the earner; stored only hashed and encrypted).
    `token` and `challenge` are given when the link answers an employer's request: its
    results token opens the link, and the presentation is bound to its challenge.
    `disclosures` (credential id -> claim paths) names, for an SD-JWT VC or a credential
    with an ecdsa-sd-2023 base proof, the claims the link reveals; the link then shows
    and serves only that disclosed form (`wallet.disclosable`), never the original.
    Raises ValidationError for anything the earner must fix.
    """
    now = now or timezone.now()
    audience = _clean_text(
        audience, limit=AUDIENCE_MAX, what=gettext("who the link is for"), required=True
    )
    display_name = _clean_text(
        display_name, limit=DISPLAY_NAME_MAX, what=gettext("your name"), required=False
    )
    expires_at = _expires_at(now, expires_in, no_expiry)
    max_views = _max_views(max_views)
    credential_ids = list(credential_ids)
    collection = None
    if collection_id not in (None, ""):
        if credential_ids:
            raise ValidationError(
                gettext("Share either chosen credentials or a collection, not both.")
            )
        collection = access_collection(owner=owner, collection_id=collection_id)
        chosen = _collection_credentials(collection)
    else:
        if follow_collection:
            raise ValidationError(gettext("Only a collection can be followed."))
        chosen = _chosen_credentials(owner, credential_ids)
    if not chosen:
        raise ValidationError(gettext("Choose at least one credential to share."))
    if len(chosen) > MAX_SHARED_CREDENTIALS:
        raise ValidationError(
            gettext("A link can hold at most %(max_shared_credentials)s credentials.")
            % {"max_shared_credentials": MAX_SHARED_CREDENTIALS}
        )
    disclosed = _disclosed_forms(chosen, disclosures or {}, bool(collection is not None))
    token = token or secrets.token_urlsafe(32)
    with transaction.atomic():
        share = ShareLink.objects.create(
            owner=owner,
            audience=audience,
            display_name=display_name,
            token_hash=token_hash(token),
            token_encrypted=crypto.encrypt(token.encode("ascii")),
            challenge=challenge or secrets.token_urlsafe(16),
            collection=collection,
            follow_collection=bool(collection is not None and follow_collection),
            expires_at=expires_at,
            max_views=max_views,
            link_preview=link_preview,
            created_at=now,
            updated_at=now,
        )
        if not share.follow_collection:
            ShareItem.objects.bulk_create(
                ShareItem(share=share, credential=c, position=i, disclosed=disclosed.get(c.pk, ""))
                for i, c in enumerate(chosen)
            )
        audit_record(
            user=owner,
            action="share.created",
            target=share,
            detail={
                "audience": audience,
                "credentials": len(chosen),
                "collection": collection.pk if collection else None,
                "follow_collection": share.follow_collection,
                "expires_at": expires_at.isoformat() if expires_at else None,
                "max_views": max_views,
                "link_preview": link_preview,
            },
            now=now,
        )
    return share, token


def _owned(owner: User, share_id: Any, *, lock: bool = False) -> ShareLink:
    from sharing.selectors import access_share

    share = access_share(owner=owner, share_id=share_id)
    if lock:
        share = ShareLink.objects.select_for_update().get(pk=share.pk)
    return share


def share_revoke(*, owner: User, share_id: Any, now: datetime | None = None) -> ShareLink:
    """End the link at once (idempotent): the next request to it, of any kind, gets 410."""
    now = now or timezone.now()
    with transaction.atomic():
        share = _owned(owner, share_id, lock=True)
        if share.revoked_at is not None:
            return share
        share.revoked_at = now
        share.updated_at = now
        share.save(update_fields=["revoked_at", "updated_at"])
        audit_record(user=owner, action="share.revoked", target=share, now=now)
    return share


def share_extend(
    *,
    owner: User,
    share_id: Any,
    expires_in: timedelta | None = None,
    no_expiry: bool = False,
    now: datetime | None = None,
) -> ShareLink:
    """Set a new expiry, counted from now (an expired link works again); not for revoked ones."""
    now = now or timezone.now()
    if expires_in is None and not no_expiry:
        raise ValidationError(gettext("Choose a new expiry, or no expiry."))
    expires_at = _expires_at(now, expires_in, no_expiry)
    with transaction.atomic():
        share = _owned(owner, share_id, lock=True)
        if share.revoked_at is not None:
            raise ValidationError(gettext("A revoked link cannot be reopened: create a new one."))
        previous = share.expires_at
        share.expires_at = expires_at
        share.updated_at = now
        share.save(update_fields=["expires_at", "updated_at"])
        audit_record(
            user=owner,
            action="share.extended",
            target=share,
            detail={
                "from": previous.isoformat() if previous else None,
                "to": expires_at.isoformat() if expires_at else None,
            },
            now=now,
        )
    return share


def share_rename(
    *,
    owner: User,
    share_id: Any,
    audience: str,
    display_name: str | None = None,
    now: datetime | None = None,
) -> ShareLink:
    """Change the earner's label for the link (and, when given, the name shown on it)."""
    now = now or timezone.now()
    audience = _clean_text(
        audience, limit=AUDIENCE_MAX, what=gettext("who the link is for"), required=True
    )
    fields = ["audience", "updated_at"]
    with transaction.atomic():
        share = _owned(owner, share_id, lock=True)
        previous = share.audience
        share.audience = audience
        if display_name is not None:
            share.display_name = _clean_text(
                display_name, limit=DISPLAY_NAME_MAX, what=gettext("your name"), required=False
            )
            fields.append("display_name")
        share.updated_at = now
        share.save(update_fields=fields)
        audit_record(
            user=owner,
            action="share.renamed",
            target=share,
            detail={"from": previous, "to": audience},
            now=now,
        )
    return share


def share_set_preview(
    *, owner: User, share_id: Any, link_preview: bool, now: datetime | None = None
) -> ShareLink:
    """Turn the link's previews in chat and social apps on or off."""
    now = now or timezone.now()
    with transaction.atomic():
        share = _owned(owner, share_id, lock=True)
        share.link_preview = link_preview
        share.updated_at = now
        share.save(update_fields=["link_preview", "updated_at"])
        audit_record(
            user=owner,
            action="share.preview_changed",
            target=share,
            detail={"link_preview": link_preview},
            now=now,
        )
    return share


def share_take_view(
    *,
    share: ShareLink,
    user_agent: str,
    now: datetime | None = None,
    kind: str = ShareView.Kind.PAGE,
) -> ShareView | None:
    """Take one of the views of a link with `max_views`, and log it, in one transaction.

    The caller has just read the link as live on this request. Returns None when the link
    ran out of views (or ended) between that read and the counting: the caller then answers
    410. The counting is a single conditional UPDATE, so two employers cannot both take the
    last view. Every view taken is logged, however often one client comes back: each one
    used up a view, and the earner must see them all.

    The ShareView row is the audit record of a view (docs/conventions.md, 5): it names the link,
    and through it the earner, and the earner reads it as the link's access log. A second,
    AuditEvent row per view would double every write on the public hot path and bury the
    earner's own actions (created, extended, revoked) under employers' visits.
    """
    if share.max_views is None:
        raise ValueError("Only a link with a view limit has views to take.")
    now = now or timezone.now()
    browser, system = coarse_user_agent(user_agent)
    with transaction.atomic():
        counted = (
            ShareLink.objects.filter(pk=share.pk, revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .filter(counted_views__lt=F("max_views"))
            .update(counted_views=F("counted_views") + 1, last_counted_at=now)
        )
        if not counted:
            return None
        view = hot_path.view_insert(
            share=share, viewed_at=now, kind=kind, browser=browser, os=system
        )
    share.counted_views += 1
    share.last_counted_at = now
    return view


def share_log_access(
    *,
    share: ShareLink,
    user_agent: str,
    client: str,
    now: datetime | None = None,
    kind: str = ShareView.Kind.PAGE,
) -> ShareView | None:
    """Log an access that takes no view: an opening of a link without a view limit, or a
    download. One row per link, kind and client per window of the clock
    (`SATCHEL_SHARE_VIEW_WINDOW_SECONDS`), so one client reloading a link cannot fill the
    log (and the earner's count is of visits, not of requests). Returns the row, or None
    when this client's earlier row in the same window stands for it. The row is written
    with the next batch (`sharing.access_log`): until then it has no pk.

    `client` is an opaque key for the client (a keyed hash of its address, never the
    address); it lives only in the cache, for the window.
    """
    now = now or timezone.now()
    window = int(settings.SATCHEL_SHARE_VIEW_WINDOW_SECONDS)
    # Windows are fixed spans of the clock, so the key needs no clock but the caller's `now`.
    span = int(now.timestamp()) // window
    if not _first_in_window(f"sharing:seen:{share.pk}:{kind}:{client}:{span}", window):
        return None
    browser, system = coarse_user_agent(user_agent)
    # Written in a batch with others, soon after (sharing/access_log.py and
    # docs/decisions/0019-share-page-access-log.md); at once when batching is off.
    view = ShareView(share=share, viewed_at=now, kind=kind, browser=browser, os=system)
    return access_log.log(view)


def _first_in_window(key: str, window: int) -> bool:
    try:
        return bool(cache.add(key, 1, timeout=window))
    except Exception:  # a cache that is down must not cost the earner their log
        logger.warning("access log: cache unavailable, logging without folding repeats")
        return True


def share_view_log_prune(*, now: datetime | None = None) -> int:
    """Delete access-log rows older than `SATCHEL_SHARE_VIEW_RETENTION_DAYS`; return how many.

    A link without a view limit is counted from its log, so the openings removed are first
    added to its own count (and their latest time kept), under a lock on the link: a second
    run at the same time waits, then finds nothing left to count. A limited link already
    counts every view on its row.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS))
    expired = ShareView.objects.filter(viewed_at__lt=cutoff)
    removed = 0
    for share_id in list(expired.order_by().values_list("share", flat=True).distinct()):
        with transaction.atomic():
            share = ShareLink.objects.select_for_update().filter(pk=share_id).first()
            if share is None:  # deleted meanwhile, with its log
                continue
            old = expired.filter(share=share)
            if share.max_views is None:
                openings = old.filter(kind=ShareView.Kind.PAGE).aggregate(
                    count=Count("pk"), latest=Max("viewed_at")
                )
                if openings["count"]:
                    share.counted_views += openings["count"]
                    share.last_counted_at = max(
                        t for t in (share.last_counted_at, openings["latest"]) if t is not None
                    )
                    share.save(update_fields=["counted_views", "last_counted_at"])
            removed += old.delete()[0]
    return removed


# --- user agents ---------------------------------------------------------------------------

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS: tuple[tuple[str, str], ...] = (
    ("edg/", "Edge"),
    ("edga/", "Edge"),
    ("edgios/", "Edge"),
    ("opr/", "Opera"),
    ("samsungbrowser/", "Samsung Internet"),
    ("firefox/", "Firefox"),
    ("fxios/", "Firefox"),
    ("crios/", "Chrome"),
    ("chrome/", "Chrome"),
    ("chromium/", "Chromium"),
    ("safari/", "Safari"),
    ("curl/", "curl"),
    ("wget/", "Wget"),
    ("python-requests/", "Python"),
    ("python-urllib", "Python"),
    ("wrk", "wrk"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("windows", "Windows"),
    ("iphone", "iOS"),
    ("ipad", "iOS"),
    ("android", "Android"),
    ("cros", "ChromeOS"),
    ("mac os x", "macOS"),
    ("macintosh", "macOS"),
    ("linux", "Linux"),
)
_BOTS = ("bot", "crawler", "spider", "slurp", "preview")


def coarse_user_agent(user_agent: str) -> tuple[str, str]:
    """Browser family and OS family only (never versions or device details)."""
    return _coarse_user_agent((user_agent or "")[:512].lower())


# A handful of browsers make most requests, and opening a link reads its user agent twice.
@lru_cache(maxsize=512)
def _coarse_user_agent(text: str) -> tuple[str, str]:
    if not text:
        return "Unknown", "Unknown"
    if any(word in text for word in _BOTS):
        browser = "Bot or link preview"
    else:
        browser = next((name for marker, name in _BROWSERS if marker in text), "Other")
    system = next((name for marker, name in _SYSTEMS if marker in text), "Other")
    return browser, system


def resume_share_create(
    *, owner: User, person: Person, credential_ids: list[int], now: datetime
) -> tuple[ShareLink, str]:
    """A link to the résumé's credentials whose employer page also offers the résumé itself
    (HR Open LER-RS, signed by the holder), with the details the learner typed for it."""
    name = person.formatted_name
    with transaction.atomic():
        share, token = share_create(
            owner=owner,
            audience=f"Résumé of {name}"[:AUDIENCE_MAX],
            credential_ids=credential_ids,
            display_name=name[:DISPLAY_NAME_MAX],
            now=now,
        )
        share.resume = person.as_dict()
        share.save(update_fields=["resume"])
    return share, token


def share_links_end_with_account(*, owner: User, now: datetime | None = None) -> int:
    """Before an account goes (with its links, by CASCADE), keep each link's token hash as
    an `EndedLink`, so the employer's page says the link has ended. Returns how many."""
    now = now or timezone.now()
    hashes = ShareLink.objects.filter(owner=owner).values_list("token_hash", flat=True)
    ended = [EndedLink(token_hash=digest, ended_at=now) for digest in hashes]
    EndedLink.objects.bulk_create(ended, ignore_conflicts=True)
    return len(ended)
