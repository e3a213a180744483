"""Telling look-alikes apart in a list: credentials with the same title from the same issuer
(four "Teamwork Badge" cards) each get a short note of what differs between them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.formats import date_format

from wallet.models import Credential
from wallet.selectors import short_identifier


def _issued(c: Credential) -> str:
    return f"issued {date_format(c.issued_at, 'j M Y')}" if c.issued_at else "no issue date"


def _issuer(c: Credential) -> str:
    return f"issuer {short_identifier(c.issuer_id)}" if c.issuer_id else "no issuer id"


def _recipient(c: Credential) -> str:
    return f"to {short_identifier(c.recipient_hint, 10)}" if c.recipient_hint else ""


def _file(c: Credential) -> str:
    return f"from {c.filename}" if c.filename else ""


def _added(c: Credential) -> str:
    return f"added {date_format(c.created_at, 'j M Y, H:i')}"


# In the order a reader looks for a difference.
_DIFFERENCES: tuple[Callable[[Credential], str], ...] = (_issued, _issuer, _recipient, _file)


def lookalike_notes(credentials: Sequence[Credential]) -> dict[int, str]:
    """pk -> what tells this credential from the others of its title and issuer in the list
    (only for those that have look-alikes)."""
    groups: dict[tuple[str, str], list[Credential]] = {}
    for credential in credentials:
        key = (credential.title.strip().lower(), credential.issuer_name.strip().lower())
        groups.setdefault(key, []).append(credential)
    notes: dict[int, str] = {}
    for group in groups.values():
        if len(group) > 1:
            notes.update(_tell_apart(group))
    return notes


def _tell_apart(group: list[Credential]) -> dict[int, str]:
    differing = [f for f in _DIFFERENCES if len({f(c) for c in group}) > 1][:2]
    if not differing:
        differing = [_added]
    notes: dict[int, str] = {}
    for credential in group:
        note = ", ".join(text for text in (f(credential) for f in differing) if text)
        notes[credential.pk] = note[:1].upper() + note[1:]
    return notes
