"""/healthz: is the database reachable, and Redis when it is configured.

Without its database this process cannot serve (503, take it out of rotation). Without Redis
it still serves every page (see config/cache.py; background jobs wait or fail with a
message), so a Redis outage reads "degraded" with a 200: a load balancer that pulled every
web process because Redis is down would turn a degraded site into no site.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


_clients: dict[str, Any] = {}


def _client(url: str) -> Any:
    """One client (and its connection pool) per process: a probe reuses the connection the
    last one opened instead of opening a new one every time."""
    import redis

    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _clients[url]


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        _client(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "redis": _redis()}
    if checks["database"] != "ok":
        return JsonResponse({"status": "error", **checks}, status=503)
    status = "ok" if checks["redis"] in ("ok", "not configured") else "degraded"
    return JsonResponse({"status": status, **checks})
