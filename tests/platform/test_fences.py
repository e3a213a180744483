"""Shortcuts stay fenced: only the app that owns a table writes SQL on it, and no module
does the ORM's private bookkeeping by hand."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.platform.test_layers import LAYERS

ROOT = Path(__file__).resolve().parents[2]
APPS = LAYERS


def _production_modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def test_no_module_sets_the_orms_private_state() -> None:
    # A saved row the ORM did not save itself is built with Model.from_db (sharing.hot_path).
    offenders = []
    for path in _production_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr == "_state"
                ):
                    offenders.append(_where(path, node))
    assert offenders == []


def test_an_app_reads_no_other_apps_model_metadata() -> None:
    # Table and column names come from `_meta`; an app building SQL from another app's models
    # would be writing SQL on tables it does not own. That app's selectors build it instead
    # (wallet.selectors.shown_versions_join for the share-link lookup). devtools, which
    # builds benchmark data on every app's models and serves no request, is left out.
    offenders = []
    for path in _production_modules():
        app = path.relative_to(ROOT).parts[0]
        if app == "devtools":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        foreign = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").endswith(".models")
            and (node.module or "").split(".")[0] not in (app, "django")
            for alias in node.names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "_meta"
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign
            ):
                offenders.append(f"{_where(path, node)} {node.value.id}._meta")
    assert offenders == []


def test_every_in_process_cache_is_the_one_bounded_cache() -> None:
    from accounts import services as account_services
    from sharing.presentations import CANON_CACHE, prepared_presentations
    from sharing.public_views import rendered_pages
    from wallet.verification import pyld_adapter
    from wallet.verification.caching import BoundedCache
    from wallet.verification.proofs import jose

    caches = [
        rendered_pages,
        CANON_CACHE,
        prepared_presentations,
        account_services._unsealed,
        jose._JOSE_KEYS,
        pyld_adapter.PROCESSED_CONTEXTS,
        pyld_adapter.EXPANDED_IRIS,
    ]
    assert all(isinstance(cache, BoundedCache) for cache in caches)

    # And nobody writes another: the tell-tale calls of a hand-made LRU or size cap.
    made_by_hand = []
    for path in _production_modules():
        if path == ROOT / "wallet" / "verification" / "caching.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("popitem", "move_to_end"):
                made_by_hand.append(f"{_where(path, node)} .{node.attr}")
            if isinstance(node, ast.Name) and node.id == "OrderedDict":
                made_by_hand.append(f"{_where(path, node)} OrderedDict")
    assert made_by_hand == []
