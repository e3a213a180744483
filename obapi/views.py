"""The learner's pages: the tools connected to their Satchel (with what each did), and the
badge platforms they connected Satchel to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from obapi import badge_hosts, tools
from obapi.models import Api


@never_cache
@login_required
@require_GET
def tool_list(request: SignedInRequest) -> HttpResponse:
    connected = tools.connected_tools(owner=request.user, now=timezone.now())
    return render(request, "obapi/tools.html", {"tools": connected})


@login_required
@require_POST
def tool_disconnect(request: SignedInRequest, application_id: int) -> HttpResponse:
    application = tools.access_connected_tool(owner=request.user, application_id=application_id)
    tools.tool_disconnect(owner=request.user, application=application, now=timezone.now())
    messages.success(
        request,
        gettext("%(value)s can no longer reach your Satchel.")
        % {"value": application.name or "The tool"},
    )
    return redirect("obapi:tools")


# --- badge platforms Satchel is connected to --------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def host_list(request: SignedInRequest) -> HttpResponse:
    """The learner's badge platforms; POST connects another (then off to its consent page)."""
    error = ""
    base_url = request.POST.get("base_url", "") if request.method == "POST" else ""
    api = request.POST.get("api", Api.OB) if request.method == "POST" else Api.OB
    if request.method == "POST":
        try:
            started = badge_hosts.badge_host_connect(
                owner=request.user, base_url=base_url, api=api, now=timezone.now()
            )
        except badge_hosts.BadgeHostError as exc:
            error = str(exc)
        else:
            return HttpResponseRedirect(started.authorization_url)
    context = {
        "hosts": badge_hosts.badge_hosts(owner=request.user),
        "error": error,
        "base_url": base_url,
        "api": api,
        "apis": Api.choices,
    }
    return render(request, "obapi/hosts.html", context, status=400 if error else 200)


@never_cache
@login_required
@require_GET
def host_callback(request: SignedInRequest) -> HttpResponse:
    """Where a platform sends the learner back with a code (or an error)."""
    try:
        host = badge_hosts.badge_host_authorized(
            owner=request.user,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            now=timezone.now(),
        )
    except badge_hosts.BadgeHostError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("Connected to %(host)s. Its credentials are on their way in.") % {"host": host},
        )
    return redirect("obapi:hosts")


@login_required
@require_POST
def host_sync(request: SignedInRequest, host_id: int) -> HttpResponse:
    host = badge_hosts.access_badge_host(owner=request.user, host_id=host_id)
    try:
        badge_hosts.badge_host_sync_soon(owner=request.user, host=host)
    except badge_hosts.BadgeHostError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, gettext("Bringing in what %(host)s holds for you.") % {"host": host}
        )
    return redirect("obapi:hosts")


@login_required
@require_POST
def host_disconnect(request: SignedInRequest, host_id: int) -> HttpResponse:
    host = badge_hosts.access_badge_host(owner=request.user, host_id=host_id)
    done = badge_hosts.badge_host_disconnect(owner=request.user, host=host, now=timezone.now())
    if done.revoked:
        messages.success(
            request,
            _(
                "Disconnected from %(host)s: it confirmed that Satchel's access has ended. "
                "What it brought stays in your record."
            )
            % {"host": host},
        )
    else:
        messages.warning(
            request,
            _(
                "Disconnected from %(host)s, and Satchel deleted its keys, but the platform "
                "did not confirm that it ended Satchel's access (%(problem)s). To be sure, "
                "remove Satchel in the platform's own settings. What it brought stays in your "
                "record."
            )
            % {"host": host, "problem": done.problem.rstrip(".")},
        )
    return redirect("obapi:hosts")
