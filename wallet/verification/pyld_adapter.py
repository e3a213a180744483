"""Everything the verifier takes from pyld beyond its public API, in one place.

canon.py needs more than `jsonld.expand()` gives: processed contexts shared across documents
and expanded vocabulary cached (two thirds of canonicalization time otherwise), budget checks
inside expansion and the node map, a cap on types per node, the compact name of each dropped
property, expansion without pyld's defensive deep copy, the node map and RDF conversion
without expanding twice, and URDNA2015's issued labels. Each of those reaches into pyld's
private methods or data, listed in RELIED_ON; this module was written and checked against
pyld CHECKED_VERSION (pyproject.toml pins that minor version).
`tests/verification/test_pyld_adapter.py` fails, saying what to re-read, when the installed
pyld is another minor version or any name in RELIED_ON is gone. canon.py imports nothing of
pyld itself; it calls the functions below.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

from frozendict import frozendict
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import parse_nquads

from . import budget
from .caching import BoundedCache
from .errors import MalformedInput
from .messages import Message

# The pyld release (major, minor) this module was read against.
CHECKED_VERSION = (3, 3)

# pyld's private names this module uses: methods of JsonLdProcessor it overrides or calls,
# module functions, and attributes of objects pyld builds.
RELIED_ON: dict[str, tuple[str, ...]] = {
    "pyld.jsonld.JsonLdProcessor": (
        "_process_context",
        "_prepare_nested_context",
        "_create_node_map",
        "_graph_to_rdf",
        "_expand_iri",
        "_expand_object",
        "_expand",
        "_object_to_rdf",
        "_revert_to_previous_context",
    ),
    "pyld.jsonld": ("_is_absolute_iri", "_is_keyword"),
    "pyld.canon.URDNA2015 instance": ("canonical_issuer",),
    "pyld.identifier_issuer.IdentifierIssuer instance": ("existing",),
}
# `_expand_object` calls on_property_dropped(expanded_property) inside its loop over the
# element's items, whose loop variable is named `key`: the dropped property's compact name.
DROPPED_KEY_LOCAL = "key"
# A type-scoped active context points back to the one it was applied to under this key.
PREVIOUS_CONTEXT = "previousContext"
# Frozen active contexts carry a unique id under this key (pyld's own cache key).
CONTEXT_ID = "_uuid"
# And `JsonLdProcessor.expand` starts with `copy.deepcopy` of its input, which `expand`
# below makes a no-op (_Uncopied).

SEC_PROOF = "https://w3id.org/security#proof"
# Each type value brings its type-scoped context, applied on a new context every time:
# 50,000 repeats of one type took 14 s. Real nodes have a handful of types.
MAX_TYPES_PER_NODE = 64

# A property expansion dropped: its compact name, and the compact names from the top down to
# it (the last is the name itself; "" for the top node).
Dropped = tuple[str, tuple[str, ...]]

_RDF_OPTIONS = {
    "produceGeneralizedRdf": False,
    "rdfDirection": None,
    "processingMode": "json-ld-1.1",
}


def installed_version() -> str:
    return metadata.version("pyld")


# Processed contexts by (active context id, local context, flags). pyld caches a processed
# context per (context, active context), but it clones the active context under a new id
# before every type- or property-scoped context, so for OB 3.0 and CLR (scoped contexts on
# almost every object) that cache never hits. pyld freezes what it processes, so one result
# can serve every document; only frozen results are kept, each with its local context, so
# that the local context's id() in the key cannot be reused by another object.
PROCESSED_CONTEXTS: BoundedCache[tuple[Any, ...], tuple[Any, Any]] = BoundedCache(1024)
# Expanded vocabulary strings by (frozen context id, string, base, vocab). pyld gives every
# frozen context a fresh uuid, so an id never stands for two different contexts.
# Read with `peek`, one C call (this lookup runs for every property and type of every
# object): hits do not refresh an entry, so once full the oldest goes first, far above the
# few thousand terms any set of contexts has.
EXPANDED_IRIS: BoundedCache[tuple[Any, ...], Any] = BoundedCache(50_000)
_peek_iri = EXPANDED_IRIS.peek
_MISS = object()


class Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]  # pyld has no types
    """pyld's processor, with processed contexts shared across documents, vocabulary
    expansion cached, the budget checked per context and node map, and types per node capped."""

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        key = None
        if cycles is None:
            key = _processed_key(active_ctx, local_ctx, override_protected, propagate)
        if key is not None:
            hit = PROCESSED_CONTEXTS.get(key)
            if hit is not None:
                return hit[0]
        budget.tick()  # a long list of types can bring its scoped context once per entry
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if key is not None and isinstance(result, frozendict):
            PROCESSED_CONTEXTS[key] = (result, local_ctx)
        return result

    def _prepare_nested_context(
        self, active_ctx: Any, element: dict[str, Any], options: dict[str, Any]
    ) -> Any:
        check_type_count(element)
        return _prepare_nested_context(self, active_ctx, element, options)

    def _create_node_map(self, *args: Any, **kwargs: Any) -> Any:
        budget.tick()
        return super()._create_node_map(*args, **kwargs)

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # Property and type names are expanded several times per object, each time through
        # pyld's regexes. Within one frozen (so unchanging) active context, a vocabulary
        # string always expands the same way; ids (vocab False) are document data, not kept.
        if not vocab or local_ctx is not None or not isinstance(active_ctx, frozendict):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (active_ctx.get(CONTEXT_ID), value, base, vocab)
        try:
            result = _peek_iri(key, _MISS)
        except TypeError:  # an unhashable value: let pyld deal with it
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if result is _MISS:
            result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
            EXPANDED_IRIS[key] = result
        return result


def check_type_count(element: dict[str, Any]) -> None:
    named, keyword = element.get("type"), element.get("@type")
    if (type(named) is list and len(named) > MAX_TYPES_PER_NODE) or (
        type(keyword) is list and len(keyword) > MAX_TYPES_PER_NODE
    ):
        raise MalformedInput(
            Message(
                "A part of the credential lists more than %(max_types_per_node)s types.",
                max_types_per_node=MAX_TYPES_PER_NODE,
            ),
            code="jsonld.too_many_types",
        )


# Called once per node: without super()'s lookup.
_prepare_nested_context = jsonld.JsonLdProcessor._prepare_nested_context


def _processed_key(
    active_ctx: Any, local_ctx: Any, override_protected: bool, propagate: bool
) -> tuple[Any, ...] | None:
    active = active_ctx.get(CONTEXT_ID) if isinstance(active_ctx, frozendict) else None
    if active is None:
        return None
    if isinstance(local_ctx, str):
        return (active, local_ctx, override_protected, propagate)
    if isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
        return (active, tuple(local_ctx), override_protected, propagate)
    if override_protected or not propagate:
        # A type- or property-scoped context: an object inside a term definition of a cached
        # processed context, so the same object every time.
        return (active, ("object", id(local_ctx)), override_protected, propagate)
    # A context object written in the document itself is new with every document.
    return None


class TrackingProcessor(Processor):
    """Processor that records each property expansion drops, by compact name and the compact
    names leading to it, and can give the expansion of the same document less its top-level
    proof."""

    def __init__(self, dropped: list[Dropped]) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self._findings = dropped
        self._path: list[tuple[str, str]] = []
        self._proof_separable: bool | None = None

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: str | None,
        expanded_active_property: str | None,
        element: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if not self._path and self._proof_separable is None:
            self._proof_separable = self._separable(active_ctx, element)
        self._path.append((active_property or "", expanded_active_property or ""))
        try:
            return super()._expand_object(
                active_ctx, active_property, expanded_active_property, element, *args, **kwargs
            )
        finally:
            self._path.pop()

    def _separable(self, active_ctx: Any, element: dict[str, Any]) -> bool:
        """Whether the top-level `proof` contributes exactly the top node's sec:proof values.

        JSON-LD expands each key of a node on its own and merges the results by expanded
        property, so removing the key removes just its entry, unless another key (or @nest
        content) also expands to sec:proof, or `proof` is a reverse property.
        """
        expanded = {key: self._expand_iri(active_ctx, key, vocab=True) for key in element}
        if "proof" in element:
            mapping = active_ctx["mappings"].get("proof") or {}
            if expanded["proof"] != SEC_PROOF or mapping.get("reverse"):
                return False
        others = (iri for key, iri in expanded.items() if key != "proof")
        return not any(iri in (SEC_PROOF, "@nest") for iri in others)

    def without_proof(self, expanded: list[Any]) -> list[Any] | None:
        """The expansion of the same document less its top-level `proof`, when derivable."""
        if not self._proof_separable or len(expanded) != 1 or not isinstance(expanded[0], dict):
            return None
        top = {key: value for key, value in expanded[0].items() if key != SEC_PROOF}
        # pyld drops or unwraps a top-level object left with only @id or @graph; such a
        # document is expanded again on its own rather than mimicking that here.
        if "@type" not in top and all(key.startswith("@") for key in top):
            return None
        return [top]

    def _dropped(self, expanded_property: str | None) -> None:
        # A proof is checked by its own cryptosuite, never shown; terms it alone uses (an
        # unknown proof type's) are not credential data left unprotected.
        if any(expanded == SEC_PROOF for _, expanded in self._path):
            return
        # pyld reports only the expanded form (None for a term mapped to null); the compact
        # key is the loop variable of the _expand_object frame that called us.
        key = str(sys._getframe(1).f_locals.get(DROPPED_KEY_LOCAL, expanded_property))
        self._findings.append((key, (*(compact for compact, _ in self._path), key)))


class _Undecided(Exception):
    """The walk met something only pyld's own expansion can judge."""


