"""The tools a learner connected to their Satchel: what each may do, what each did (the access
log), and disconnecting one, which ends every token and code it holds for that learner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from accounts.models import User
from obapi.models import RegisteredTool, ToolAccess
from wallet.services.audit import audit_record

LOG_SHOWN = 20


@dataclass(frozen=True)
class ConnectedTool:
    application: Any
    registered: RegisteredTool | None
    scopes: list[str]
    connected: bool
    log: list[ToolAccess]

    @property
    def name(self) -> str:
        return self.application.name or self.application.client_id


def connected_tools(*, owner: User, now: datetime) -> list[ConnectedTool]:
    """Every tool that holds, or once held, access to the owner's Satchel, most recent first."""
    granted = _granted_scopes(owner, now)
    seen = list(
        ToolAccess.objects.filter(owner=owner)
        .order_by("application_id")
        .values_list("application_id", flat=True)
        .distinct()
    )
    ids = set(granted) | set(seen)
    applications = (
        get_application_model().objects.filter(pk__in=ids).select_related("registered_tool")
    )
    tools = [
        ConnectedTool(
            application=application,
            registered=getattr(application, "registered_tool", None),
            scopes=sorted(granted.get(application.pk, set())),
            connected=application.pk in granted,
            log=list(ToolAccess.objects.filter(owner=owner, application=application)[:LOG_SHOWN]),
        )
        for application in applications
    ]
    return sorted(
        tools, key=lambda t: (not t.connected, -(t.log[0].at.timestamp() if t.log else 0))
    )


def _granted_scopes(owner: User, now: datetime) -> dict[int, set[str]]:
    granted: dict[int, set[str]] = {}
    live_access = get_access_token_model().objects.filter(user=owner, expires__gt=now)
    live_refresh = get_refresh_token_model().objects.filter(user=owner, revoked__isnull=True)
    for application_id, scope in live_access.values_list("application_id", "scope"):
        granted.setdefault(application_id, set()).update(scope.split())
    for application_id, access_scope in live_refresh.values_list(
        "application_id", "access_token__scope"
    ):
        granted.setdefault(application_id, set()).update((access_scope or "").split())
    return granted


def access_connected_tool(*, owner: User, application_id: Any) -> Any:
    """A tool the owner connected (or once did), or Http404: no leak of other tools."""
    try:
        pk = int(application_id)
    except (TypeError, ValueError):
        raise Http404("No such tool.") from None
    known = (
        ToolAccess.objects.filter(owner=owner, application_id=pk).exists()
        or get_refresh_token_model().objects.filter(user=owner, application_id=pk).exists()
        or get_access_token_model().objects.filter(user=owner, application_id=pk).exists()
    )
    if not known:
        raise Http404("No such tool.")
    return get_application_model().objects.get(pk=pk)


def tool_connected(*, owner: User, application: Any, scopes: list[str], now: datetime) -> None:
    """The learner allowed a tool on the consent page."""
    with transaction.atomic():
        ToolAccess.objects.create(
            owner=owner,
            application=application,
            action=ToolAccess.Action.CONNECTED,
            detail={"scopes": scopes},
            at=now,
        )
        audit_record(
            user=owner,
            action="tool.connected",
            detail={"tool": application.name, "scopes": scopes},
            now=now,
        )


def tool_disconnect(*, owner: User, application: Any, now: datetime) -> int:
    """End the tool's access for this learner: every token and pending code, at once."""
    with transaction.atomic():
        ended = 0
        for model in (get_refresh_token_model(), get_access_token_model(), get_grant_model()):
            deleted, _ = model.objects.filter(user=owner, application=application).delete()
            ended += deleted
        ToolAccess.objects.create(
            owner=owner,
            application=application,
            action=ToolAccess.Action.DISCONNECTED,
            detail={},
            at=now,
        )
        audit_record(
            user=owner, action="tool.disconnected", detail={"tool": application.name}, now=now
        )
    return ended


def tool_access_prune(*, now: datetime) -> int:
    """Delete access-log rows older than SATCHEL_TOOL_ACCESS_RETENTION_DAYS; return how many.

    The log is what the learner reads of each tool, not what grants access: a tool's tokens
    (and so whether it is connected) live in django-oauth-toolkit's tables, untouched here."""
    cutoff = now - timedelta(days=int(settings.SATCHEL_TOOL_ACCESS_RETENTION_DAYS))
    deleted, _ = ToolAccess.objects.filter(at__lt=cutoff).delete()
    return deleted
