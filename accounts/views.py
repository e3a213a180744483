from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.dids import verification_method_id
from accounts.flows import DeletionRefused, DeletionThrottled, account_delete_confirmed
from accounts.forms import AccountDeleteForm, LanguageForm
from accounts.http import SignedInRequest
from accounts.selectors import holder_keys_retired
from accounts.services import holder_key_current, holder_key_rotate, user_language_set


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    key = holder_key_current(user=request.user)
    return render(
        request,
        "accounts/account.html",
        {
            "current_key": key,
            "verification_method": verification_method_id(key.did),
            "retired_keys": holder_keys_retired(user=request.user),
            "language_form": LanguageForm(initial={"language": request.user.language}),
        },
    )


@login_required
@require_POST
def language(request: SignedInRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        user_language_set(user=request.user, language=form.cleaned_data["language"])
        if request.user.language:
            translation.activate(request.user.language)
        else:
            translation.activate(translation.get_language_from_request(request))
        messages.success(request, _("Your language is saved."))
    else:
        messages.error(request, _("Choose one of the languages offered."))
    return redirect("accounts:account")


@login_required
@require_http_methods(["GET", "POST"])
def key_rotate(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        key = holder_key_rotate(user=request.user)
        messages.success(request, _("Your new holder DID is %(did)s.") % {"did": key.did})
        return redirect("accounts:account")
    return render(
        request, "accounts/key_rotate.html", {"current_key": holder_key_current(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: SignedInRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and request.user.has_usable_password() and form.is_valid():
        try:
            account_delete_confirmed(
                request=request,
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data.get("code", ""),
            )
        except DeletionRefused as refused:
            for field, errors in refused.errors.items():
                form.add_error(field, errors)
        except DeletionThrottled as throttled:
            form.add_error(None, str(throttled))
            status = 429
        else:
            messages.success(request, _("Your account and everything in it have been deleted."))
            return redirect("account_login")
    return render(request, "accounts/delete.html", {"form": form}, status=status)