# What the walk learned, per frozen active context (by its id, as EXPANDED_IRIS): the kind of
# each key (_kind), the active contexts of a node object (_node), and what a type or a @vocab
# word expands to (_vocab_iri).
WALK_MEMO: BoundedCache[tuple[Any, ...], Any] = BoundedCache(50_000)
_peek_walk = WALK_MEMO.peek
_CONTEXT_KEY = "@context"
_JSON_LITERAL = "@json"
# The kind of a key that expands to sec:proof through a plain @graph container (a top-level
# `proof`, the only one the walk may leave out).
_PROOF_GRAPH = "proof-graph"
_NOT_TYPED = frozenset({None, "@id", "@vocab", "@none"})


class _Walk(Processor):
    """JSON-LD expansion of the common shape of a credential, step by step as pyld's `_expand`,
    `_expand_object` and `_expand_value` do it, giving exactly what they give, or nothing.

    The shape: node objects whose keys are terms, `@id`, `@type` or `@context`; strings,
    numbers, booleans, null, objects and arrays of them as values; terms with no container
    but `@set`, and JSON literals. Every active context, scoped context and IRI comes from
    pyld itself (the same cached calls). Anything else (a value object, `@list`, `@graph`,
    `@nest`, an index or language map, a reverse property, a repeated keyword, an array of
    arrays, an undefined term, a relative IRI, a proof below the top) is left undecided, and
    so is any error: the caller then has pyld expand, which reports what it finds. So what
    the walk gives is also sound for the dropped-term check: no property dropped, nothing
    raised, only absolute (or blank node) ids and types.

    With `without_proof`, a top-level `proof` is walked (its ids, types and terms must be as
    sound as the rest) but left out of the result: the expansion of the document less its
    proof, which is what a Data Integrity proof signs. What depends only on a frozen context
    and a key is remembered in WALK_MEMO.
    """

    def __init__(self, *, without_proof: bool = False) -> None:
        super().__init__()
        self.expanded: dict[str, Any] | None = None
        self._without_proof = without_proof

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        # expand() calls this once, for the whole document, with its options and initial
        # context: walk instead of expanding.
        try:
            if not isinstance(element, dict):
                raise _Undecided
            node = self._node(active_ctx, active_property, element, options, top=True)
        except _Undecided:
            return None
        # pyld drops a top-level object left empty or with only @id (and TrackingProcessor's
        # without_proof expands again one left with only keywords): pyld says what happens.
        if "@type" in node or not all(key.startswith("@") for key in node):
            self.expanded = node
        return None

    def _node(
        self, active_ctx: Any, active_property: Any, element: Any, options: Any, top: bool = False
    ) -> dict[str, Any]:
        """pyld's _expand for an object (no type-scoped context passed in, not in an index)."""
        budget.tick()
        must_revert = True
        if active_ctx.get(PREVIOUS_CONTEXT) and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded = self._expand_iri(active_ctx, key, vocab=True)
                if expanded == "@value":
                    raise _Undecided
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        scoping = (_frozen_id(active_ctx), "scoped", active_property, must_revert)
        scoped = _recall(scoping)
        if scoped is _MISS:
            scoped = self._property_scoped(active_ctx, active_property, must_revert, options)
            self._remember(scoping, scoped)
        if "@context" in element:
            active_ctx, _, type_scoped_ctx = self._prepare_nested_context(scoped, element, options)
        else:
            check_type_count(element)
            context_id = _frozen_id(scoped)
            types = tuple(
                (key, _type_values(value))
                for key, value in element.items()
                if self._kind(scoped, context_id, key, options) == "@type"
            )
            typing = (context_id, "typed", types)
            found: Any = _recall(typing)
            if found is _MISS:
                found = self._prepare_nested_context(scoped, element, options)[::2]
                self._remember(typing, found)
            active_ctx, type_scoped_ctx = found
        return self._properties(active_ctx, element, type_scoped_ctx, options, top)

    def _property_scoped(
        self, active_ctx: Any, active_property: Any, must_revert: bool, options: Any
    ) -> Any:
        property_scoped_ctx = self.get_context_value(active_ctx, active_property, "@context")
        if must_revert:
            active_ctx = self._revert_to_previous_context(active_ctx)
        if property_scoped_ctx is not None:
            active_ctx = self._process_context(
                active_ctx, property_scoped_ctx, options, override_protected=True
            )
        return active_ctx

    def _properties(
        self,
        active_ctx: Any,
        element: dict[str, Any],
        type_scoped_ctx: Any,
        options: Any,
        top: bool,
    ) -> dict[str, Any]:
        """pyld's _expand_object for the keys the walk knows: keys in sorted order, as pyld
        visits them, so that the values of two keys for one property merge in its order."""
        node: dict[str, Any] = {}
        context_id = _frozen_id(active_ctx)
        for key, value in sorted(element.items()) if len(element) > 1 else element.items():
            kind = self._kind(active_ctx, context_id, key, options)
            if top and key == "proof" and self._without_proof:
                # The proof a Data Integrity suite leaves out: walked, not kept. Only one
                # that JSON-LD reads as sec:proof (a graph) is separable from the rest.
                if kind != _PROOF_GRAPH:
                    raise _Undecided
                proof_ctx = self._term_context(active_ctx, key, options)
                for proof in value if isinstance(value, list) else [value]:
                    if not isinstance(proof, dict):
                        raise _Undecided
                    self._node(proof_ctx, key, proof, options)
            elif type(kind) is tuple:
                predicate, coercion = kind[0], kind[2]
                if coercion == _JSON_LITERAL:
                    items: list[Any] | None = [{"@type": _JSON_LITERAL, "@value": value}]
                else:
                    items = self._values(kind, key, value, options)
                if items is not None:
                    node.setdefault(predicate, []).extend(items)
            elif kind == "@id" and "@id" not in node and isinstance(value, str):
                node["@id"] = self._iri(active_ctx, value, options)
            elif kind == "@type" and "@type" not in node:
                node["@type"] = [
                    self._vocab_iri(type_scoped_ctx, type_, options)
                    for type_ in (value if isinstance(value, list) and value else [value])
                ]
            elif kind != _CONTEXT_KEY:
                raise _Undecided
        return node

    def _values(
        self, term: tuple[Any, ...], key: str, value: Any, options: Any
    ) -> list[Any] | None:
        """pyld's _expand for a property's value (not inside a list or an index map): the
        expanded items, or None for a null (the property is then left out)."""
        if value is None:
            return None
        if not isinstance(value, list):
            return [self._item(term, key, value, options)]
        items = []
        for item in budget.ticking(value) if len(value) >= budget.LONG else value:
            if isinstance(item, list):
                raise _Undecided
            if item is not None:
                items.append(self._item(term, key, item, options))
        return items

    def _item(self, term: tuple[Any, ...], key: str, value: Any, options: Any) -> Any:
        """One item of a property's value; `term` is what _describe gives for the property."""
        _predicate, term_ctx, coercion, language, direction = term
        if isinstance(value, dict):
            return self._node(term_ctx, key, value, options)
        # pyld's _expand_value, for a term that is not a keyword
        if isinstance(value, str):
            if coercion == "@id":
                return {"@id": self._iri(term_ctx, value, options)}
            if coercion == "@vocab":
                return {"@id": self._vocab_iri(term_ctx, value, options)}
        if coercion not in _NOT_TYPED:
            return {"@type": coercion, "@value": value}
        if isinstance(value, str):
            item = {"@value": value}
            if language is not None:
                item["@language"] = language
            if direction is not None:
                item["@direction"] = direction
            return item
        if value is True or value is False or type(value) in (int, float):
            return {"@value": value}
        raise _Undecided

    def _kind(self, active_ctx: Any, context_id: Any, key: str, options: Any) -> Any:
        """_describe(key), remembered for a frozen context (whose id is `context_id`)."""
        if context_id is None:
            return self._describe(active_ctx, key, options)
        kind = _peek_walk((context_id, key), _MISS)
        if kind is _MISS:
            kind = self._describe(active_ctx, key, options)
            self._remember((context_id, key), kind)
        return kind

    def _describe(self, active_ctx: Any, key: str, options: Any) -> Any:
        """What expanding `key` and its value in `active_ctx` involves: "@context", "@id",
        "@type", _PROOF_GRAPH, None (undecided), or, for a term: the property it expands to,
        the context its value is expanded in, the term's coercion (@type mapping, "@json" for
        a JSON literal), and the language and direction its strings take."""
        if key == "@context":
            return _CONTEXT_KEY
        expanded = self._expand_iri(active_ctx, key, vocab=True)
        if expanded is None:
            return None
        if jsonld._is_keyword(expanded):
            return expanded if expanded in ("@id", "@type") else None
        if not jsonld._is_absolute_iri(expanded):
            return None
        term_ctx = self._term_context(active_ctx, key, options)
        mapping = term_ctx["mappings"].get(key)
        if mapping and mapping.get("reverse"):
            return None
        container = self.get_context_value(active_ctx, key, "@container")
        if expanded == SEC_PROOF:
            return _PROOF_GRAPH if container in ("@graph", ["@graph"]) else None
        if not _plain_container(container):
            return None
        if self.get_context_value(active_ctx, key, "@type") == _JSON_LITERAL:
            return (expanded, term_ctx, _JSON_LITERAL, None, None)
        # The value is expanded in term_ctx: an array as a plain one, a string by the
        # term's coercion there, never as a keyword's value.
        if not _plain_container(
            self.get_context_value(term_ctx, key, "@container")
        ) or jsonld._is_keyword(self._expand_iri(term_ctx, key, vocab=True)):
            return None
        coercion = self.get_context_value(term_ctx, key, "@type")
        if coercion == _JSON_LITERAL:
            return None
        return (
            expanded,
            term_ctx,
            coercion,
            self.get_context_value(term_ctx, key, "@language"),
            self.get_context_value(term_ctx, key, "@direction"),
        )

    def _term_context(self, active_ctx: Any, key: str, options: Any) -> Any:
        scoped = self.get_context_value(active_ctx, key, "@context")
        if scoped is None:
            return active_ctx
        return self._process_context(
            active_ctx, scoped, options, propagate=True, override_protected=True
        )

    def _vocab_iri(self, active_ctx: Any, value: Any, options: Any) -> str:
        """A type, or a string of a @vocab term, expanded: it must be an absolute IRI (or a
        blank node)."""
        if not isinstance(value, str):
            raise _Undecided
        memo = (_frozen_id(active_ctx), "vocab", value)
        iri = _recall(memo)
        if iri is _MISS:
            iri = self._expand_iri(active_ctx, value, vocab=True, base=options["base"])
            if not _is_iri(iri):
                iri = None
            self._remember(memo, iri)
        if iri is None:
            raise _Undecided
        return iri  # type: ignore[no-any-return]

    def _iri(self, active_ctx: Any, value: str, options: Any) -> str:
        """An id (document data, never remembered): it must be absolute (or a blank node)."""
        iri = self._expand_iri(active_ctx, value, base=options["base"])
        if not _is_iri(iri):
            raise _Undecided
        return iri  # type: ignore[no-any-return]

    @staticmethod
    def _remember(memo: tuple[Any, ...], found: Any) -> None:
        """Keep what was found for a frozen context, when it holds only frozen contexts
        (pyld never changes those)."""
        if memo[0] is None:
            return
        items = found if isinstance(found, tuple) else (found,)
        if all(isinstance(item, frozendict) or not isinstance(item, dict) for item in items):
            WALK_MEMO[memo] = found


