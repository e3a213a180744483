"""Forms of the export and restore pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from config.forms import form_field
from portability.crypto import MIN_PASSPHRASE
from sharing.lerrs import Person
from wallet.models import Credential


class CredentialChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Credential) -> str:
        issuer = f" — {obj.issuer_name}" if obj.issuer_name else ""
        inside = f" (inside {obj.parent.title or 'a CLR'})" if obj.parent is not None else ""
        return f"{obj.display_title}{issuer}{inside}"


class _Chooser(forms.Form):
    scope = forms.ChoiceField(
        label=gettext_lazy("Which credentials"),
        choices=[
            ("all", gettext_lazy("All of my credentials")),
            ("chosen", gettext_lazy("Only the ones I tick below")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    credentials = CredentialChoiceField(
        queryset=Credential.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Credentials"),
    )

    def __init__(self, *args: Any, credentials: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the owner's live credentials can be chosen: anything else is "not a valid choice".
        form_field(self, "credentials", forms.ModelMultipleChoiceField).queryset = credentials

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("scope") == "chosen" and not cleaned.get("credentials"):
            self.add_error("credentials", gettext("Tick at least one credential, or choose all."))
        return cleaned

    def credential_ids(self) -> list[int] | None:
        if self.cleaned_data["scope"] == "all":
            return None
        return [c.pk for c in self.cleaned_data["credentials"]]


class ClrBundleForm(_Chooser):
    name = forms.CharField(
        label=gettext_lazy("Name of the bundle (optional)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("For example “Transcript for my application to Acme”."),
    )


class ResumeForm(_Chooser):
    """The résumé's personal details: typed by the learner, used once, never stored."""

    given = forms.CharField(label=gettext_lazy("Given name"), max_length=100)
    family = forms.CharField(label=gettext_lazy("Family name"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("Email (optional)"), required=False)
    phone = forms.CharField(label=gettext_lazy("Phone (optional)"), required=False, max_length=40)
    web = forms.URLField(
        label=gettext_lazy("Web page (optional)"),
        required=False,
        assume_scheme="https",
        max_length=500,
    )
    objective = forms.CharField(
        label=gettext_lazy("Objective (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    skills = forms.CharField(
        label=gettext_lazy("Skills (optional)"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Separated by commas. Skills your credentials align to are added."),
    )

    def person(self) -> Person:
        data = self.cleaned_data
        skills = tuple(s.strip() for s in data["skills"].split(",") if s.strip())
        return Person(
            given=data["given"].strip(),
            family=data["family"].strip(),
            email=data["email"],
            phone=data["phone"].strip(),
            web=data["web"],
            objective=data["objective"].strip(),
            skills=skills,
        )


class ExportForm(_Chooser):
    passphrase = forms.CharField(
        label=gettext_lazy("Passphrase (optional)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=format_lazy(
            gettext_lazy(
                "Encrypts the whole export. At least {min} characters. Without it "
                "nobody, including Satchel, can open the file: keep it safe."
            ),
            min=MIN_PASSPHRASE,
        ),
    )
    passphrase_again = forms.CharField(
        label=gettext_lazy("Passphrase again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    include_holder_key = forms.BooleanField(
        label=gettext_lazy("Include my holder private key"),
        required=False,
        help_text=(
            gettext_lazy(
                "Only in an encrypted export. Restoring it keeps your holder DID, so presentations "
                "you signed and credentials issued to that DID stay yours."
            )
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        passphrase = cleaned.get("passphrase") or ""
        if passphrase != (cleaned.get("passphrase_again") or ""):
            self.add_error("passphrase_again", gettext("The two passphrases differ."))
        elif passphrase and len(passphrase) < MIN_PASSPHRASE:
            self.add_error(
                "passphrase",
                gettext("Choose a passphrase of at least %(min_passphrase)s characters.")
                % {"min_passphrase": MIN_PASSPHRASE},
            )
        if cleaned.get("include_holder_key") and not passphrase:
            self.add_error(
                "include_holder_key",
                gettext("Your private key is only exported with a passphrase."),
            )
        return cleaned


class RestoreForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Your Satchel export"),
        help_text=gettext_lazy("The .zip (or encrypted .zip.enc) file you exported."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.enc,application/zip"}),
    )
    passphrase = forms.CharField(
        label=gettext_lazy("Passphrase"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy(
            "Only for an encrypted export: the passphrase you chose when exporting."
        ),
    )
