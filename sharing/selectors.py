"""Reads of share links. The earner's reads take the owner; the public read takes a token."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import User
from sharing import hot_path
from sharing.models import (
    LAST_PAGE_VIEW,
    PAGE_VIEWS,
    EndedLink,
    ShareItem,
    ShareLink,
    ShareState,
    ShareView,
)
from wallet.disclosable import disclosed_view
from wallet.models import Credential
from wallet.selectors import VERSION_FIELDS

# A credential is named on the public page by the start of its original's SHA-256: stable,
# not a row number, and nothing the employer cannot compute from the download anyway.
HANDLE_LENGTH = 20


def _as_pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such link.") from None


def _with_view_log(shares: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
    """Openings of each link counted from its access log (see ShareLink.view_count)."""
    openings = ShareView.objects.filter(share=OuterRef("pk"), kind=ShareView.Kind.PAGE).order_by()
    return shares.annotate(
        **{
            PAGE_VIEWS: Subquery(openings.values("share").annotate(n=Count("pk")).values("n")[:1]),
            LAST_PAGE_VIEW: Subquery(openings.order_by("-viewed_at").values("viewed_at")[:1]),
        }
    )


def access_share(*, owner: User, share_id: Any) -> ShareLink:
    """The owner's link, or Http404 (also for anyone else's: no existence leak)."""
    share = _with_view_log(
        ShareLink.objects.filter(owner=owner, pk=_as_pk(share_id)).select_related("collection")
    ).first()
    if share is None:
        raise Http404("No such link.")
    return share


def share_list(*, owner: User) -> QuerySet[ShareLink]:
    """The owner's links, newest first (revoked and expired ones too: they are history)."""
    return _with_view_log(
        ShareLink.objects.filter(owner=owner)
        .select_related("collection")
        .order_by("-created_at", "-pk")
    )


def live_shares_showing(*, credential: Credential, now: datetime) -> list[ShareLink]:
    """The owner's working links that show this credential now (chosen for the link, or in
    the collection a link follows): what trashing it takes away from employers."""
    shares = ShareLink.objects.filter(owner_id=credential.owner_id, revoked_at__isnull=True)
    shares = shares.filter(
        Q(follow_collection=False, items__credential=credential)
        | Q(follow_collection=True, collection__credentials=credential)
    ).distinct()
    return [share for share in shares if share.state(now) == ShareState.ACTIVE]


def share_views(*, share: ShareLink, limit: int = 500) -> list[ShareView]:
    """The access log of an (already accessed) link, newest first."""
    return list(share.views.order_by("-viewed_at", "-pk")[:limit])


def share_by_token(*, token: str) -> ShareLink | None:
    """The link a public token opens, in any state, or None. Looked up by hash only.

    The link carries `shown_versions`, as `share_versions` would return them, read in the
    same statement (see hot_path).
    """
    if not token or len(token) > 100:
        return None
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    # The owner is loaded only by the paths that need them (rendering, signing).
    return hot_path.share_by_hash(digest)


def share_link_ended(*, token: str) -> bool:
    """Whether `token` opened a link whose account has since been deleted (`EndedLink`)."""
    if not token or len(token) > 100:
        return False
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    return EndedLink.objects.filter(token_hash=digest).exists()


def _shared(share: ShareLink) -> QuerySet[Credential]:
    if share.follow_collection:
        if share.collection_id is None:
            return Credential.objects.none()
        queryset = Credential.objects.filter(
            collections__pk=share.collection_id, owner_id=share.owner_id
        ).order_by(F("issued_at").desc(nulls_last=True), "-pk")
    else:
        queryset = Credential.objects.filter(share_items__share=share).order_by(
            "share_items__position", "share_items__pk"
        )
    return queryset.filter(deleted_at__isnull=True)


def share_credentials(*, share: ShareLink, with_originals: bool = False) -> list[Credential]:
    """What the link shows now: live credentials only (a trashed one is gone at once).

    A followed collection is read as it is now; otherwise the credentials chosen (or frozen
    from the collection) when the link was made, in that order.
    """
    queryset = _shared(share)
    return _as_shown(share, list(queryset if with_originals else queryset.defer("original")))


def _as_shown(share: ShareLink, credentials: list[Credential]) -> list[Credential]:
    """Each credential as the link shows it: where the learner chose which of its claims go,
    its disclosed form (`wallet.disclosable.disclosed_view`), never the original."""
    if share.follow_collection or not credentials:
        return credentials
    disclosed = dict(
        ShareItem.objects.filter(share=share, credential__in=[c.pk for c in credentials])
        .exclude(disclosed="")
        .values_list("credential_id", "disclosed")
    )
    return [disclosed_view(c, disclosed[c.pk]) if c.pk in disclosed else c for c in credentials]


def share_versions(*, share: ShareLink) -> list[tuple[Any, ...]]:
    """(pk, verdict, checked_at, updated_at) of what the link shows now: enough to tell
    whether a rendering of it is still current, without loading the credentials."""
    # Unordered (ordering costs a join): the link's order is fixed when it is made.
    rows = _shared(share).order_by().values_list(*VERSION_FIELDS)
    return sorted(rows)


def credential_handle(credential: Credential) -> str:
    return credential.sha256[:HANDLE_LENGTH]


def shared_credential(*, share: ShareLink, handle: str) -> Credential | None:
    """One of the credentials the link shows now, by its public handle."""
    if len(handle) != HANDLE_LENGTH or not all(c in "0123456789abcdef" for c in handle):
        return None
    found = _shared(share).filter(sha256__startswith=handle).first()
    return _as_shown(share, [found])[0] if found is not None else None