def _recall(memo: tuple[Any, ...]) -> Any:
    """What WALK_MEMO holds under `memo` (whose first item is a frozen context's id), or _MISS."""
    return _MISS if memo[0] is None else _peek_walk(memo, _MISS)


def _frozen_id(active_ctx: Any) -> Any:
    return active_ctx.get(CONTEXT_ID) if isinstance(active_ctx, frozendict) else None


def _is_iri(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or is_absolute_iri(iri))


def _type_values(value: Any) -> Any:
    """A node's @type value as a memo key: a string or a tuple of strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _Undecided


def _plain_container(container: Any) -> bool:
    """No container, or only @set (which changes nothing in expansion)."""
    if container is None:
        return True
    kinds = container if isinstance(container, list) else [container]
    return all(kind == "@set" for kind in kinds)


def walk_expansion(
    document: dict[str, Any],
    *,
    loader: Callable[..., dict[str, Any]],
    without_proof: bool = False,
) -> list[Any] | None:
    """pyld's expansion of `document` (with `without_proof`, of the document less its
    top-level `proof`, whose terms, ids and types must be sound too), computed by `_Walk`:
    exactly what pyld gives, and sound for the dropped-term check; None where only pyld can
    tell. Raises what pyld raises on a context it cannot process (the caller then expands)."""
    walk = _Walk(without_proof=without_proof)
    expand(document, with_processor=walk, loader=loader)
    return None if walk.expanded is None else [walk.expanded]


def expands_soundly(document: dict[str, Any], *, loader: Callable[..., dict[str, Any]]) -> bool:
    """True if expanding `document` certainly drops no property, raises nothing and gives
    only absolute (or blank node) ids and types; False if only expanding it can tell.
    Raises what pyld raises on a context it cannot process (the caller then expands)."""
    return walk_expansion(document, loader=loader) is not None


class _FineProcessor(Processor):
    """Processor that checks the budget at every JSON value, for large inputs only: an extra
    call per value is a few percent of a small credential's verification."""

    def _expand(self, *args: Any, **kwargs: Any) -> Any:
        budget.tick()
        return super()._expand(*args, **kwargs)

    def _object_to_rdf(self, *args: Any, **kwargs: Any) -> Any:
        budget.tick()
        return super()._object_to_rdf(*args, **kwargs)


