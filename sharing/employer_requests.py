"""Employer request links: an employer asks, on a public form, to see credentials; a learner
answers from their record, or declines.

The form makes two bearer secrets, 256 bits each, stored only hashed: the request link the
employer sends the learner, and the employer's private results link. Nothing is ever sent to
an address the employer typed: the employer keeps the results link, and the learner decides
what, if anything, reaches them. A request is answered once (then closed), declined once, or
expires. Answering makes a share link whose token is the results token, so the employer's
results page is the share page itself: live verdicts, and a presentation signed by the
learner and bound to the request's challenge. The learner sees it among their share links and
can end it like any other.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import crypto
from accounts.models import User
from sharing import services
from sharing.models import EmployerRequest
from wallet.models import Credential, Disclosure
from wallet.services.audit import audit_record
from wallet.services.disclosures import disclosure_record
from wallet.verification.sdjwt import ClaimPath

DEFAULT_LIFETIME = timedelta(days=30)
MAX_LIFETIME = timedelta(days=90)
NAME_MAX = 120
ORGANISATION_MAX = 200
WEBSITE_MAX = 300
ITEM_MAX = 120
MAX_WANTED = 10
MAX_ISSUERS = 10
MAX_SKILLS = 20
MESSAGE_MAX = 1000
DECLINE_MESSAGE_MAX = 1000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def request_url(token: str) -> str:
    return f"{settings.SATCHEL_PUBLIC_ORIGIN}/request/{token}"


def results_url(token: str) -> str:
    return f"{settings.SATCHEL_PUBLIC_ORIGIN}/request/results/{token}"


# --- the form's input ------------------------------------------------------------------------


def _line(value: str, *, limit: int, what: str, required: bool = False) -> str:
    text = re.sub(r"\s+", " ", value or "").strip()
    if required and not text:
        raise ValidationError(_("Say %(what)s.") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            _("Keep %(what)s under %(limit)d characters.") % {"what": what, "limit": limit}
        )
    return text


def _items(values: Iterable[str], *, limit: int, most: int, what: str) -> list[str]:
    items: list[str] = []
    for value in values:
        text = _line(value, limit=limit, what=what)
        if text and text.casefold() not in (i.casefold() for i in items):
            items.append(text)
    if len(items) > most:
        raise ValidationError(
            ngettext(
                "Ask for at most %(count)d %(what)s.",
                "Ask for at most %(count)d %(what)s.",
                most,
            )
            % {"count": most, "what": what}
        )
    return items


def _website(value: str) -> str:
    """Shown to the learner as text, never fetched or linked: only its shape is checked."""
    text = _line(value, limit=WEBSITE_MAX, what=_("your website"))
    if text and not re.fullmatch(r"(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?", text, re.IGNORECASE):
        raise ValidationError(_("Give your website as an address such as example.com."))
    return text


@transaction.atomic
def employer_request_create(
    *,
    requester_name: str,
    organisation: str = "",
    website: str = "",
    wanted: Sequence[str] = (),
    issuers: Sequence[str] = (),
    skills: Sequence[str] = (),
    message: str = "",
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> tuple[EmployerRequest, str, str]:
    """Record a request; returns it with its request token and its results token (each
    shown once, to the employer who made it). Raises ValidationError for what to fix."""
    now = now or timezone.now()
    name = _line(requester_name, limit=NAME_MAX, what=_("who you are"), required=True)
    wanted_items = _items(wanted, limit=ITEM_MAX, most=MAX_WANTED, what=_("kinds of credential"))
    issuer_items = _items(issuers, limit=ORGANISATION_MAX, most=MAX_ISSUERS, what=_("issuers"))
    skill_items = _items(skills, limit=ITEM_MAX, most=MAX_SKILLS, what=_("skills"))
    note = (message or "").strip()
    if len(note) > MESSAGE_MAX:
        raise ValidationError(
            _("Keep the message under %(limit)d characters.") % {"limit": MESSAGE_MAX}
        )
    if not (wanted_items or issuer_items or skill_items or note):
        raise ValidationError(_("Say what you would like to see."))
    expires_at = now + DEFAULT_LIFETIME
    if deadline is not None:
        if deadline <= now:
            raise ValidationError(_("Choose a deadline in the future."))
        if deadline - now > MAX_LIFETIME:
            raise ValidationError(_("A request can stay open for at most 90 days."))
        expires_at = deadline
    token = secrets.token_urlsafe(32)
    results_token = secrets.token_urlsafe(32)
    request = EmployerRequest.objects.create(
        requester_name=name,
        organisation=_line(organisation, limit=ORGANISATION_MAX, what=_("your organisation")),
        website=_website(website),
        wanted=wanted_items,
        issuers=issuer_items,
        skills=skill_items,
        message=note,
        token_hash=_hash(token),
        results_token_hash=_hash(results_token),
        results_token_encrypted=crypto.encrypt(results_token.encode("ascii")),
        challenge=secrets.token_urlsafe(16),
        created_at=now,
        expires_at=expires_at,
    )
    return request, token, results_token


# --- lookups by the secrets the wallet issued ----------------------------------------------


def employer_request_by_token(*, token: str) -> EmployerRequest | None:
    if not token or len(token) > 100:
        return None
    return EmployerRequest.objects.filter(token_hash=_hash(token)).first()


def employer_request_by_results_token(*, token: str) -> EmployerRequest | None:
    if not token or len(token) > 100:
        return None
    return (
        EmployerRequest.objects.filter(results_token_hash=_hash(token))
        .select_related("share")
        .first()
    )


# --- what in the learner's record matches -------------------------------------------------

_STOPWORDS = frozenset(
    "a an and any are as at be by certificate credential evidence for from in is of on or "
    "proof the to with your".split()
)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w+#]+", text.casefold()) if w not in _STOPWORDS]


def _stem(word: str) -> str:
    # "licence", "licensed" and "license" should meet; the learner has the last word anyway.
    return word[:5]


def _haystack(credential: Credential) -> set[str]:
    alignments = " ".join(
        str(a.get(k) or "")
        for a in credential.alignments or []
        if isinstance(a, dict)
        for k in ("name", "code", "framework")
    )
    text = " ".join(
        [
            credential.title,
            credential.description,
            credential.achievement_type,
            credential.issuer_name,
            alignments,
        ]
    )
    return {_stem(w) for w in _words(text)}


def _matches_words(wanted: str, haystack: set[str]) -> bool:
    """At least half of the wanted words (by their first five letters) are in the credential."""
    words = {_stem(w) for w in _words(wanted)}
    if not words:
        return False
    return len(words & haystack) * 2 >= len(words)


def _matches_issuer(wanted: str, credential: Credential) -> bool:
    needle = wanted.casefold()
    return needle in credential.issuer_name.casefold() or needle in credential.issuer_id.casefold()


def _matches_skill(wanted: str, credential: Credential) -> bool:
    needle = wanted.casefold()
    for alignment in credential.alignments or []:
        if isinstance(alignment, dict) and any(
            needle in str(alignment.get(k) or "").casefold() for k in ("name", "code")
        ):
            return True
    return _matches_words(wanted, _haystack(credential))


@dataclass(frozen=True)
class RequestedItem:
    kind: str  # "wanted" | "issuer" | "skill"
    text: str
    matches: tuple[int, ...]  # credential ids

    @property
    def lacking(self) -> bool:
        return not self.matches


@dataclass(frozen=True)
class Matching:
    items: list[RequestedItem]
    matched_ids: set[int] = field(default_factory=set)


def employer_request_matching(
    *, request: EmployerRequest, credentials: Sequence[Credential]
) -> Matching:
    """Which of the learner's credentials match each requested item, and which items none
    matches. A hint for the learner, who picks what to send from everything they hold."""
    items: list[RequestedItem] = []
    for kind, values, test in (
        ("wanted", request.wanted, lambda w, c: _matches_words(w, _haystack(c))),
        ("issuer", request.issuers, _matches_issuer),
        ("skill", request.skills, _matches_skill),
    ):
        for text in values:
            found = tuple(c.pk for c in credentials if test(text, c))
            items.append(RequestedItem(kind=kind, text=text, matches=found))
    return Matching(items=items, matched_ids={pk for item in items for pk in item.matches})


# --- the learner's answer -----------------------------------------------------------------


def _open_for_answer(request_id: int, now: datetime) -> EmployerRequest:
    request = EmployerRequest.objects.select_for_update().get(pk=request_id)
    state = request.state(now)
    if state == EmployerRequest.State.ANSWERED:
        raise ValidationError(_("This request has already been answered."))
    if state == EmployerRequest.State.DECLINED:
        raise ValidationError(_("This request was declined."))
    if state == EmployerRequest.State.EXPIRED:
        raise ValidationError(_("This request has expired."))
    return request


def employer_request_answer(
    *,
    owner: User,
    request: EmployerRequest,
    credential_ids: Iterable[Any],
    display_name: str = "",
    expires_in: timedelta | None = None,
    now: datetime | None = None,
    disclosures: Mapping[int, Sequence[ClaimPath]] | None = None,
) -> EmployerRequest:
    """Answer with the credentials the learner picked: a share link opened by the employer's
    results token, bound to the request's challenge. Closes the request. `disclosures` are
    the claims revealed of selectively disclosable credentials (see `share_create`)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _open_for_answer(request.pk, now)
        results_token = crypto.decrypt(locked.results_token_encrypted).decode("ascii")
        share, _token = services.share_create(
            owner=owner,
            audience=_("Request from %(name)s") % {"name": locked.requester_name},
            credential_ids=credential_ids,
            display_name=display_name,
            expires_in=expires_in,
            challenge=locked.challenge,
            token=results_token,
            now=now,
            disclosures=disclosures,
        )
        locked.learner = owner
        locked.answered_at = now
        locked.share = share
        locked.save(update_fields=["learner", "answered_at", "share"])
        disclosure_record(
            owner=owner,
            protocol=Disclosure.Protocol.SHARE_LINK,
            credentials=list(share.credentials.all()),
            recipient_name=locked.requester_name,
            recipient_origin=locked.website,
            purpose=_("Answer to their request"),
            now=now,
        )
        audit_record(
            user=owner,
            action="employer_request.answered",
            target=locked,
            detail={"requester": locked.requester_name, "share": share.pk},
            now=now,
        )
    return locked


def employer_request_decline(
    *, owner: User, request: EmployerRequest, message: str = "", now: datetime | None = None
) -> EmployerRequest:
    """Decline, with an optional message the employer reads on their results page."""
    now = now or timezone.now()
    note = (message or "").strip()
    if len(note) > DECLINE_MESSAGE_MAX:
        raise ValidationError(
            _("Keep the message under %(limit)d characters.") % {"limit": DECLINE_MESSAGE_MAX}
        )
    with transaction.atomic():
        locked = _open_for_answer(request.pk, now)
        locked.learner = owner
        locked.declined_at = now
        locked.decline_message = note
        locked.save(update_fields=["learner", "declined_at", "decline_message"])
        audit_record(
            user=owner,
            action="employer_request.declined",
            target=locked,
            detail={"requester": locked.requester_name},
            now=now,
        )
    return locked
