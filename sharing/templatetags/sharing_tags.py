"""Template helpers for the earner's share pages, and the share actions of a credential page.

The credential page (the record's) includes the share actions with one line:
`{% load sharing_tags %}{% credential_share_actions credential %}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from sharing import selectors
from sharing.linkedin import offers_linkedin
from sharing.models import ShareState

register = template.Library()

# tone, icon (decorative: the words always say it)
_STATE_STYLE: dict[str, tuple[str, str]] = {
    ShareState.ACTIVE: ("ok", "●"),
    ShareState.EXPIRED: ("neutral", "◷"),
    ShareState.REVOKED: ("danger", "⊘"),
    ShareState.USED_UP: ("neutral", "∅"),
}


@register.simple_tag
def share_state(state: str) -> SafeString:
    """The link's state in words; colour and icon only repeat them."""
    try:
        current = ShareState(state)
    except ValueError:
        current = ShareState.ACTIVE
    tone, icon = _STATE_STYLE[current]
    return format_html(
        '<span class="share-state share-state--{}"><span aria-hidden="true">{}</span> {}</span>',
        tone,
        icon,
        current.label,
    )


@register.simple_tag
def live_shares_showing(credential: Any) -> list[Any]:
    """The working links that show this credential: said before it is trashed."""
    return selectors.live_shares_showing(credential=credential, now=timezone.now())


@register.inclusion_tag("sharing/_credential_share_actions.html", takes_context=True)
def credential_share_actions(context: template.Context, credential: Any) -> dict[str, Any]:
    """Share this credential, share it with others, and add it to LinkedIn when it verifies."""
    return {
        "credential": credential,
        "offers_linkedin": offers_linkedin(credential),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def share_event(event: Any) -> str:
    """An audit row about a link, in a sentence."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    if event.action == "share.created":
        return _("Created")
    if event.action == "share.revoked":
        return _("Revoked")
    if event.action == "share.renamed":
        return _("Renamed from “%(name)s”") % {"name": detail.get("from", "")}
    if event.action == "share.extended":
        until = _date(detail.get("to"))
        if until:
            return _("Expiry set to %(date)s") % {"date": until}
        return _("Expiry removed: no expiry")
    return event.action


def _date(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return date_format(datetime.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return ""