class _FineTrackingProcessor(TrackingProcessor, _FineProcessor):
    """Tracks dropped properties and checks the budget at every value (large inputs)."""


def processor() -> Processor:
    """A processor for one expansion (checking the budget at every value of a large input)."""
    return _FineProcessor() if budget.fine_grained() else Processor()


def tracking_processor(dropped: list[Dropped]) -> TrackingProcessor:
    """A processor for one expansion that appends to `dropped` each property it drops."""
    if budget.fine_grained():
        return _FineTrackingProcessor(dropped)
    return TrackingProcessor(dropped)


class _Uncopied(dict):  # type: ignore[type-arg]
    """The document as pyld's expand() receives it: that method starts with a deep copy of its
    input (a third of a typical term check's time, and an uninterruptible second for a large
    document), which expansion never needs, since it builds new objects and only reads the
    input. The tests check that the caller's document is left as it was."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Uncopied:
        return self


def expand(
    document: dict[str, Any],
    *,
    with_processor: Processor,
    loader: Callable[..., dict[str, Any]],
) -> list[Any]:
    """The JSON-LD expansion of `document`, contexts from `loader` only. Raises what pyld
    raises (JsonLdError, and some KeyError, TypeError, ... on bad input)."""
    # base None keeps relative IRIs relative (dropped from RDF, as in other processors); pyld
    # resolves them against http://example.org/base/ when base is "".
    options = {"documentLoader": loader, "base": None}
    return with_processor.expand(_Uncopied(document), options)  # type: ignore[no-any-return]


def node_map_triples(
    expanded: list[Any], keep_graph: Callable[[str], bool]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """pyld's to_rdf on an already expanded document: (graph name, triple) for each triple
    of each graph `keep_graph` accepts ("@default" for the default graph). Triples are
    pyld's dicts: {"subject"|"predicate"|"object": {"type", "value", ["datatype"|"language"]}}."""
    with_processor = processor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    with_processor._create_node_map(expanded, node_map, "@default", issuer)
    for graph_name, graph in node_map.items():
        if graph_name != "@default" and not keep_graph(graph_name):
            continue
        for triple in with_processor._graph_to_rdf(graph, issuer, _RDF_OPTIONS):
            yield graph_name, triple


