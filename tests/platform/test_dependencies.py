"""Declared dependencies match what the production code imports.

Every third-party module that a production module imports (also inside a function) belongs to a
distribution named in pyproject.toml's `[project].dependencies`: one that arrives only because
another package needs it can leave with that package's next release. An app or middleware that
the settings name (Django imports it) may also come through an extra written there
(`drf-spectacular[sidecar]`). The other way round, every declared dependency is imported, named in
the settings, or listed below with the reason it is kept.

Imports under `if TYPE_CHECKING:` are left out: they never run, and stub packages serve them.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The packages the project installs (a new app is added there, and so is walked here).
PRODUCTION = tuple(
    pattern.rstrip("*")
    for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
)

# Declared, used, and never imported by a module of ours.
NOT_IMPORTED = {
    "gunicorn": "the WSGI server: production runs it as a command (README, Deploying)",
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Absolute imports as (top-level name, line), skipping `if TYPE_CHECKING:` blocks."""
    found: list[tuple[str, int]] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
        pending.extend(ast.iter_child_nodes(node))
    return found


def _third_party(name: str) -> bool:
    return name not in PRODUCTION and name not in sys.stdlib_module_names and name != "__future__"


def third_party_imports() -> dict[str, list[str]]:
    """Top-level names of third-party modules our production code imports -> where."""
    found: dict[str, list[str]] = {}
    for app in PRODUCTION:
        for path in sorted((ROOT / app).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            for name, line in _imports(ast.parse(path.read_text(), filename=str(path))):
                if _third_party(name):
                    found.setdefault(name, []).append(f"{where}:{line}")
    return found


def named_in_settings() -> dict[str, list[str]]:
    """Top-level names of the third-party apps and middleware Django imports by name."""
    found: dict[str, list[str]] = {}
    for dotted in [*settings.INSTALLED_APPS, *settings.MIDDLEWARE]:
        name = dotted.split(".")[0]
        if _third_party(name):
            found.setdefault(name, []).append(f"settings ({dotted})")
    return found


def declared() -> tuple[set[str], set[str]]:
    """(distributions named in [project].dependencies, those plus what their named extras add)."""
    project = PYPROJECT["project"]
    direct: set[str] = set()
    with_extras: set[str] = set()
    for line in project["dependencies"]:
        requirement = Requirement(line)
        direct.add(_normalise(requirement.name))
        with_extras.add(_normalise(requirement.name))
        for needed in importlib.metadata.requires(requirement.name) or []:
            inner = Requirement(needed)
            if inner.marker and any(
                inner.marker.evaluate({"extra": extra}) for extra in requirement.extras
            ):
                with_extras.add(_normalise(inner.name))
    return direct, with_extras


def distributions_of(name: str) -> set[str]:
    return {_normalise(d) for d in importlib.metadata.packages_distributions().get(name, [])}


def test_every_third_party_import_is_a_declared_dependency():
    direct, with_extras = declared()
    undeclared = {
        name: where
        for name, where in third_party_imports().items()
        if not distributions_of(name) & direct
    } | {
        name: where
        for name, where in named_in_settings().items()
        if not distributions_of(name) & with_extras
    }
    listing = "\n".join(
        f"  {name} (distribution {sorted(distributions_of(name)) or '?'}): {', '.join(where)}"
        for name, where in sorted(undeclared.items())
    )
    assert not undeclared, f"imported but not declared in [project].dependencies:\n{listing}"


def test_every_declared_dependency_is_used():
    direct, _ = declared()
    imported: set[str] = set()
    for name in [*third_party_imports(), *named_in_settings()]:
        imported |= distributions_of(name)
    unused = direct - imported - set(NOT_IMPORTED)
    assert not unused, (
        f"declared in pyproject.toml but imported by no production module: {sorted(unused)}"
    )


def test_the_walk_sees_imports_inside_functions_and_skips_type_checking_blocks():
    tree = ast.parse(
        "import alpha.beta\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import gamma\n"
        "else:\n"
        "    import delta\n"
        "def f():\n"
        "    from epsilon.zeta import eta\n"
        "from . import local\n"
    )
    assert sorted(name for name, _ in _imports(tree)) == [
        "alpha",
        "delta",
        "epsilon",
        "typing",
    ]
