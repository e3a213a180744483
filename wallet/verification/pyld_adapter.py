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
    ),
    "pyld.jsonld": ("_is_absolute_iri",),
    "pyld.canon.URDNA2015 instance": ("canonical_issuer",),
    "pyld.identifier_issuer.IdentifierIssuer instance": ("existing",),
}
# `_expand_object` calls on_property_dropped(expanded_property) inside its loop over the
# element's items, whose loop variable is named `key`: the dropped property's compact name.
DROPPED_KEY_LOCAL = "key"
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
    "installed_version",
    "is_absolute_iri",
    "literal_to_rdf",
    "node_map_triples",
    "processor",
    "tracking_processor",
    "urdna2015_labels",
]