_LITERALS = jsonld.JsonLdProcessor()  # holds no per-call state


def literal_to_rdf(item: dict[str, Any]) -> dict[str, Any]:
    """pyld's RDF literal for a value object ({"value", "datatype"}): booleans and numbers
    in their XSD canonical lexical form."""
    converted: dict[str, Any] = _LITERALS._object_to_rdf(
        item, IdentifierIssuer("_:x"), [], _RDF_OPTIONS
    )
    return converted


def is_absolute_iri(iri: str) -> bool:
    return bool(jsonld._is_absolute_iri(iri))


def urdna2015_labels(nquads: str) -> dict[str, str]:
    """URDNA2015's canonical issuer over an N-Quads text: each blank node (`_:x`) -> its
    canonical identifier (`_:c14nN`)."""
    normalizer = URDNA2015()
    normalizer.main(parse_nquads(nquads), {})
    return dict(normalizer.canonical_issuer.existing)


__all__ = [
    "CHECKED_VERSION",
    "EXPANDED_IRIS",
    "MAX_TYPES_PER_NODE",
    "PROCESSED_CONTEXTS",
    "RELIED_ON",
    "Dropped",
    "Processor",
    "TrackingProcessor",
    "expand",
    "expands_soundly",
    "installed_version",
    "is_absolute_iri",
    "literal_to_rdf",
    "node_map_triples",
    "processor",
    "tracking_processor",
    "urdna2015_labels",
]
