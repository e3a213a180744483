"""JSON Schema checks, as 1EdTech's validators make them.

OB 3.0 and CLR 2.0 credentials name their schemas in `credentialSchema`
(`1EdTechJsonSchemaValidator2019`); OB 2.0 extensions name theirs in their JSON-LD context
(`obi:validation`). A schema comes from the vendored set (`files/` for the OB 2.0 extensions,
`1edtech/` for 1EdTech's OB 3.0 / CLR 2.0 schemas, each under the purl.imsglobal.org `$id` it
answers to; all pinned by SHA-256 in `manifest.json`, written by `scripts/vendor_schemas.py`;
docs/decisions/0020-1edtech-credential-schemas.md), never fetched, or else through the
caller's Fetcher into the cache the caller passes (`VerifyOptions.schema_cache`); nothing else
is read. Each schema is compiled once per process (a bounded cache keyed by its bytes).

A violation is `malformed`, and the sentence names the JSON path and the rule broken. A schema
that cannot be had is a warning: the credential may still be sound.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, MutableMapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import exceptions as schema_errors
from jsonschema import validators
from jsonschema.protocols import Validator

from .. import budget, urls
from ..contexts import load_context
from ..errors import UnknownContext
from ..fetch import Fetcher, FetchError
from ..limits import Limits
from ..messages import N_, Message
from ..report import Check, Verdict, failed, passed, skipped, warning

_HERE = Path(__file__).resolve().parent
# 1EdTech's credentialSchema type; the others are the W3C names for a plain JSON Schema.
SCHEMA_TYPES = frozenset(
    {"1EdTechJsonSchemaValidator2019", "JsonSchemaValidator2018", "JsonSchema"}
)
MAX_SCHEMAS = 8  # per credential: real ones name one or two
MAX_ERRORS_SHOWN = 3
MAX_SCHEMA_BYTES = 512 * 1024


def _read_manifest() -> dict[str, str]:
    entries = json.loads((_HERE / "manifest.json").read_text(encoding="utf-8"))
    return {entry["url"]: entry["file"] for entry in entries}


_FILES: dict[str, str] = _read_manifest()
KNOWN_SCHEMA_URLS: frozenset[str] = frozenset(_FILES)


class SchemaUnavailable(Exception):
    """The schema could not be had (not vendored, and unreachable or unusable)."""


class SchemaNotFetched(SchemaUnavailable):
    """The schema is not vendored and the caller passed no cache: it was not fetched."""


@cache
def _vendored_text(file: str) -> str:
    return (_HERE / file).read_text(encoding="utf-8")


def schema_text(
    url: str,
    *,
    fetcher: Fetcher | None,
    cache: MutableMapping[str, str] | None,
    limits: Limits,
) -> str:
    """The schema at `url`: vendored, else from `cache`, else fetched (and then cached).

    Without a cache nothing is fetched: the caller decides whether schemas may be fetched
    and where they are kept."""
    file = _FILES.get(url)
    if file is not None:
        return _vendored_text(file)
    if cache is not None and url in cache:
        return cache[url]
    if fetcher is None or cache is None:
        raise SchemaNotFetched(f"{url} is not vendored and schemas are not fetched here")
    if not urls.is_web_url(url):
        raise SchemaUnavailable(f"{url} is not a web address")
    try:
        result = fetcher.fetch(url, accept="application/schema+json, application/json")
    except FetchError as exc:
        raise SchemaUnavailable(f"{url} could not be fetched: {exc}") from exc
    if not result.ok:
        raise SchemaUnavailable(f"{url} answered HTTP {result.status}")
    if len(result.body) > min(limits.max_fetch_bytes, MAX_SCHEMA_BYTES):
        raise SchemaUnavailable(f"{url} is too large for a schema")
    try:
        text = result.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaUnavailable(f"{url} is not UTF-8 text") from exc
    cache[url] = text
    return text


@lru_cache(maxsize=64)
def _compiled(digest: str, text: str) -> Validator:
    """A validator for the schema `text` (keyed by its SHA-256 too, so equal texts share
    one); its draft is the one the schema names."""
    del digest
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise SchemaUnavailable("the schema is not JSON") from exc
    if not isinstance(schema, dict):
        raise SchemaUnavailable("the schema is not a JSON object")
    cls = validators.validator_for(schema, default=validators.Draft201909Validator)
    try:
        cls.check_schema(schema)
    except schema_errors.SchemaError as exc:
        raise SchemaUnavailable(f"the schema is invalid: {exc.message[:200]}") from exc
    # Formats are not asserted: 1EdTech's validator does not fail a credential on them.
    return cls(schema)


def validator(text: str) -> Validator:
    return _compiled(hashlib.sha256(text.encode("utf-8")).hexdigest(), text)


def _path(error: schema_errors.ValidationError, root: str) -> str:
    path = root
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _deepest(error: schema_errors.ValidationError) -> schema_errors.ValidationError:
    """Where an alternative (oneOf, anyOf) failed, the failure deepest in the instance among
    its branches: that is where the credential went wrong ("@context[0] is not one of ..."),
    rather than "not valid under any of the given schemas" at the top."""
    best, stack = error, list(error.context or ())
    while stack:
        budget.tick()
        candidate = stack.pop(0)
        if candidate.context:
            stack.extend(candidate.context)
        elif len(candidate.absolute_path) > len(best.absolute_path):
            best = candidate
    return best if best is not error else schema_errors.best_match([error])


def _rule(error: schema_errors.ValidationError) -> str:
    message = error.message
    shown = repr(error.instance)
    if len(shown) > 80 and shown in message:
        # The offending value itself can be a whole object: name its kind instead.
        message = message.replace(shown, f"the {type(error.instance).__name__} value")
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{message} (rule '{error.validator}')"


def violations(instance: Any, text: str, *, root: str = "credential") -> list[str]:
    """One sentence per violation of the schema `text` by `instance` (deepest first)."""
    found: list[str] = []
    errors: Iterator[schema_errors.ValidationError] = validator(text).iter_errors(instance)
    for error in errors:
        budget.tick()
        best = _deepest(error)
        found.append(f"at {_path(best, root)}: {_rule(best)}")
        if len(found) >= 50:
            break
    return found


def _unavailable(exc: SchemaUnavailable, what: str) -> Check:
    if isinstance(exc, SchemaNotFetched):
        return skipped(
            "schema",
            "schema.not_checked",
            Message(
                "The %(what)s was not checked against the schema it names: this wallet "
                "does not keep a copy of it.",
                what=what,
            ),
            str(exc),
        )
    return warning(
        "schema",
        "schema.unavailable",
        Message(
            "The schema the %(what)s says it follows could not be read, so its shape "
            "was not checked against it.",
            what=what,
        ),
        str(exc),
    )


def _violation_check(url: str, problems: list[str], what: str) -> Check:
    shown = "; ".join(problems[:MAX_ERRORS_SHOWN])
    more = f" (and {len(problems) - MAX_ERRORS_SHOWN} more)" if len(problems) > 3 else ""
    return failed(
        "schema",
        "schema.violation",
        Message(
            "The %(what)s does not follow the schema it must follow: %(shown)s%(more)s.",
            what=what,
            shown=shown,
            more=more,
        ),
        Verdict.MALFORMED,
        f"schema {url}: {len(problems)} violation(s)",
    )


def check_credential_schemas(
    credential: dict[str, Any],
    *,
    fetcher: Fetcher | None,
    cache: MutableMapping[str, str] | None,
    limits: Limits,
) -> list[Check]:
    """The OB 3.0 / CLR 2.0 `credentialSchema` checks: one Check per schema named."""
    entries = credential.get("credentialSchema")
    entries = entries if isinstance(entries, list) else [entries] if entries else []
    checks: list[Check] = []
    for entry in entries[:MAX_SCHEMAS]:
        budget.checkpoint()
        if not isinstance(entry, dict) or entry.get("type") not in SCHEMA_TYPES:
            continue
        url = entry.get("id")
        if not isinstance(url, str):
            checks.append(
                failed(
                    "schema",
                    "schema.invalid_reference",
                    N_("The credential names a schema without saying where it is."),
                    Verdict.MALFORMED,
                    repr(entry)[:200],
                )
            )
            continue
        try:
            problems = violations(
                credential, schema_text(url, fetcher=fetcher, cache=cache, limits=limits)
            )
        except SchemaUnavailable as exc:
            checks.append(_unavailable(exc, Message("credential")))
            continue
        if problems:
            checks.append(_violation_check(url, problems, Message("credential")))
        else:
            checks.append(
                passed(
                    "schema",
                    "schema.valid",
                    N_("The credential follows the schema it names."),
                    url,
                )
            )
    return checks


# --- Open Badges 2.0 extensions -------------------------------------------------------------


def _validations(context_url: str) -> list[tuple[str | None, str]]:
    """(validated type or None, schema URL) pairs an extension's context declares."""
    try:
        document = load_context(context_url)
    except UnknownContext:
        return []
    # Published extension contexts put it beside their @context; accept it inside too.
    inner = document.get("@context")
    entries = document.get("obi:validation") or (
        inner.get("obi:validation") if isinstance(inner, dict) else None
    )
    entries = entries or []
    entries = entries if isinstance(entries, list) else [entries]
    found: list[tuple[str | None, str]] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("obi:validationSchema"), str):
            kind = entry.get("obi:validatesType")
            found.append((kind if isinstance(kind, str) else None, entry["obi:validationSchema"]))
    return found


