"""The learner's pages: the tools connected to their Satchel (with what each did), and the
badge platforms they connected Satchel to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from obapi import tools


@never_cache
@login_required
@require_GET
def tool_list(request: HttpRequest) -> HttpResponse:
    connected = tools.connected_tools(owner=request.user, now=timezone.now())
    return render(request, "obapi/tools.html", {"tools": connected})


@login_required
@require_POST
def tool_disconnect(request: HttpRequest, application_id: int) -> HttpResponse:
    application = tools.access_connected_tool(owner=request.user, application_id=application_id)
    tools.tool_disconnect(owner=request.user, application=application, now=timezone.now())
    messages.success(request, f"{application.name or 'The tool'} can no longer reach your Satchel.")
    return redirect("obapi:tools")
