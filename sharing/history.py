"""The learner's history of what was presented: one row per presentation sent.

Two sources make it. Answers to verifiers (OpenID4VP, VC-API) and to employers' requests are
`wallet.models.Disclosure` rows, written when the learner sends. A look at a share link is the
link's own access log (`ShareView`): a stranger's visit writes nothing beyond that log, so the
history reads it there rather than keeping a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.models import User
from sharing.models import ShareView
from wallet import selectors as record


@dataclass(frozen=True)
class Sent:
    when: datetime
    protocol: str
    protocol_label: str
    to_name: str
    to_origin: str
    what: list[str]
    purpose: str = ""

    def as_row(self) -> dict[str, Any]:
        return {
            "sent_at": self.when.isoformat(),
            "protocol": self.protocol,
            "to": self.to_name,
            "origin": self.to_origin,
            "credentials": self.what,
            "purpose": self.purpose,
        }


def presentation_history(*, owner: User, origin: str, limit: int = 1000) -> list[Sent]:
    """Newest first: the owner's disclosures and the views of their share links."""
    rows = [
        Sent(
            when=d.sent_at,
            protocol=d.protocol,
            protocol_label=d.get_protocol_display(),
            to_name=d.recipient_name,
            to_origin=d.recipient_origin,
            what=list(d.titles),
            purpose=d.purpose,
        )
        for d in record.disclosures(owner=owner)[:limit]
    ]
    views = (
        ShareView.objects.filter(
            share__owner=owner,
            kind__in=[ShareView.Kind.PAGE, ShareView.Kind.PRESENTATION],
        )
        .select_related("share")
        .order_by("-viewed_at", "-pk")[:limit]
    )
    for view in views:
        rows.append(
            Sent(
                when=view.viewed_at,
                protocol="share_view",
                protocol_label=view.get_kind_display(),
                to_name=view.share.audience,
                to_origin=origin,
                what=[],
                purpose=f"{view.browser}, {view.os}",
            )
        )
    rows.sort(key=lambda s: s.when, reverse=True)
    return rows[:limit]
