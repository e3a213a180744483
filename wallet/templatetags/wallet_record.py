"""Template helpers for the record: safe Markdown, verdict badges, check rows, file sizes.

Nothing a credential says is trusted: Markdown is rendered and then cleaned by nh3 against an
allow-list, every link gets rel="noopener noreferrer", and only http(s)/mailto links survive.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from wallet import wording
from wallet.verification import Verdict

register = template.Library()

_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "blockquote",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_URL_SCHEMES = {"http", "https", "mailto"}

_DASH = "\u2013"
# tone, icon (decorative: the label always says it in words)
_VERDICT_STYLE: dict[str, tuple[str, str]] = {
    Verdict.VERIFIED: ("ok", "✓"),
    Verdict.VERIFIED_WITH_WARNINGS: ("warn", "!"),
    Verdict.EXPIRED: ("warn", "◷"),
    Verdict.NOT_YET_VALID: ("warn", "»"),
    Verdict.ISSUER_UNREACHABLE: ("warn", "?"),
    Verdict.SUSPENDED: ("danger", "‖"),
    Verdict.REVOKED: ("danger", "⊘"),
    Verdict.INVALID_SIGNATURE: ("danger", "✕"),
    Verdict.MALFORMED: ("danger", "✕"),
    Verdict.UNSUPPORTED: ("neutral", _DASH),
}
_CHECK_STYLE = {
    "pass": ("ok", "✓", _("Passed")),
    "warning": ("warn", "!", _("Warning")),
    "fail": ("danger", "✕", _("Failed")),
    "skipped": ("neutral", _DASH, _("Not checked")),
}


@register.filter
def markdown_safe(text: Any) -> SafeString:
    """Markdown from a credential, rendered and sanitised."""
    if not isinstance(text, str) or not text.strip():
        return mark_safe("")
    html = markdown_lib.markdown(text, output_format="html")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output is allow-listed HTML


@register.filter
def humanise_type(value: Any) -> str:
    """ "AssociateDegree" -> "Associate degree"; extension types lose their "ext:" prefix."""
    if not isinstance(value, str):
        return ""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value.removeprefix("ext:")).split()
    if not words:
        return ""
    return " ".join([words[0], *(w.lower() if not w.isupper() else w for w in words[1:])])


@register.filter
def add_days(moment: Any, days: int) -> Any:
    return moment + timedelta(days=int(days)) if isinstance(moment, datetime) else None


@register.filter
def safe_url(value: Any) -> str:
    """The value when it is an http(s) link, else an empty string (no javascript: hrefs)."""
    if isinstance(value, str) and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return ""


@register.filter
def received_origin(value: Any) -> str:
    """The origin (scheme and host) of the issuer a credential was received from."""
    url = safe_url(value)
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def verdict_label(value: str) -> str:
    return wording.verdict_label(value)


@register.simple_tag
def verdict_badge(value: str) -> SafeString:
    """The verdict in words, with a colour and an icon that only repeat what the words say."""
    tone, icon = _VERDICT_STYLE.get(value, ("neutral", _DASH))
    return format_html(
        '<span class="verdict verdict--{}"><span class="verdict__icon" aria-hidden="true">{}'
        "</span> {}</span>",
        tone,
        icon,
        verdict_label(value),
    )


@register.simple_tag
def check_status(status: str) -> SafeString:
    tone, icon, label = _CHECK_STYLE.get(status, ("neutral", _DASH, status))
    return format_html(
        '<span class="check-status check-status--{}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></span>',
        tone,
        icon,
        label,
    )


@register.filter
def check_tone(status: str) -> str:
    return _CHECK_STYLE.get(status, ("neutral",))[0]


@register.filter
def verdict_tone(value: str) -> str:
    return _VERDICT_STYLE.get(value, ("neutral",))[0]


@register.filter
def first_text(entry: Any, keys: str) -> str:
    """The first non-empty string among `entry[key]` for the comma-separated keys."""
    if not isinstance(entry, dict):
        return ""
    for key in keys.split(","):
        value = entry.get(key.strip())
        if isinstance(value, dict):
            value = value.get("@value") or next(iter(value.values()), "")
        if isinstance(value, str | int | float) and str(value).strip():
            return str(value).strip()
    return ""


@register.filter
def verdict_explanation(value: str) -> str:
    return wording.earner_explanation(value)


@register.filter
def notice_text(notice: Any) -> str:
    """A notice in the reader's language, said again from what it is about."""
    credential = getattr(notice, "credential", None)
    if credential is None:
        return str(getattr(notice, "message", ""))
    return wording.notice_sentence(credential.display_title, credential.issuer_name, notice.kind)


@register.filter
def check_message(check: Any) -> str:
    """A check's sentence (a stored report's check dict) in the reader's language."""
    return wording.check_message(check) if isinstance(check, dict) else ""


@register.filter
def stored_message(row: Any, field: str = "message") -> str:
    """A job's or attempt's `message` (or another `field`, e.g. "problem", "error") in the
    reader's language, from its `<field>_i18n` (`wallet.wording.stored_message`); a row
    without a template shows it as stored. Gettext-marked constants a task stored (restore and
    job failures) are translated too."""
    message = str(getattr(row, field, "") or "")
    return wording.stored_message(message, getattr(row, f"{field}_i18n", None))


@register.filter
def stored_reason(detail: Any) -> str:
    """An audit entry's `reason` in the reader's language, from its `reason_i18n`; an entry
    written before templates were kept shows its reason as stored."""
    if not isinstance(detail, dict):
        return ""
    return wording.stored_message(str(detail.get("reason") or ""), detail.get("reason_i18n"))
