"""Forms of the record's pages: they parse input; the services decide what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from wallet.selectors import SORTS, CredentialFilters
from wallet.templatetags.wallet_record import humanise_type
from wallet.verification import Verdict

SORT_LABELS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title (A to Z)",
    "issuer": "Issuer (A to Z)",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field whose cleaned value is the list of every chosen file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Credential files",
        help_text="JSON, a JWT in a text file, a baked PNG or SVG badge, or a ZIP of many.",
        widget=MultipleFileInput(
            attrs={
                "accept": ".json,.jsonld,.jwt,.jws,.txt,.png,.svg,.zip,application/json,"
                "image/png,image/svg+xml,application/zip",
                "data-drop-input": "",
            }
        ),
    )


class PasteForm(forms.Form):
    text = forms.CharField(
        label="Paste a credential",
        help_text="Credential JSON, a JWT (eyJ…), or a link to a credential.",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Paste something to import.")
        return text


class UrlForm(forms.Form):
    url = forms.URLField(
        label="Web address of a credential",
        max_length=2000,
        assume_scheme="https",
        help_text="The page or file where the issuer publishes your credential.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )


class FilterForm(forms.Form):
    """The record's GET filters. Choices come from the owner's own record."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    issuer = forms.ChoiceField(label="Issuer", required=False)
    type = forms.ChoiceField(label="Type", required=False)
    skill = forms.ChoiceField(label="Skill", required=False)
    verdict = forms.ChoiceField(label="Check result", required=False)
    tag = forms.TypedChoiceField(label="Tag", required=False, coerce=int, empty_value=None)
    collection = forms.TypedChoiceField(
        label="Collection", required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(
        label="Sort", required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS]
    )
    children = forms.BooleanField(label="Include credentials inside transcripts", required=False)

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
        self.fields["issuer"].choices = [("", "Any issuer")] + [
            (row["issuer_id"], f"{row['issuer_name'] or row['issuer_id']} ({row['count']})")
            for row in issuers
        ]
        self.fields["type"].choices = [("", "Any type")] + [(t, humanise_type(t)) for t in types]
        self.fields["skill"].choices = [("", "Any skill")] + [
            (skill_key(s), s.name or s.code or s.url) for s in skills
        ]
        self.fields["verdict"].choices = [("", "Any result")] + [
            (v.value, v.label) for v in Verdict
        ]
        self.fields["tag"].choices = [("", "Any tag")] + [(t.pk, t.name) for t in tags]
        self.fields["collection"].choices = [("", "Any collection")] + [
            (c.pk, c.name) for c in collections
        ]

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
    name = forms.CharField(label="Name", max_length=60)


class CollectionForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TagAssignForm(forms.Form):
    name = forms.CharField(
        label="Add a tag",
        max_length=60,
        help_text="An existing tag, or a new one.",
        widget=forms.TextInput(attrs={"list": "tag-names", "autocomplete": "off"}),
    )


class CollectionAssignForm(forms.Form):
    collection = forms.TypedChoiceField(label="Add to collection", coerce=int)

    def __init__(self, data: Any = None, *, collections: list[Any]) -> None:
        super().__init__(data)
        self.fields["collection"].choices = [(c.pk, c.name) for c in collections]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, remove everything in the trash for good", required=True
    )