def _extension_nodes(document: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    stack: list[tuple[str, Any]] = [(path, document)]
    while stack:
        budget.tick()
        where, node = stack.pop()
        if isinstance(node, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(node))
        elif isinstance(node, dict):
            if where != path and isinstance(node.get("@context"), str):
                yield where, node
            stack.extend((f"{where}.{key}", value) for key, value in node.items())


def _short_type(value: str) -> str:
    return value.rsplit(":", 1)[-1].rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def check_ob2_extensions(
    documents: dict[str, Any],
    *,
    fetcher: Fetcher | None,
    cache: MutableMapping[str, str] | None,
    limits: Limits,
) -> list[Check]:
    """Every OB 2.0 extension node (an object with its own @context) in `documents` ("assertion",
    "badge", "issuer") against the schema its context declares for its type."""
    checks: list[Check] = []
    for name, document in documents.items():
        for where, node in _extension_nodes(document, name):
            types = node.get("type")
            types = {
                _short_type(t)
                for t in (types if isinstance(types, list) else [types])
                if isinstance(t, str)
            }
            for kind, url in _validations(node["@context"]):
                if kind is not None and _short_type(kind) not in types:
                    continue
                try:
                    text = schema_text(url, fetcher=fetcher, cache=cache, limits=limits)
                    problems = violations(node, text, root=where)
                except SchemaUnavailable as exc:
                    checks.append(_unavailable(exc, Message("badge's extension")))
                    continue
                if problems:
                    checks.append(_violation_check(url, problems, Message("badge's extension")))
                else:
                    checks.append(
                        passed(
                            "schema",
                            "schema.extension_valid",
                            N_("An extension of this badge follows its schema."),
                            f"{where}: {url}",
                        )
                    )
    return checks


__all__ = [
    "KNOWN_SCHEMA_URLS",
    "SchemaUnavailable",
    "check_credential_schemas",
    "check_ob2_extensions",
    "schema_text",
    "violations",
]
