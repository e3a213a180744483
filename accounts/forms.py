"""Forms for the account pages that are ours rather than allauth's."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.flows import deletion_needs_second_factor
from accounts.models import User

# Authenticator codes and allauth's recovery codes are digits only: phones show the number
# pad, and the browser offers a code it received.
CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}


class _NumericCode:
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(CODE_ATTRS)


class CodeAuthenticateForm(_NumericCode, AuthenticateForm):
    """allauth's second-factor sign-in, its code field asking for digits."""


class CodeReauthenticateForm(_NumericCode, ReauthenticateForm):
    """allauth's confirm-it-is-you step, its code field asking for digits."""


class CodeActivateTOTPForm(_NumericCode, ActivateTOTPForm):
    """allauth's authenticator set-up, its code field asking for digits."""


class SignInForm(LoginForm):
    """allauth's sign-in form, its labels in sentence case like the rest of Satchel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in")


class AccountDeleteForm(forms.Form):
    """Parses the confirmation; accounts.flows.account_delete_confirmed judges it."""

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Deleting cannot be undone. Enter your password to confirm it is you."),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        widget=forms.TextInput(attrs=CODE_ATTRS),
        help_text=_("Or one of your recovery codes."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not deletion_needs_second_factor(user=user):
            del self.fields["code"]


class LanguageForm(forms.Form):
    """The language the learner reads Satchel in; empty follows the browser."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The language of my browser")), *settings.LANGUAGES],
    )
