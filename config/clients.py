"""Who is asking: the client's address, as far as our own proxies vouch for it.

Each proxy in front of Satchel appends the address it received the request from to
X-Forwarded-For. With `SATCHEL_TRUSTED_PROXY_COUNT` = N such proxies, the N-th entry from
the right was written by the outermost of them and is the client; everything to its left
was written by the client and is ignored. With N = 0 (the default, Satchel serving clients
directly) the header is ignored altogether. The same count is given to django-allauth
(ALLAUTH_TRUSTED_PROXY_COUNT) and to the API throttles (REST_FRAMEWORK NUM_PROXIES), so
every per-client limit agrees on who the client is.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str | None:
    """A bare IP address from a header entry ("[2001:db8::1]:4711", "203.0.113.1:80"), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port; an IPv6 address has several colons
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address; the peer's own when no trusted proxy vouches for another.

    A header with fewer entries than there are trusted proxies did not pass through all of
    them, so none of it is believed.
    """
    peer = request.META.get("REMOTE_ADDR", "") or ""
    count = int(getattr(settings, "SATCHEL_TRUSTED_PROXY_COUNT", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = forwarded.split(",")
        if len(entries) >= count:
            found = _address(entries[-count])
            if found is not None:
                return found
    # The peer's address comes from the server, not from the client: taken as it is.
    return peer
