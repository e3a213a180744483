"""Python's user-facing sentences go through gettext, as templates' do.

Read from the source: a sentence handed straight to ValidationError, to a flash message
(messages.success/info/warning/error), to a form's add_error, or given as a form field's
label, help text or choice label, must be wrapped in gettext / gettext_lazy (or built from
one). Command-line commands (management/) speak English to operators and are not checked;
the verifier is checked by test_verifier_translations.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "wallet", "intake", "sharing", "portability", "obapi", "config")
FLASH = {"success", "info", "warning", "error"}
FIELD_TEXT = {"label", "help_text", "empty_label"}


def _sources() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if not {"verification", "migrations", "management"} & set(path.parts)
    ]


def _bare(node: ast.AST | None) -> bool:
    """A literal sentence or an f-string, not a gettext call's result."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(node.value.strip())
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _bare(node.left) or _bare(node.right)
    return False


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _untranslated(call: ast.Call) -> list[ast.AST]:
    name = _name(call)
    found: list[ast.AST] = []
    if name == "ValidationError" and call.args:
        found.append(call.args[0])
    func = call.func
    if (
        name in FLASH
        and isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "messages"
        and len(call.args) > 1
    ):
        found.append(call.args[1])
    if name == "add_error" and len(call.args) == 2:
        found.append(call.args[1])
    for keyword in call.keywords:
        if keyword.arg in FIELD_TEXT:
            found.append(keyword.value)
        if keyword.arg == "choices" and isinstance(keyword.value, ast.List | ast.Tuple):
            found.extend(
                el.elts[1]
                for el in keyword.value.elts
                if isinstance(el, ast.Tuple) and len(el.elts) == 2
            )
    return [node for node in found if _bare(node)]


def test_user_facing_sentences_in_python_go_through_gettext():
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                offenders.extend(
                    f"{path.relative_to(ROOT)}:{bare.lineno}" for bare in _untranslated(node)
                )
    assert not offenders, f"sentences not wrapped in gettext: {offenders}"


def test_the_check_sees_a_bare_sentence():
    call = ast.parse('messages.success(request, f"Saved {name}.")').body[0]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert _untranslated(call.value)
    wrapped = ast.parse('messages.success(request, gettext("Saved."))').body[0]
    assert isinstance(wrapped, ast.Expr) and isinstance(wrapped.value, ast.Call)
    assert not _untranslated(wrapped.value)
