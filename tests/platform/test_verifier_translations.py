"""The verifier's sentences reach the reader in the reader's language.

wallet.verification is a pure library that writes English: every sentence a check can carry,
and every verdict's label and explanations, is marked (`N_("...")`, or `Message("...", ...)`
for one that names values) so that `make messages` collects it. These tests read the library's
source: a check written with a bare string or f-string fails here, and so does a marked
sentence that Spanish or Arabic lacks. wallet.wording translates at display time, template
first and values after.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from wallet import wording
from wallet.verification import Verdict
from wallet.verification.messages import N_, Message, Phrase
from wallet.verification.report import failed

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "wallet" / "verification"
LOCALES = ROOT / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)s")

# Where a check's sentence goes: the argument index of the message, per callable.
MESSAGE_ARGUMENT = {
    "passed": 2,
    "warning": 2,
    "skipped": 2,
    "failed": 2,
    "MalformedInput": 0,
    "UnsupportedInput": 0,
    "VerificationInputError": 0,
    "UnsupportedKeyType": 0,
    "ProofError": 0,
    "JwsProofError": 0,
    "SelectiveDisclosureError": 0,
    "KeyResolutionError": 0,
    "KeyUnreachable": 0,
    "KeyNotFound": 0,
    "InvalidKey": 0,
    "PurposeNotAllowed": 0,
    "UnsupportedKey": 0,
}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(VERIFIER.rglob("*.py"))]


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _marked() -> set[str]:
    """Every literal the library marks with N_(...) or Message(...)."""
    found: set[str] = set()
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) in ("N_", "Message") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def _catalogue(language: str) -> dict[str, str]:
    po = polib.pofile(str(LOCALES / language / "LC_MESSAGES" / "django.po"))
    return {e.msgid: e.msgstr for e in po if not e.obsolete and "fuzzy" not in e.flags}


def test_every_check_sentence_in_the_verifier_is_marked():
    bare = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node) not in MESSAGE_ARGUMENT:
                continue
            index = MESSAGE_ARGUMENT[_name(node)]
            arg = node.args[index] if len(node.args) > index else None
            if isinstance(arg, ast.JoinedStr) or (
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value
            ):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bare, f"check sentences not marked with N_() or Message(): {bare}"


def test_the_verifier_marks_its_sentences():
    marked = _marked()
    # Verdict wording, check sentences, SD-JWT sentences and nested fragments alike.
    assert len(marked) > 450
    assert "Revoked by the issuer" in marked
    assert "This credential expired on %(time)s." in marked
    assert "The holder's signature is dated in the future." in marked


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_sentence_is_translated_with_the_same_placeholders(language):
    catalogue = _catalogue(language)
    missing, broken = [], []
    for msgid in sorted(_marked()):
        translated = catalogue.get(msgid, "")
        if not translated.strip():
            missing.append(msgid)
        elif sorted(PLACEHOLDER.findall(translated)) != sorted(PLACEHOLDER.findall(msgid)):
            broken.append(msgid)
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert not broken, f"{language}: placeholders differ in {broken[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("verdict", [str(v) for v in Verdict] + [""])
def test_verdict_wording_is_given_in_the_readers_language(language, verdict):
    english = (
        wording.verdict_label(verdict),
        wording.earner_explanation(verdict),
        wording.employer_explanation(verdict),
    )
    with translation.override(language):
        translated = (
            wording.verdict_label(verdict),
            wording.earner_explanation(verdict),
            wording.employer_explanation(verdict),
        )
    for theirs, ours in zip(translated, english, strict=True):
        assert theirs.strip() and theirs != ours


def test_a_sentence_is_translated_first_and_filled_in_after():
    nested = Message(N_("%(who)s: %(verdict)s."), who="Credential 2", verdict=Phrase("Expired"))
    check = failed("validity", "validity.expired", nested, Verdict.EXPIRED)
    stored = check.to_dict()

    assert stored["message"] == "Credential 2: expired."  # reports stay English
    with translation.override("es"):
        # The label, translated, then its first letter lowered to sit in the sentence.
        assert wording.check_message(check) == "Credential 2: caducado."
        assert wording.check_message(stored) == "Credential 2: caducado."
        # A value is data, never looked up in the catalogue.
        assert wording.translate(Message("Valid until %(time)s.", time="Expired")) == (
            "Válida hasta el Expired."
        )


def test_a_stored_report_without_templates_still_has_its_constant_sentences_translated():
    old = {"message": "The credential is not a JSON object.", "status": "fail"}
    unknown = {"message": "Something an older verifier wrote.", "status": "fail"}
    with translation.override("ar"):
        assert wording.check_message(old) == "الشهادة ليست كائن JSON."
        assert wording.check_message(unknown) == "Something an older verifier wrote."


def test_a_translation_that_does_not_fit_its_values_falls_back_to_english():
    stored = {
        "message": "This credential expired on 2020-01-01.",
        "message_i18n": {"template": "This credential expired on %(time)s.", "params": {}},
    }
    with translation.override("es"):
        assert wording.check_message(stored) == "This credential expired on 2020-01-01."


def test_a_message_survives_pickling_with_its_template():
    import pickle

    message = Message("Valid until %(time)s.", time="2030-01-01")
    copy = pickle.loads(pickle.dumps(message))  # noqa: S301 (our own bytes)
    assert copy == message and copy.template == message.template
    assert copy.params == {"time": "2030-01-01"}
    phrase = pickle.loads(pickle.dumps(Phrase("Revoked by the issuer")))  # noqa: S301
    assert isinstance(phrase, Phrase) and phrase == "revoked by the issuer"
