"""Forms of the record's pages: they parse input; the services decide what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from config.forms import PlainSelect, form_field
from wallet.models import Verdicts
from wallet.selectors import SORTS, CredentialFilters
from wallet.templatetags.wallet_record import humanise_type
from wallet.wording import verdict_label

SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "title": gettext_lazy("Title (A to Z)"),
    "issuer": gettext_lazy("Issuer (A to Z)"),
}


class FilterForm(forms.Form):
    """The record's GET filters. Choices come from the owner's own record."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    issuer = forms.ChoiceField(label=gettext_lazy("Issuer"), required=False, widget=PlainSelect)
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False, widget=PlainSelect)
    skill = forms.ChoiceField(label=gettext_lazy("Skill"), required=False, widget=PlainSelect)
    verdict = forms.ChoiceField(
        label=gettext_lazy("Check result"), required=False, widget=PlainSelect
    )
    tag = forms.TypedChoiceField(
        label=gettext_lazy("Tag"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    collection = forms.TypedChoiceField(
        label=gettext_lazy("Collection"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=PlainSelect,
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort"),
        required=False,
        choices=[(s, SORT_LABELS[s]) for s in SORTS],
        widget=PlainSelect,
    )
    children = forms.BooleanField(
        label=gettext_lazy("Include credentials inside transcripts"), required=False
    )

    def __init__(
        self,
        data: Any,
        *,
        issuers: list[dict[str, Any]],
        types: list[str],
        skills: list[Any],
        tags: list[Any],
        collections: list[Any],
    ) -> None:
        super().__init__(data)
        form_field(self, "issuer", forms.ChoiceField).choices = [("", gettext("Any issuer"))] + [
            (row["issuer_id"], f"{_issuer_label(row)} ({row['count']})") for row in issuers
        ]
        form_field(self, "type", forms.ChoiceField).choices = [("", gettext("Any type"))] + [
            (t, humanise_type(t)) for t in types
        ]
        form_field(self, "skill", forms.ChoiceField).choices = [("", gettext("Any skill"))] + [
            (skill_key(s), s.name or s.code or s.url) for s in skills
        ]
        form_field(self, "verdict", forms.ChoiceField).choices = [
            ("", gettext("Any result")),
            *((value, verdict_label(value)) for value in Verdicts.values),
        ]
        form_field(self, "tag", forms.ChoiceField).choices = [("", gettext("Any tag"))] + [
            (t.pk, t.name) for t in tags
        ]
        form_field(self, "collection", forms.ChoiceField).choices = [
            ("", gettext("Any collection"))
        ] + [(c.pk, c.name) for c in collections]

    def filters(self) -> CredentialFilters:
        """The filters to apply; an invalid value filters nothing rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CredentialFilters(
            issuer=data.get("issuer") or "",
            type=data.get("type") or "",
            skill=data.get("skill") or "",
            verdict=data.get("verdict") or "",
            tag=data.get("tag"),
            collection=data.get("collection"),
            q=data.get("q") or "",
            sort=data.get("sort") or "newest",
            # Skills are counted across transcripts' contents, so they are searched there too.
            include_children=bool(data.get("children") or data.get("skill")),
        )

    @property
    def is_customised(self) -> bool:
        """Filtered, or sorted or widened away from the defaults: keep the controls open."""
        data = getattr(self, "cleaned_data", {})
        return (
            self.is_filtered
            or data.get("sort") not in ("", None, "newest")
            or bool(data.get("children"))
        )

    @property
    def is_filtered(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("q", "issuer", "type", "skill", "verdict")) or any(
            data.get(name) is not None for name in ("tag", "collection")
        )


def skill_key(skill: Any) -> str:
    """What the record's skill filter matches: the skill's URL, else its code, else its name."""
    return skill.url or skill.code or skill.name


class NameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)


class CollectionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TagAssignForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Add a tag"),
        max_length=60,
        help_text=gettext_lazy("An existing tag, or a new one."),
        widget=forms.TextInput(attrs={"list": "tag-names", "autocomplete": "off"}),
    )


class CollectionAssignForm(forms.Form):
    collection = forms.TypedChoiceField(label=gettext_lazy("Add to collection"), coerce=int)

    def __init__(self, data: Any = None, *, collections: list[Any]) -> None:
        super().__init__(data)
        form_field(self, "collection", forms.ChoiceField).choices = [
            (c.pk, c.name) for c in collections
        ]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, remove everything in the trash for good"), required=True
    )


def _issuer_label(row: dict[str, Any]) -> str:
    name = row["issuer_name"] or row["issuer_id"]
    return f"{name} · {row['issuer_hint']}" if row.get("issuer_hint") else name
