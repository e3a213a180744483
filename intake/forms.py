"""Forms of the import page: they parse input; the services decide what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext, gettext_lazy


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field whose cleaned value is the list of every chosen file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple) and len(data) > 1:
            # Several files: each is judged on its own by the import, so one empty or odd file
            # is reported by name beside the others instead of refusing the whole choice.
            return [item for item in data if item]
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        return [single(data, initial)]


class UploadForm(forms.Form):
    # A declared field, which the form's metaclass takes off the class: the stubs see
    # BaseForm.files (the uploads), which it leaves untouched.
    files = MultipleFileField(  # type: ignore[assignment]
        label=gettext_lazy("Credential files"),
        help_text=gettext_lazy(
            "JSON, a JWT or SD-JWT in a text file, a baked PNG or SVG badge, or a ZIP of many."
        ),
        widget=MultipleFileInput(
            attrs={
                "accept": ".json,.jsonld,.jwt,.jws,.sd-jwt,.sdjwt,.txt,.png,.svg,.zip,"
                "application/json,application/dc+sd-jwt,application/vc+sd-jwt,"
                "image/png,image/svg+xml,application/zip",
                "data-drop-input": "",
            }
        ),
    )


class PasteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Paste a credential"),
        help_text=gettext_lazy(
            "Credential JSON, a JWT or SD-JWT (eyJ…), or a link to a credential."
        ),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(gettext("Paste something to import."))
        return text


class UrlForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Web address of a credential"),
        max_length=2000,
        assume_scheme="https",
        help_text=gettext_lazy("The page or file where the issuer publishes your credential."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
