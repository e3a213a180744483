"""Template helpers for the page shell."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(
    context: template.Context, href: str, label: str, *, exact: bool = False, also: str = ""
) -> str:
    """A main-navigation item, marked aria-current when the page lives under its path."""
    request = context.get("request")
    path = request.path if request is not None else ""
    under_also = any(path.startswith(p) for p in also.split(",") if p)
    current = (path == href if exact else path.startswith(href)) or under_also
    if current:
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', href, label)
    return format_html('<li><a href="{}">{}</a></li>', href, label)
