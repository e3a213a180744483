"""The earner's share forms. They only parse: what is shared with whom, and for how long."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from config.forms import form_field
from sharing import services

NO_EXPIRY_LABEL = gettext_lazy("No expiry (until you revoke it)")
EXPIRY_CHOICES = [(key, gettext_lazy(label)) for key, label, _ in services.EXPIRY_PRESETS] + [
    (services.NO_EXPIRY_PRESET, NO_EXPIRY_LABEL)
]
DEFAULT_EXPIRY = "30d"
SHARE_CREDENTIALS = "credentials"
SHARE_COLLECTION = "collection"
FROZEN = "frozen"
FOLLOW = "follow"


def expiry_kwargs(key: str) -> dict[str, Any]:
    """The service's expiry arguments for a preset: a lifetime, or an explicit "no expiry"."""
    expires_in, no_expiry = services.expiry_preset(key)
    return {"expires_in": expires_in, "no_expiry": no_expiry}


class ShareCreateForm(forms.Form):
    what = forms.ChoiceField(
        choices=[
            (SHARE_CREDENTIALS, gettext_lazy("Credentials I pick")),
            (SHARE_COLLECTION, gettext_lazy("A collection")),
        ],
        initial=SHARE_CREDENTIALS,
        widget=forms.RadioSelect,
    )
    credentials = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Credentials")
    )
    collection = forms.ChoiceField(required=False, label=gettext_lazy("Collection"))
    collection_mode = forms.ChoiceField(
        choices=[
            (FROZEN, gettext_lazy("Only what is in it now")),
            (FOLLOW, gettext_lazy("Keep it up to date")),
        ],
        initial=FROZEN,
        required=False,
        widget=forms.RadioSelect,
    )
    audience = forms.CharField(
        max_length=services.AUDIENCE_MAX,
        label=gettext_lazy("Name of this link"),
        help_text=gettext_lazy(
            "Only you see it. For example: Acme Corp, data analyst application."
        ),
    )
    expiry = forms.ChoiceField(
        choices=EXPIRY_CHOICES, initial=DEFAULT_EXPIRY, widget=forms.RadioSelect
    )
    max_views = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=services.MAX_VIEWS_LIMIT,
        label=gettext_lazy("Maximum number of views (optional)"),
        help_text=format_lazy(
            gettext_lazy(
                "Every opening of the page counts, also when the same person opens it again, "
                "and so does a verifier fetching the presentation directly. Downloads from the "
                "page work for {minutes} minutes after it was opened and use no more views."
            ),
            minutes=services.GRANT_LIFETIME.seconds // 60,
        ),
    )
    display_name = forms.CharField(
        max_length=services.DISPLAY_NAME_MAX,
        required=False,
        label=gettext_lazy("Your name as the employer sees it"),
        help_text=gettext_lazy("Leave it empty to show no name."),
    )

    link_preview = forms.BooleanField(
        required=False,
        label=gettext_lazy("Show a preview when the link is pasted in a chat or social app"),
        help_text=(
            gettext_lazy(
                "The app shows the title, the issuer and the badge image to everyone in the "
                "conversation, before anyone opens the link. Off unless you tick it."
            )
        ),
    )

    def __init__(
        self,
        *args: Any,
        credentials: Iterable[Any],
        collections: Iterable[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.credential_rows = list(credentials)
        self.collection_rows = list(collections)
        form_field(self, "credentials", forms.ChoiceField).choices = [
            (str(c.pk), c.title) for c in self.credential_rows
        ]
        form_field(self, "collection", forms.ChoiceField).choices = [
            ("", "Choose a collection")
        ] + [(str(c.pk), c.name) for c in self.collection_rows]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("what") == SHARE_COLLECTION:
            if not data.get("collection"):
                self.add_error("collection", gettext("Choose the collection to share."))
        elif not data.get("credentials"):
            self.add_error("credentials", gettext("Choose at least one credential to share."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of `share_create` (besides the owner) from valid data."""
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "audience": data["audience"].strip(),
            "max_views": data.get("max_views"),
            "display_name": data.get("display_name", "").strip(),
            "link_preview": bool(data.get("link_preview")),
            **expiry_kwargs(data["expiry"]),
        }
        if data["what"] == SHARE_COLLECTION:
            kwargs["collection_id"] = int(data["collection"])
            kwargs["follow_collection"] = data.get("collection_mode") == FOLLOW
        else:
            kwargs["credential_ids"] = tuple(int(pk) for pk in data["credentials"])
        return kwargs


class ShareExtendForm(forms.Form):
    expiry = forms.ChoiceField(
        choices=EXPIRY_CHOICES,
        initial=DEFAULT_EXPIRY,
        label=gettext_lazy("New expiry, counted from now"),
    )

    def service_kwargs(self) -> dict[str, Any]:
        return expiry_kwargs(self.cleaned_data["expiry"])


class ShareRenameForm(forms.Form):
    audience = forms.CharField(
        max_length=services.AUDIENCE_MAX, label=gettext_lazy("Who is it for?")
    )
    display_name = forms.CharField(
        max_length=services.DISPLAY_NAME_MAX,
        required=False,
        label=gettext_lazy("Your name as the employer sees it"),
    )


# --- employer request links ------------------------------------------------------------------


def _lines(value: str) -> list[str]:
    return [line for line in (value or "").splitlines() if line.strip()]


class EmployerRequestForm(forms.Form):
    """The employer's public form. Sizes are capped here and again by the service."""

    requester_name = forms.CharField(label=_("Your name"), max_length=120)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    website = forms.CharField(label=_("Website"), max_length=300, required=False)
    wanted = forms.CharField(
        label=_("Credentials you would like to see"),
        help_text=_('One per line, in plain words, e.g. "Registered nurse licence".'),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1500,
        required=False,
    )
    issuers = forms.CharField(
        label=_("From these issuers (optional)"),
        help_text=_("One per line: a school, a board, a training provider."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2200,
        required=False,
    )
    skills = forms.CharField(
        label=_("Skills (optional)"),
        help_text=_("Separated by commas."),
        max_length=2000,
        required=False,
    )
    message = forms.CharField(
        label=_("Message to the learner (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    deadline = forms.DateField(
        label=_("Answer by (optional)"),
        help_text=_("At most 90 days from today. Without a date, the request stays open 30 days."),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        deadline = data.get("deadline")
        return {
            "requester_name": data["requester_name"],
            "organisation": data.get("organisation", ""),
            "website": data.get("website", ""),
            "wanted": _lines(data.get("wanted", "")),
            "issuers": _lines(data.get("issuers", "")),
            "skills": [s for s in (data.get("skills") or "").split(",") if s.strip()],
            "message": data.get("message", ""),
            # The end of the chosen day, in UTC: a deadline "by 3 May" includes 3 May.
            "deadline": (
                datetime.combine(deadline, time(23, 59, 59), tzinfo=UTC) if deadline else None
            ),
        }


class EmployerRequestAnswerForm(forms.Form):
    credentials = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Credentials")
    )
    display_name = forms.CharField(
        label=_("Your name as they see it (optional)"), max_length=120, required=False
    )
    expiry = forms.ChoiceField(
        label=_("They can look for"), choices=EXPIRY_CHOICES[:-1], initial=DEFAULT_EXPIRY
    )

    def __init__(self, *args: Any, credentials: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "credentials", forms.ChoiceField).choices = [
            (str(c.pk), str(c)) for c in credentials
        ]

    def clean_credentials(self) -> list[str]:
        chosen = self.cleaned_data.get("credentials") or []
        if not chosen:
            raise forms.ValidationError(_("Tick at least one credential to send."))
        return chosen


class EmployerRequestDeclineForm(forms.Form):
    message = forms.CharField(
        label=_("A message for them (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
