"""Per-client limits for the public doors that do work for strangers (the request form, the
public verifier): a fixed window per client, counted in the cache.

A client is known by a keyed hash of its address as `config.clients` reads it (an IPv6 client
by its /64, which one host usually holds whole); the address itself is never kept.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from config.clients import client_address

logger = logging.getLogger(__name__)


def client_key(request: HttpRequest) -> str:
    address = client_address(request) or "unknown"
    if ":" in address:
        # An IPv6 client is limited by its /64 (one subscriber's prefix); an address that
        # does not parse is keyed as it came.
        with contextlib.suppress(ValueError):
            address = str(ipaddress.ip_network(f"{address}/64", strict=False))
    return salted_hmac("sharing.limits.client", address).hexdigest()[:32]


def take(request: HttpRequest, *, scope: str, limit: int, window: int) -> bool:
    """Count one use of `scope` by this client; False once it has used `limit` in `window`
    seconds. A cache that is down lets the request through rather than take the door down."""
    key = f"sharing:limit:{scope}:{client_key(request)}"
    try:
        if cache.add(key, 1, timeout=window):
            return True
        try:
            used = cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.add(key, 1, timeout=window)
            return True
        return used <= limit
    except Exception:
        logger.warning("rate limit %s: cache unavailable, not limited", scope)
        return True
