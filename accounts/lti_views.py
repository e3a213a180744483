"""The LTI 1.3 tool's doors (accounts.lti does the protocol): login initiation, the launch,
the learner's consent to link their course account, the tool's public keys, and Dynamic
Registration (accounts.lti_registration), which the operator confirms.

The login and the launch come from the platform, not from a page of ours, so they carry no
CSRF token: the state (bound to the browser by a cookie that must travel on the platform's
cross-site form post, hence SameSite=None) and the signed id_token stand in for it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts import lti, lti_registration
from accounts.http import SignedInRequest
from config.middleware import content_security_policy

COOKIE = "satchel_lti"
PENDING = "lti_pending_link"
REGISTRATION = "lti_pending_registration"
_TARGET_URLS = {"record": "wallet:record", "import": "wallet:import"}
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refused(request: HttpRequest, error: lti.LtiError, status: int = 400) -> HttpResponse:
    return render(request, "accounts/lti_refused.html", {"reason": str(error)}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def lti_login(request: HttpRequest) -> HttpResponse:
    params = {k: v for k, v in (request.POST or request.GET).items() if isinstance(v, str)}
    try:
        answer = lti.login_initiation(
            params=params,
            redirect_uri=settings.SATCHEL_PUBLIC_ORIGIN + reverse("lti:launch"),
            now=timezone.now(),
        )
    except lti.LtiError as exc:
        return _refused(request, exc)
    response = redirect(answer.url)
    response.set_cookie(
        COOKIE,
        answer.browser_secret,
        max_age=int(lti.LOGIN_LIFETIME.total_seconds()),
        path=reverse("lti:launch"),
        secure=request.is_secure(),
        httponly=True,
        # The platform posts the launch from its own site: only a SameSite=None cookie comes
        # with it (browsers take None only with Secure, which every HTTPS deployment has).
        samesite="None" if request.is_secure() else "Lax",
    )
    return response


@csrf_exempt
@require_http_methods(["POST"])
def lti_launch(request: HttpRequest) -> HttpResponse:
    try:
        launch = lti.authentication_response(
            id_token=request.POST.get("id_token", ""),
            state=request.POST.get("state", ""),
            browser_secret=request.COOKIES.get(COOKIE, ""),
            now=timezone.now(),
        )
    except lti.LtiError as exc:
        return _refused(request, exc)
    if launch.message_type == lti.DEEP_LINKING:
        return _deep_linking(request, launch)
    user = lti.lti_account_for(launch=launch)
    if user is not None and user.is_active:
        target = reverse(_TARGET_URLS[launch.target])
        if is_mfa_enabled(user):
            # The course vouches for the course account, not for Satchel's second factor.
            messages.info(
                request, gettext("Your Satchel account asks for its second factor: sign in.")
            )
            return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
        login(request, user, backend=_BACKEND)
        return redirect(target)
    request.session[PENDING] = {
        "platform": launch.platform.pk,
        "platform_name": launch.platform.name,
        "sub": launch.sub,
        "name": launch.name,
        "email": launch.email,
        "target": launch.target,
    }
    return redirect("lti:link")


def _deep_linking(request: HttpRequest, launch: lti.Launch) -> HttpResponse:
    try:
        items = lti.content_items(accept_types=launch.deep_linking.get("accept_types"))
    except lti.LtiError as exc:
        return _refused(request, exc)
    now = timezone.now()
    choices = [
        {"item": item, "jwt": lti.deep_linking_response(launch=launch, items=[item], now=now)}
        for item in items
    ]
    return_url = launch.deep_linking["deep_link_return_url"]
    response = render(
        request,
        "accounts/lti_deep_linking.html",
        {"platform": launch.platform, "choices": choices, "return_url": return_url},
    )
    parts = urlsplit(return_url)
    response["Content-Security-Policy"] = content_security_policy(
        form_action=(f"{parts.scheme}://{parts.netloc}",)
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lti_link(request: SignedInRequest) -> HttpResponse:
    """The learner's consent: link the course account to the Satchel account signed in."""
    pending: dict[str, Any] | None = request.session.get(PENDING)
    if not pending:
        return _refused(
            request, lti.LtiError(gettext("There is no course launch waiting to be linked."))
        )
    if request.method == "POST":
        if request.POST.get("decision") != "link":
            request.session.pop(PENDING, None)
            messages.info(request, gettext("Your course account was not linked."))
            return redirect("wallet:record")
        try:
            lti.lti_account_link(
                user=request.user,
                platform_id=pending["platform"],
                sub=pending["sub"],
                name=pending["name"],
                now=timezone.now(),
            )
        except lti.LtiError as exc:
            return _refused(request, exc, status=409)
        request.session.pop(PENDING, None)
        messages.success(
            request,
            gettext("Linked: %(platform_name)s now opens your Satchel directly.")
            % {"platform_name": pending["platform_name"]},
        )
        return redirect(_TARGET_URLS[pending["target"]])
    return render(request, "accounts/lti_link.html", {"pending": pending})


@require_GET
def lti_jwks(request: HttpRequest) -> JsonResponse:
    lti.tool_key()
    return JsonResponse(lti.tool_jwks())


# --- Dynamic Registration --------------------------------------------------------------------


def _registration_refused(
    request: HttpRequest, error: lti.LtiError, status: int = 400
) -> HttpResponse:
    return render(
        request, "accounts/lti_register_refused.html", {"reason": str(error)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def lti_register(request: SignedInRequest) -> HttpResponse:
    """The registration initiation URL: the platform opens it with `openid_configuration` and
    `registration_token`; a staff account reads what would be registered and confirms."""
    if not request.user.is_staff:
        return _registration_refused(
            request,
            lti.LtiError(_("Only Satchel's operator can register a course platform.")),
            status=403,
        )
    if request.method == "POST":
        return _register_confirmed(request)
    request.session.pop(REGISTRATION, None)
    token = request.GET.get("registration_token", "")
    try:
        configuration = lti_registration.platform_configuration(
            configuration_url=request.GET.get("openid_configuration", ""),
            registration_token=token,
        )
    except lti.LtiError as exc:
        return _registration_refused(request, exc)
    request.session[REGISTRATION] = {"platform": configuration.as_session(), "token": token}
    return render(request, "accounts/lti_register.html", {"platform": configuration})


def _register_confirmed(request: SignedInRequest) -> HttpResponse:
    pending = request.session.pop(REGISTRATION, None)
    try:
        configuration = lti_registration.PlatformConfiguration.from_session(
            pending.get("platform") if isinstance(pending, dict) else None
        )
    except lti.LtiError as exc:
        return _registration_refused(request, exc)
    if request.POST.get("decision") != "register":
        return _registration_refused(
            request, lti.LtiError(_("You cancelled: the platform was not registered."))
        )
    try:
        platform = lti_registration.register_tool(
            configuration=configuration, registration_token=str(pending.get("token") or "")
        )
    except lti.LtiError as exc:
        return _registration_refused(request, exc, status=502)
    return render(request, "accounts/lti_registered.html", {"platform": platform})
