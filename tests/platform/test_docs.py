"""The docs in the repo are the ones the code cites, and they name what exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.platform.test_layers import LAYERS

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# Team documents outside the repository, which a reader of the code does not have.
OUTSIDE = re.compile(
    r"\b(?:STYLE|ARCHITECTURE)\.md\b|(?<![\w-])standards\.md\b|STYLE convention|"
    r"ARCHITECTURE invariant|/work/shared|\.\./shared/(?!interop)"
)
CITED_DOC = re.compile(r"\bdocs/[\w./-]+\.md\b")
SOURCE_SUFFIXES = {".py", ".html", ".js", ".css", ".toml", ".md", ".cfg", ".txt"}


def _tracked_sources() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [
        ROOT / name
        for name in listed
        if (Path(name).suffix in SOURCE_SUFFIXES or Path(name).name == "Makefile")
        and not name.startswith(("tests/vectors/", "tests/fixtures/"))
        and (ROOT / name).is_file()
    ]


def _lines_matching(pattern: re.Pattern[str]) -> list[tuple[Path, int, str]]:
    found = []
    for path in _tracked_sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for match in pattern.finditer(line):
                found.append((path, number, match.group(0)))
    return found


def test_nothing_in_the_repo_cites_a_document_outside_it() -> None:
    here = Path(__file__).resolve()
    cited = [
        f"{path.relative_to(ROOT)}:{number}: {text}"
        for path, number, text in _lines_matching(OUTSIDE)
        if path != here
    ]
    assert cited == [], "cite docs/ in the repo (or the specification's URL) instead"


def test_every_document_under_docs_that_is_cited_exists() -> None:
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}:{number}: {text}"
            for path, number, text in _lines_matching(CITED_DOC)
            if not (ROOT / text).is_file()
        }
    )
    assert missing == []


def test_every_path_the_architecture_names_exists() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    paths = {
        token
        for token in re.findall(r"`([a-z_]+(?:/[\w.-]+)+/?)`", text)
        if not token.startswith("var/")  # made by `make secrets`, not kept in the repo
    }
    # The "where things live" table names files of an app relative to the app.
    apps = ("", *LAYERS)
    missing = sorted(
        path for path in paths if not any((ROOT / app / path).exists() for app in apps)
    )
    assert len(paths) > 30
    assert missing == []


def test_the_architecture_answers_where_each_behaviour_lives() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("## Behaviour -> module", 1)[1].split("\n## ", 1)[0]
    behaviours = [line.split("|")[1].strip() for line in table.splitlines()[3:] if line]
    for wanted in ("import", "verify", "re-check", "share", "present", "export", "restore"):
        assert any(b.startswith(wanted) for b in behaviours), wanted
    assert any(b.startswith("receive") for b in behaviours)
