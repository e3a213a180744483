"""The house's layers: imports only point down, and no two apps import each other.

    devtools > obapi > portability > sharing > intake > wallet > accounts > config

`wallet.verification` is a library apart: pure Python, importing nothing from the apps (nor
Django), and any layer may import it. Every import counts, also one inside a function. The
one exception is config/urls.py, the composition root that mounts every app's URLs (as the
settings name every app).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = (
    "config",
    "accounts",
    "wallet",
    "intake",
    "sharing",
    "portability",
    "obapi",
    "devtools",
)
LIBRARY = "wallet.verification"
COMPOSITION_ROOTS = frozenset({"config.urls"})


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    where: str  # file:line

    @property
    def importer_part(self) -> str:
        return part_of(self.importer)

    @property
    def target_part(self) -> str | None:
        return part_of(self.target) if self.target.split(".")[0] in LAYERS else None


def part_of(module: str) -> str:
    """The app a module belongs to, or the library."""
    if module == LIBRARY or module.startswith(LIBRARY + "."):
        return LIBRARY
    return module.split(".")[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path for app in LAYERS for path in sorted((ROOT / app).rglob("*.py"))
    }


def _imports() -> list[Import]:
    sources = _sources()
    found = []
    for module, path in sources.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from package import module` imports the module, not the package.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in sources else base
                    for alias in node.names
                ]
            else:
                continue
            found += [Import(module, t, f"{where}:{node.lineno}") for t in dict.fromkeys(targets)]
    return found


def _layer(part: str) -> int:
    return LAYERS.index(part)


def test_no_module_imports_from_an_app_above_it() -> None:
    upward = [
        f"{i.where}: {i.importer_part} imports {i.target}, from {i.target_part}, above it"
        for i in _imports()
        if i.importer not in COMPOSITION_ROOTS
        and i.target_part not in (None, LIBRARY, i.importer_part)
        and i.importer_part != LIBRARY
        and _layer(i.target_part) > _layer(i.importer_part)
    ]
    assert upward == [], "\n".join(upward)


def test_the_verification_library_imports_nothing_from_the_apps_nor_django() -> None:
    outside = [
        f"{i.where}: {LIBRARY} imports {i.target}"
        for i in _imports()
        if i.importer_part == LIBRARY
        and (i.target.split(".")[0] == "django" or i.target_part not in (None, LIBRARY))
    ]
    assert outside == [], "\n".join(outside)


def _cycles(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def _described(groups: list[list[str]], edges: dict[str, dict[str, Import]]) -> str:
    lines = []
    for group in groups:
        lines.append(" <-> ".join(group))
        for a in group:
            for b in group:
                if b in edges.get(a, {}):
                    lines.append(f"  {edges[a][b].where}: {a} imports {edges[a][b].target}")
    return "\n".join(lines)


def test_there_is_no_import_cycle_between_apps() -> None:
    edges: dict[str, dict[str, Import]] = defaultdict(dict)
    for i in _imports():
        if i.importer in COMPOSITION_ROOTS or i.target_part in (None, i.importer_part):
            continue
        edges[i.importer_part].setdefault(i.target_part, i)

    groups = _cycles(edges)

    assert groups == [], _described(groups, edges)


def test_there_is_no_import_cycle_between_the_modules_of_an_app() -> None:
    sources = _sources()
    edges: dict[str, dict[str, Import]] = defaultdict(dict)
    for i in _imports():
        target = i.target
        while target and target not in sources:
            target = target.rpartition(".")[0]
        if target and target != i.importer and part_of(target) == i.importer_part:
            edges[i.importer].setdefault(target, i)

    groups = _cycles(edges)

    assert groups == [], _described(groups, edges)
