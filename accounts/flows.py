"""Account flows that the HTML pages and the API both call, as allauth's flows are.

A flow takes the request (for rate limits and the session), checks what the learner sent,
and calls the service that does the work.
"""

from __future__ import annotations

from allauth.core import ratelimit
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import logout
from django.http import HttpRequest

from accounts.models import User
from accounts.services import account_delete

# What the learner is told, by reason.
MESSAGES = {
    "no_usable": (
        "This account has no password yet: set one on the account page first, then confirm "
        "the deletion with it."
    ),
    "missing": "Enter your password.",
    "missing_code": "Enter a code from your authenticator app, or one of your recovery codes.",
    "wrong": "That password is not correct.",
    "wrong_either": "That password or code is not correct.",
    "too_many": "Too many attempts to delete this account. Wait a few minutes, then try again.",
}


class DeletionRefused(Exception):
    """What the learner sent does not prove it is them; `errors` maps a field (or None for
    the whole form) to the messages to show. Nothing was deleted."""

    def __init__(self, errors: dict[str | None, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class DeletionThrottled(Exception):
    """Too many attempts on this account: nothing was checked or deleted."""


def deletion_needs_second_factor(*, user: User) -> bool:
    return is_mfa_enabled(user)


def _second_factor_matches(*, user: User, code: str) -> bool:
    # allauth's own check: TOTP (each code once) or an unused recovery code, under its
    # per-account limit on wrong codes.
    return BaseAuthenticateForm(data={"code": code}, user=user).is_valid()


def account_delete_confirmed(
    *, request: HttpRequest, user: User, password: str, code: str = ""
) -> None:
    """Delete the signed-in learner's account once they prove it is them: the password and,
    with two-factor sign-in on, a code. Every checked attempt counts against a per-account
    limit (ACCOUNT_RATE_LIMITS["delete_account"]), so a stolen session cannot test passwords.
    Raises DeletionRefused or DeletionThrottled."""
    if not user.has_usable_password():
        raise DeletionRefused({"password": [MESSAGES["no_usable"]]})
    needs_code = deletion_needs_second_factor(user=user)
    missing: dict[str | None, list[str]] = {}
    if not password:
        missing["password"] = [MESSAGES["missing"]]
    if needs_code and not code.strip():
        missing["code"] = [MESSAGES["missing_code"]]
    if missing:
        raise DeletionRefused(missing)
    if not ratelimit.consume(request, action="delete_account", user=user):
        raise DeletionThrottled(MESSAGES["too_many"])
    # The code is checked only after the password, so a wrong password uses up no recovery
    # code; both failures read the same, so neither answer says which one was right.
    if not user.check_password(password):
        raise DeletionRefused(
            {None: [MESSAGES["wrong_either"]]} if needs_code else {"password": [MESSAGES["wrong"]]}
        )
    if needs_code and not _second_factor_matches(user=user, code=code.strip()):
        raise DeletionRefused({None: [MESSAGES["wrong_either"]]})
    # A session would otherwise outlive the user it names.
    logout(request)
    account_delete(user=user)
