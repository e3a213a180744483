"""allauth is customised here and in settings only."""

from __future__ import annotations

from typing import Any

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.internal.ratelimit import get_ip
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import sso
from accounts.models import User
from accounts.services import holder_key_create
from config.clients import client_address

# Set on the request while a school sign-in is being completed, so that mail sent during it
# can speak of the school.
_SCHOOL_SIGN_IN = "satchel_school_sign_in"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # One answer to "who is the client" for every limit (config/clients.py): allauth's own
        # refuses a request whose X-Forwarded-For is shorter than the proxy count (a 500).
        return client_address(request) or "unknown"

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed sign-in attempts from here. Wait a few minutes, or use "
            "“Send me a sign-in code” to get a code by email instead."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Every email signs off with the address learners know (not the request's host).
        context = {**context, "satchel_origin": settings.SATCHEL_PUBLIC_ORIGIN}
        super().send_mail(template_prefix, email, context)

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # Every earner holds a key from the start; users saved later get one lazily.
            holder_key_create(user=user)
        return user

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth counts failed passwords per email (and, separately, per IP). Per email
        # alone, five wrong guesses by anyone lock the owner out; counted per email and
        # client, they lock out only whoever made them.
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{get_ip(request)}"

    def send_account_already_exists_mail(self, email: str) -> None:
        provider = getattr(context.request, _SCHOOL_SIGN_IN, None)
        if provider is None:
            return super().send_account_already_exists_mail(email)
        # The person at the browser sees the same "check your email" page whether or not
        # the address has an account; only the mailbox's owner learns how to connect.
        request = context.request
        self.send_mail(
            "account/email/school_sign_in_account_exists",
            email,
            {
                "email": email,
                "provider_name": provider.name,
                "login_url": request.build_absolute_uri(reverse("account_login")),
                "connections_url": request.build_absolute_uri(reverse("socialaccount_connections")),
                "password_reset_url": request.build_absolute_uri(reverse("account_reset_password")),
            },
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "no_password": _(
            "This is the only way to sign in to this account, so it cannot be removed yet. "
            "Set a password first; then you can remove it."
        ),
        "no_verified_email": _(
            "This account has no confirmed email address, so without this sign-in you could "
            "not recover it. Confirm an email address first; then you can remove it."
        ),
    }

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        user = super().save_user(request, sociallogin, form=form)
        holder_key_create(user=user)
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        setattr(request, _SCHOOL_SIGN_IN, sociallogin.provider)

    def get_requests_session(self) -> requests.Session:
        session = super().get_requests_session()
        session.hooks["response"].append(sso.log_refused_answer)
        return session

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        sso.log_authentication_error(provider=provider, error=error, exception=exception)
