"""The README's configuration tables name every environment variable the code reads."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from tests.platform.test_layers import LAYERS

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings.py"
# Python that may read the environment: the apps, the scripts and the tests. The browser
# journeys' stand-in OpenID provider is a project of its own, configured by its harness.
SOURCES = LAYERS
ELSEWHERE = ("scripts", "tests", "manage.py")
LEFT_OUT = (ROOT / "tests" / "e2e" / "oidc_provider",)
TABLE_HEADER = "| variable | meaning | default |"


def _settings_reads() -> dict[str, str]:
    """`env.<parser>("NAME", ...)` in the settings module."""
    found = {}
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found[node.args[0].value] = f"config/settings.py:{node.lineno}"
    return found


def _is_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_environ(func: ast.expr) -> bool:
    """`os.environ.get` or `os.getenv`."""
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "get":
        return _is_environ(func.value)
    return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"


def _direct_reads(path: Path) -> dict[str, str]:
    """`os.environ.get("NAME")`, `os.getenv("NAME")` and `os.environ["NAME"]` read."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            if _reads_environ(node.func):
                name = node.args[0].value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _is_environ(node.value)
            and isinstance(node.slice, ast.Constant)
        ):
            name = node.slice.value
        if isinstance(name, str):
            found[name] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def _python_files() -> list[Path]:
    roots = [ROOT / name for name in (*SOURCES, *ELSEWHERE)]
    files = []
    for root in roots:
        candidates = [root] if root.is_file() else sorted(root.rglob("*.py"))
        files += [
            path
            for path in candidates
            if not any(path.is_relative_to(left) for left in LEFT_OUT)
            and "migrations" not in path.parts
        ]
    return files


@cache
def read_by_the_code() -> dict[str, str]:
    found = _settings_reads()
    for path in _python_files():
        for name, where in _direct_reads(path).items():
            found.setdefault(name, where)
    return found


def documented() -> set[str]:
    """The variables named in the first column of the README's variable tables."""
    return set(documented_rows())


def documented_rows() -> list[str]:
    """Each variable named in a first column, as often as it is named."""
    names: list[str] = []
    in_table = False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.strip() == TABLE_HEADER:
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if in_table:
            first_cell = line.split("|")[1]
            names += re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell)
    return names


def test_every_environment_variable_the_code_reads_is_in_the_readme() -> None:
    names = documented()
    missing = {name: where for name, where in read_by_the_code().items() if name not in names}

    assert missing == {}, (
        "Read from the environment but missing from a README table headed "
        f"'{TABLE_HEADER}': {missing}"
    )


def test_the_readme_documents_no_variable_the_code_does_not_read() -> None:
    stale = documented() - set(read_by_the_code())

    assert stale == set(), f"The README documents variables nothing reads: {sorted(stale)}"


def test_no_variable_has_two_rows() -> None:
    rows = documented_rows()
    assert sorted({name for name in rows if rows.count(name) > 1}) == []


def test_the_scan_finds_reads_in_settings_and_in_code() -> None:
    # Holds the scan itself to account: one read of each kind it must see.
    found = read_by_the_code()
    assert found["SATCHEL_VERIFY_CPU_SECONDS"].startswith("config/settings.py:")
    assert found["SATCHEL_SHARED_DIR"].startswith(("devtools/", "scripts/"))
    assert found["SATCHEL_TEST_REDIS_URL"].startswith("tests/platform/")
