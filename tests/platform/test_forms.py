"""The shared form pieces of config/forms.py."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from config.forms import PlainSelect


class _Filters(forms.Form):
    plain = forms.ChoiceField(required=False, widget=PlainSelect)
    django = forms.ChoiceField(required=False)


CHOICES = [
    ("", "Any skill"),
    ("case:1", 'Team <b>work</b> & "care"'),
    ("url:https://x.example/s?a=1&b=2", "Safety"),
    (7, "Seven"),
]


@pytest.mark.parametrize("chosen", ["", "case:1", "url:https://x.example/s?a=1&b=2", "7", "nope"])
def test_a_plain_select_renders_what_djangos_select_renders(chosen):
    form = _Filters({"plain": chosen, "django": chosen})
    for name in ("plain", "django"):
        form.fields[name].choices = CHOICES
    form.is_valid()

    plain, django = str(form["plain"]), str(form["django"])

    # The same element, attributes (id, aria-invalid when the choice is not one), options,
    # selected option and escaping, whitespace aside; only the field's name differs.
    assert parse_html(plain) == parse_html(
        django.replace('name="django"', 'name="plain"').replace("id_django", "id_plain")
    )
    assert "&lt;b&gt;work&lt;/b&gt; &amp; &quot;care&quot;" in plain
    assert "<b>" not in plain


def test_a_plain_select_refuses_option_groups():
    widget = PlainSelect(choices=[("Group", [("a", "A")])])

    with pytest.raises(ValueError, match="no option groups"):
        widget.render("g", "a")
