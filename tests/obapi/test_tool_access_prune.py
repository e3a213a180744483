"""The connected tools' access log is kept SATCHEL_TOOL_ACCESS_RETENTION_DAYS, pruned by a
daily beat task, as the share access log is; pruning it never disconnects a tool."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from oauth2_provider.models import AccessToken

from obapi import tasks
from obapi.models import ToolAccess
from obapi.tools import connected_tools, tool_access_prune
from tests.support.issuer import NOW

from .conftest import bearer


def _aged(days: int) -> None:
    ToolAccess.objects.update(at=NOW - timedelta(days=days))


def test_rows_older_than_the_retention_are_deleted(owner, connect, settings) -> None:
    settings.SATCHEL_TOOL_ACCESS_RETENTION_DAYS = 30
    tokens = connect(owner)
    _aged(31)
    Client().get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"]))

    assert tool_access_prune(now=NOW) == 1

    (kept,) = ToolAccess.objects.filter(owner=owner)
    assert kept.action == ToolAccess.Action.READ_CREDENTIALS


def test_rows_within_the_retention_stay(owner, connect, settings) -> None:
    settings.SATCHEL_TOOL_ACCESS_RETENTION_DAYS = 30
    connect(owner)
    _aged(29)

    assert tool_access_prune(now=NOW) == 0
    assert ToolAccess.objects.filter(owner=owner).count() == 1


def test_a_tool_whose_log_was_pruned_is_still_connected(owner, connect, settings) -> None:
    settings.SATCHEL_TOOL_ACCESS_RETENTION_DAYS = 1
    tokens = connect(owner)
    _aged(2)

    tool_access_prune(now=NOW)

    assert not ToolAccess.objects.exists()
    assert AccessToken.objects.filter(user=owner).exists()
    (tool,) = connected_tools(owner=owner, now=NOW)
    assert tool.connected and tool.log == []
    answer = Client().get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"]))
    assert answer.status_code == 200


def test_the_beat_prunes_the_log_every_day(owner, connect, settings) -> None:
    settings.SATCHEL_TOOL_ACCESS_RETENTION_DAYS = 1
    connect(owner)
    _aged(2)

    entry = settings.CELERY_BEAT_SCHEDULE["obapi-prune-tool-access"]
    assert entry["task"] == "obapi.tasks.prune_tool_access"
    assert entry["schedule"] == timedelta(hours=24)
    with time_machine.travel(NOW, tick=False):
        assert tasks.prune_tool_access.delay().get() == 1
    assert not ToolAccess.objects.exists()
