"""What every app's forms share."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

FieldT = TypeVar("FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """The form's own copy of its field `name`, as the kind of field it is declared as: to give
    it what is only known per request (the owner's choices, a queryset)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is not a {kind.__name__}")
    return field


class PlainSelect(forms.Select):
    """A single select without option groups, rendered as Django's templates render it but in
    code: those render a template and an attributes template for every option, and a record's
    filters offer one option per skill, issuer and tag (a tenth of the record page's time for a
    learner with many skills, measured at 100,000 credentials). Labels, values and attributes
    are escaped as the templates escape them."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = []
        for group_name, group, _index in widget["optgroups"]:
            if group_name:
                raise ValueError("PlainSelect renders no option groups")
            options += [(str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in group]
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", '<option value="{}"{}>{}</option>', options),
        )
