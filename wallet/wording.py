"""The verifier's words in the reader's language: the one place that translates them.

The verifier (wallet.verification) writes English and marks it: verdict wording in
wallet.verification.wording, check sentences as `N_("...")` constants or `Message`s that keep
their template and values (wallet.verification.messages). Stored reports stay English, so
that a report read years later says what it said; every page, email and API answer that shows
a verdict or a check to a person goes through here, which translates into the active language
(LocaleMiddleware's, from the browser or the learner's choice) and only then fills in values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, ngettext

from wallet.verification import wording
from wallet.verification.messages import Message, Phrase
from wallet.verification.report import Check


def verdict_label(verdict: str) -> str:
    """The verdict in a few words ("Revoked by the issuer")."""
    return gettext(wording.verdict_label(verdict))


def verdict_phrase(verdict: str) -> str:
    """The label with its first letter in lower case, to sit inside a sentence ("…: revoked by
    the issuer.")."""
    return _lower_first(verdict_label(verdict))


def earner_explanation(verdict: str) -> str:
    return gettext(wording.earner_explanation(verdict))


def employer_explanation(verdict: str) -> str:
    return gettext(wording.employer_explanation(verdict))


def notice_sentence(title: str, issuer_name: str, verdict: str) -> str:
    """What a notice says when a re-check changed a credential's verdict."""
    values = {"title": title, "issuer": issuer_name, "verdict": verdict_phrase(verdict)}
    if issuer_name:
        return gettext("“%(title)s” from %(issuer)s is now: %(verdict)s.") % values
    return gettext("“%(title)s” is now: %(verdict)s.") % values


def check_message(check: Check | Mapping[str, Any]) -> str:
    """A check's sentence in the active language.

    `check` is a Check or its stored form (`Check.to_dict`). A sentence that names values is
    translated from its template, then filled in; a report stored before templates were kept
    still has its constant sentences translated, and the rest read as they were written.
    """
    if isinstance(check, Check):
        return translate(check.message)
    template = check.get("message_i18n")
    if isinstance(template, Mapping):
        return translate(template, fallback=str(check.get("message") or ""))
    return translate(str(check.get("message") or ""))


def translate(message: str | Mapping[str, Any], *, fallback: str = "") -> str:
    """A verifier sentence (plain, a Message, or a Message's stored dict) in the active
    language. A translation that does not fit its values falls back to the English."""
    if isinstance(message, Phrase):
        return _lower_first(gettext(message.template))
    if isinstance(message, SaidPlural):
        return _fill_plural(
            message.template, message.plural, message.number, message.params, message
        )
    if isinstance(message, Message):
        return _fill(message.template, message.params, str(message))
    if isinstance(message, Mapping):
        template = message.get("template")
        params = message.get("params")
        if not isinstance(template, str) or not isinstance(params, Mapping):
            return fallback
        if message.get("lower") is True:
            return _lower_first(gettext(template)) if template else fallback
        plural, count = message.get("plural"), message.get("count")
        if isinstance(plural, str) and isinstance(count, int):
            values = {key: str(value) for key, value in params.items()}
            return _fill_plural(template, plural, count, values, fallback)
        return _fill(template, params, fallback)
    return gettext(message) if message else message


class Said(Message):
    """A sentence in the active language that keeps its English template and values.

    Code that may run in a background task (a ZIP import, an export, a badge-platform sync)
    says things with `Said` instead of `gettext`: in a request it reads in the learner's
    language, in a task (no language active) it reads in English, and either way the row
    that keeps it also keeps `to_dict()` (see `template_of`), which `stored_message`
    translates into the reader's language when the page shows it.
    """

    def __new__(cls, template: str, /, **params: object) -> Said:
        english = Message(template, **params)
        self = str.__new__(cls, _fill(template, english.params, str(english)))
        self.template = template
        self.params = english.params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_said, (self.template, self.params))


class SaidPlural(Said):
    """A `Said` whose words depend on a count (`ngettext`'s singular and plural)."""

    plural: str
    number: int

    def __new__(cls, template: str, plural: str, count: int, /, **params: object) -> SaidPlural:
        values = {key: str(value) for key, value in params.items()}
        english = (template if count == 1 else plural) % values
        self = str.__new__(cls, _fill_plural(template, plural, count, values, english))
        self.template = template
        self.plural = plural
        self.number = count
        self.params = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_said_plural, (self.template, self.plural, self.number, self.params))

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "plural": self.plural, "count": self.number}


def _said(template: str, params: dict[str, Any]) -> Said:
    return Said(template, **params)


def _said_plural(template: str, plural: str, count: int, params: dict[str, Any]) -> SaidPlural:
    return SaidPlural(template, plural, count, **params)


def said_of(exc: BaseException) -> str:
    """An exception's sentence as it was raised: a `Said` keeps its template (str() would
    give plain text)."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Message) else str(exc)


def template_of(message: str) -> dict[str, Any] | None:
    """What a row keeps beside a message so that it can be translated when shown: the
    template and values of a `Said` (or a verifier `Message`), None for plain text."""
    return message.to_dict() if isinstance(message, Message) else None


def stored_message(message: str, template: object = None) -> str:
    """A message a task stored, in the reader's language: translated from its template, then
    filled in. A message without a template is a marked constant (`gettext_noop`), translated
    if the catalogue has it; a row stored before templates were kept shows it as stored."""
    if isinstance(template, Mapping) and template.get("template"):
        return translate(template, fallback=message)
    return gettext(message) if message else message


def _fill_plural(
    template: str, plural: str, count: int, values: Mapping[str, str], english: str
) -> str:
    try:
        return ngettext(template, plural, count) % values
    except (KeyError, ValueError, TypeError):
        return english


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fill(template: str, params: Mapping[str, Any], english: str) -> str:
    if not template:
        return english
    # A nested sentence is translated in its turn; any other value is data, shown as it is.
    values = {
        key: translate(value) if isinstance(value, Message | Mapping) else str(value)
        for key, value in params.items()
    }
    if not values:
        # A template that names values it was not given cannot be filled in.
        return english if "%(" in template else gettext(template)
    try:
        return gettext(template) % values
    except (KeyError, ValueError, TypeError):
        try:
            return template % values
        except (KeyError, ValueError, TypeError):
            return english
