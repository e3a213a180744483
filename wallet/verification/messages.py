"""Sentences the verifier writes, in a form a display layer can translate later.

The verifier is a pure library: it never translates. It writes English, and marks every
sentence so that `makemessages` collects it (`N_`, a no-op, is one of the keywords the
Makefile's `messages` target passes). A sentence that names a value is a `Message`: the
English text (what `str` gives, what tests and logs read) that also remembers its template,
`"This credential expired on %(date)s."`, and its values. Reports keep both, so a stored
report stays English and stable while a page translates the template into the reader's
language and only then fills in the values (wallet.wording does that, in the Django layer).

A value may itself be a Message (a nested sentence): it is translated in its turn.
"""

from __future__ import annotations

from typing import Any


def N_(text: str) -> str:
    """Mark `text` for the message catalogue; it is translated where it is shown."""
    return text


class Message(str):
    """English text that remembers the template and values it was made from."""

    template: str
    params: dict[str, str]

    def __new__(cls, template: str, /, **params: object) -> Message:
        values = {key: _param(value) for key, value in params.items()}
        self = super().__new__(cls, template % values if values else template)
        self.template = template
        self.params = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, self.params))

    def to_dict(self) -> dict[str, Any]:
        """The template and its values, nested sentences as dicts in their turn."""
        return {
            "template": self.template,
            "params": {
                key: value.to_dict() if isinstance(value, Message) else str(value)
                for key, value in self.params.items()
            },
        }


class Phrase(Message):
    """A label inside a sentence ("…: revoked by the issuer."): the label's words with the
    first letter in lower case, in English here and in the reader's language when shown."""

    def __new__(cls, template: str, /, **params: object) -> Phrase:
        self = str.__new__(cls, template[:1].lower() + template[1:])
        self.template = template
        self.params = {}
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Phrase, (self.template,))

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "params": {}, "lower": True}


def _rebuild(template: str, params: dict[str, str]) -> Message:
    return Message(template, **params)


def _param(value: object) -> str:
    if isinstance(value, Message):
        return value
    if isinstance(value, BaseException):
        return message_of(value)
    return str(value)


def message_of(exc: BaseException) -> str:
    """The sentence an exception was raised with: its Message when it had one."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Message):
        return exc.args[0]
    return str(exc)
