"""JSON-LD -> canonical N-Quads (RDFC-1.0), and the check that no data is silently dropped.

pyld turns the document into an RDF dataset using only the vendored contexts (through
pyld_adapter, which holds every use of pyld's internals); pyoxigraph gives
the blank nodes their RDFC-1.0 canonical labels; the canonical N-Quads text is written here, so
its escaping follows the canonical form RDFC-1.0 prescribes (ECHAR for \\b \\t \\n \\f \\r \\" \\\\,
a \\u escape with four uppercase hex digits, such as \\u000B, for the other control
characters), lines in code point order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from . import budget, pyld_adapter
from .contexts import document_loader
from .errors import MalformedInput
from .limits import Limits
from .messages import N_, Message

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SEC_PROOF = pyld_adapter.SEC_PROOF

_ALGORITHMS = {
    "SHA256": ox.CanonicalizationAlgorithm.RDFC_1_0,
    "SHA384": ox.CanonicalizationAlgorithm.RDFC_1_0_SHA_384,
}

_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_ESCAPE_TABLE = {
    code: _ESCAPES.get(chr(code), f"\\u{code:04X}") for code in [*range(0x20), 0x22, 0x5C, 0x7F]
}


# ---------------------------------------------------------------------------------------------
# Public entry points


class CanonCache(MutableMapping[str, str]):
    """The canonical-form cache as one verification sees it.

    Entries (canonical N-Quads, term-check verdicts) go to `shared`, the caller's cache, keyed
    by content, so they may serve later verifications. Two things must not outlive this one
    verification and stay here: the content key of each document object already hashed (a
    document is not changed while it is being verified, and is kept referenced so that its id
    cannot be reused), and the expansion of a credential without its proof, which the term
    check derives from its own expansion so that the proof check need not expand again.
    """

    def __init__(self, shared: MutableMapping[str, str] | None = None) -> None:
        self.shared: MutableMapping[str, str] = shared if shared is not None else {}
        self._keys: dict[int, tuple[Any, str]] = {}
        self.expansions: dict[str, list[Any]] = {}

    def content_key(self, document: dict[str, Any]) -> str:
        known = self._keys.get(id(document))
        if known is not None and known[0] is document:
            return known[1]
        key = _cache_key(document)
        self._keys[id(document)] = (document, key)
        return key

    def known_key(self, document: dict[str, Any]) -> str | None:
        """The document's content key if this verification has computed it, else None."""
        known = self._keys.get(id(document))
        return known[1] if known is not None and known[0] is document else None

    def remember(self, document: dict[str, Any], source: bytes) -> None:
        """Key `document` by the bytes it was parsed from: parsing is deterministic, so they
        identify its content as well as its sorted JSON does, and hash several times faster.
        (The same credential arriving as other bytes only misses the cache.)"""
        budget.refine(len(source))
        key = "bytes-" + hashlib.sha256(source).hexdigest()
        self._keys[id(document)] = (document, key)

    def __getitem__(self, key: str) -> str:
        return self.shared[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.shared[key] = value

    def __delitem__(self, key: str) -> None:
        del self.shared[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.shared)

    def __len__(self) -> int:
        return len(self.shared)


def content_key(document: dict[str, Any], cache: MutableMapping[str, str] | None = None) -> str:
    """A key that determines the document's content, which the cache keys derive from.

    The SHA-256 of its sorted-key JSON: JSON-LD expansion visits keys in sorted order, so the
    canonical form and the term check's verdict are functions of this text, and a reordered
    document hits the same entries. Within a verification, a document parsed from bytes is
    keyed by the bytes instead (CanonCache.remember).
    """
    if isinstance(cache, CanonCache):
        return cache.content_key(document)
    return _cache_key(document)


def canonize(
    document: dict[str, Any],
    *,
    cache: MutableMapping[str, str] | None = None,
    limits: Limits | None = None,
    key: str | None = None,
) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (contexts from the vendored set).

    With `cache`, the result is stored under the SHA-256 of the document's sorted-key JSON, so
    a document seen before (an embedded credential verified twice, a re-verification) costs a
    hash. A caller that already knows a key which determines the document's content may pass
    it as `key`. Raises UnknownContext for a context outside the vendored set, MalformedInput
    for anything JSON-LD or RDF cannot process.
    """
    if cache is not None:
        if key is None:
            key = content_key(document, cache)
        if key in cache:
            return cache[key]
    result = _canonical_form(_walked_or_expanded(document), limits or Limits())
    if cache is not None and key is not None:
        cache[key] = result
    return result


def canonize_without_proof(
    document: dict[str, Any],
    *,
    cache: MutableMapping[str, str] | None = None,
    limits: Limits | None = None,
) -> str:
    """canonize() of the document less its `proof`: what a Data Integrity proof signs.

    Cached under the whole document's content key, which a verification has already computed
    for the term check; the term check may also have left the expansion to start from.
    """
    if not isinstance(document, dict):
        raise MalformedInput(N_("A JSON-LD document must be a JSON object."), code="jsonld.invalid")
    key = f"without-proof:{content_key(document, cache)}" if cache is not None else ""
    if cache is not None and key in cache:
        return cache[key]
    expanded = cache.expansions.pop(key, None) if isinstance(cache, CanonCache) else None
    if expanded is None:
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        expanded = _walked_or_expanded(unsecured)
    result = _canonical_form(expanded, limits or Limits())
    if cache is not None:
        cache[key] = result
    return result


def canonicalize_nquads(
    nquads: str, *, hash_algorithm: str = "SHA256", limits: Limits | None = None
) -> str:
    """RDFC-1.0 canonical form of an N-Quads document (the W3C rdf-canon suite's entry point)."""
    try:
        quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise MalformedInput(N_("The N-Quads input cannot be parsed."), code="rdf.syntax") from exc
    if hash_algorithm not in _ALGORITHMS:
        raise MalformedInput(
            Message("Unknown RDFC-1.0 hash %(hash_algorithm)s", hash_algorithm=hash_algorithm),
            code="rdf.hash",
        )
    limits = limits or Limits()
    try:
        lines = {_quad_strings(quad) for quad in quads}
        simple = _rdfc_unique_hashes(lines, limits, hash_algorithm)
    except (MalformedInput, UnicodeEncodeError):
        simple = None
    return simple if simple is not None else _canonicalize(quads, limits, hash_algorithm)


def check_no_dropped_terms(
    document: dict[str, Any], *, cache: MutableMapping[str, str] | None = None
) -> None:
    """Raise MalformedInput (code "jsonld.undefined_term") if JSON-LD would drop part of it.

    A property whose name the contexts do not define (and no @vocab catches), a property that
    expands to a relative IRI, a type that stays a relative IRI, or a node whose id is a relative
    IRI never reaches the RDF that the proof signs: such data would be shown to a person without
    being protected. The first finding is reported with its path. `proof` values are left to
    the proof checks. One JSON-LD expansion serves every check.

    With `cache`, a document found sound is remembered by its content key; with a CanonCache,
    the expansion less the proof is kept for canonize_without_proof.

    Each document is first walked (pyld_adapter.walk_expansion, several times faster than
    pyld's expansion, giving the same result): a document the walk vouches for is sound, and
    its expansion less the proof is what the walk gives. Only what the walk leaves undecided
    is expanded by pyld, which reports what it finds.
    """
    if isinstance(document, dict) and "proof" not in document and _walks_soundly(document):
        return
    key = content_key(document, cache) if cache is not None and isinstance(document, dict) else ""
    if cache is not None and f"terms-defined:{key}" in cache:
        return
    if isinstance(document, dict):
        walked = _walked(document, without_proof=True)
        if walked is not None:
            if cache is not None:
                cache[f"terms-defined:{key}"] = "ok"
                if isinstance(cache, CanonCache) and f"without-proof:{key}" not in cache:
                    cache.expansions[f"without-proof:{key}"] = walked
            return
    dropped: list[pyld_adapter.Dropped] = []
    processor = pyld_adapter.tracking_processor(dropped)
    expanded = _expand(document, on_drop=dropped, processor=processor)
    if dropped:
        term, names = dropped[0]
        raise _undefined(term, _join(names), Message("is not defined by the credential's contexts"))
    _check_expanded_iris(expanded, (), budget.tick if budget.fine_grained() else None)
    if cache is None:
        return
    cache[f"terms-defined:{key}"] = "ok"
    # Kept only for a document with a proof to check (a VC-JWT's claims have none).
    if isinstance(cache, CanonCache) and "proof" in document:
        without = None if f"without-proof:{key}" in cache else processor.without_proof(expanded)
        if without is not None:
            cache.expansions[f"without-proof:{key}"] = without


def _walks_soundly(document: dict[str, Any]) -> bool:
    try:
        return pyld_adapter.expands_soundly(document, loader=document_loader)
    except Exception:  # the expansion that follows reports it as it always has
        return False


def _walked(document: dict[str, Any], *, without_proof: bool = False) -> list[Any] | None:
    """pyld_adapter.walk_expansion, or None where the walk cannot tell (pyld then expands)."""
    try:
        return pyld_adapter.walk_expansion(
            document, loader=document_loader, without_proof=without_proof
        )
    except Exception:  # the expansion that follows reports it as it always has
        return None


def _walked_or_expanded(document: dict[str, Any]) -> list[Any]:
    """The expansion of `document`: the walk's where it can tell, else pyld's."""
    if isinstance(document, dict):
        walked = _walked(document)
        if walked is not None:
            return walked
    return _expand(document, on_drop=None)


def expand(document: dict[str, Any]) -> list[Any]:
    """The JSON-LD expansion of `document` (contexts from the vendored set only)."""
    return _expand(document, on_drop=None)


def quads_of(expanded: list[Any]) -> set[Quad]:
    """The RDF dataset of an expanded document, as N-Quads terms (blank nodes as `_:label`).

    Labels are local to this dataset; `canonical_labels` gives their RDFC-1.0 names.
    """
    try:
        return _DirectRdf().dataset(expanded)
    except (_NotDirect, UnicodeEncodeError):
        return {_quad_strings(quad) for quad in _expanded_to_quads(expanded)}


def canonical_labels(quads: set[Quad], *, limits: Limits | None = None) -> dict[str, str]:
    """RDFC-1.0's canonical issuer: each blank node of `quads` (`_:x`) -> its label (`c14nN`).

    The selective disclosure suite needs the map itself, not only the relabelled text: it
    renames canonical labels once more with the issuer's HMAC.
    """
    limits = limits or Limits()
    labels = _unique_hash_labels(quads, limits, "SHA256")
    if labels is not None:
        return labels
    text = "".join(_line(quad, str) for quad in quads)
    _check_complexity(list(ox.parse(text, format=ox.RdfFormat.N_QUADS)), limits)
    budget.checkpoint()
    issued = pyld_adapter.urdna2015_labels(text)
    budget.checkpoint()
    return {old: new[2:] for old, new in issued.items()}


def quad_line(quad: Quad, rename: Callable[[str], str]) -> str:
    """One N-Quads line (with its newline), blank nodes renamed by `rename("_:x")`."""
    return _line(quad, rename)


# ---------------------------------------------------------------------------------------------
# JSON-LD expansion


def _expand(
    document: dict[str, Any],
    *,
    on_drop: list[pyld_adapter.Dropped] | None,
    processor: pyld_adapter.Processor | None = None,
) -> list[Any]:
    if not isinstance(document, dict):
        raise MalformedInput(N_("A JSON-LD document must be a JSON object."), code="jsonld.invalid")
    if processor is None:
        processor = (
            pyld_adapter.processor()
            if on_drop is None
            else pyld_adapter.tracking_processor(on_drop)
        )
    try:
        return pyld_adapter.expand(document, with_processor=processor, loader=document_loader)
    except RecursionError as exc:
        raise MalformedInput(
            N_("The document is nested too deeply."), code="jsonld.invalid"
        ) from exc
    except Exception as exc:
        # pyld reports most bad input as JsonLdError, but some as KeyError, TypeError, ...
        raise _translate(exc) from exc


def _translate(exc: BaseException) -> MalformedInput:
    # pyld wraps our own findings (the loader's UnknownContext, a refusal from the adapter) in
    # its own errors, sometimes several deep.
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        if isinstance(seen, MalformedInput):
            return seen
        visited.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    return MalformedInput(
        N_("The credential is not valid JSON-LD."), code="jsonld.invalid", detail=str(message)
    )


def _check_expanded_iris(
    expanded: Any, path: tuple[str, ...], tick: Callable[[], None] | None
) -> None:
    """`tick` (a large document only) checks the budget at every node."""
    if isinstance(expanded, list):
        for item in expanded:
            _check_expanded_iris(item, path, tick)
        return
    if not isinstance(expanded, dict):
        return
    if tick is not None:
        tick()
    # Value objects are left alone: pyld itself rejects a relative datatype, and an @json
    # value is data, not terms.
    if "@value" in expanded:
        return
    node_id = expanded.get("@id")
    if isinstance(node_id, str) and not _is_absolute_or_blank(node_id):
        raise _undefined(node_id, _join(path), Message("is a relative IRI used as an id"))
    for type_ in expanded.get("@type", ()):
        if not isinstance(type_, str):  # pyld keeps a null beside other types ("@type": null)
            raise MalformedInput(
                N_("The credential is not valid JSON-LD."),
                code="jsonld.invalid",
                detail=f"a type that is not a string at {_join(path)}",
            )
        if not _is_absolute_or_blank(type_):
            raise _undefined(
                type_, _join(path), Message("is a type the credential's contexts do not define")
            )
    for key, value in expanded.items():
        if key in ("@id", "@type", SEC_PROOF):
            continue
        _check_expanded_iris(value, path if key.startswith("@") else (*path, _short(key)), tick)


def _is_absolute_or_blank(iri: str) -> bool:
    return iri.startswith("_:") or pyld_adapter.is_absolute_iri(iri)


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def _join(parts: Iterable[str]) -> str:
    return ".".join(part for part in parts if part) or "(top level)"


def _undefined(term: str, path: str, why: str) -> MalformedInput:
    return MalformedInput(
        Message(
            "'%(term)s' %(why)s: JSON-LD would drop it, so the proof does not protect it.",
            term=term,
            why=why,
        ),
        code="jsonld.undefined_term",
        detail=f"term {term!r} at {path}",
    )


# ---------------------------------------------------------------------------------------------
# RDF


def _canonical_form(expanded: list[Any], limits: Limits) -> str:
    """Canonical N-Quads of an expanded document.

    Credentials take the direct route: RDF written straight from the expanded tree, and
    RDFC-1.0 finished in its first-degree step when every blank node's hash is unique (any
    tree of anonymous objects that differ); otherwise pyoxigraph canonicalizes those quads.
    Input the direct route does not cover goes the general way (pyld's node map, then
    pyoxigraph), which also produces every error message, so both give the same text or the
    same error.
    """
    try:
        quads = _DirectRdf().dataset(expanded)
        simple = _rdfc_unique_hashes(quads, limits, "SHA256")
        if simple is not None:
            return simple
        parsed = list(ox.parse("".join(_line(q, str) for q in quads), format=ox.RdfFormat.N_QUADS))
    except (_NotDirect, UnicodeEncodeError, SyntaxError):
        parsed = None
    if parsed is not None:
        return _canonicalize(parsed, limits, "SHA256")
    return _canonicalize(_expanded_to_quads(expanded), limits, "SHA256")


def _ticking_lists(node: dict[str, Any]) -> dict[str, Any]:
    """`node` whose long lists tick the budget as they are walked (a large document only)."""
    budget.tick()
    return {
        key: budget.ticking(values) if key != "@id" and len(values) >= budget.LONG else values
        for key, values in node.items()
    }


class _NotDirect(Exception):
    """Input the direct route leaves to the general one."""


# pyld's test for an absolute IRI, so that the same IRIs are left out as relative.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_RDF_TYPE = f"<{RDF}type>"
_RDF_FIRST = f"<{RDF}first>"
_RDF_REST = f"<{RDF}rest>"
_RDF_NIL = f"<{RDF}nil>"
_DATATYPES_LEFT_TO_PYLD = frozenset(
    {XSD_DOUBLE, "@json", f"{RDF}langString", f"{RDF}dirLangString", f"{RDF}JSON"}
)
# A quad as its N-Quads terms (subject, predicate, object, graph; "" is the default graph);
# blank nodes are "_:" + a label, IRIs "<...>", literals '"..."'.
Quad = tuple[str, str, str, str]


@lru_cache(maxsize=8192)
def _iri(value: str) -> str | None:
    """`<value>`, or None for a relative IRI (JSON-LD to RDF leaves those triples out)."""
    if not _ABSOLUTE_IRI.match(value):
        return None
    try:
        ox.NamedNode(value)
    except ValueError as exc:  # the general route reports it
        raise _NotDirect from exc
    return f"<{value}>"


@lru_cache(maxsize=256)
def _language(tag: str) -> str:
    try:  # pyoxigraph validates the tag and lowercases it; the output must match it
        return ox.Literal("", language=tag).language or ""
    except ValueError as exc:
        raise _NotDirect from exc


class _DirectRdf:
    """JSON-LD to RDF (JSON-LD 1.1 API §8.2) for nodes, values, lists and named graphs.

    The node map pyld builds first only merges nodes that share an id (within a graph);
    writing each node's quads as it is met and keeping them in a set gives the same dataset.
    Reverse properties, @included, @index, directions, JSON literals and blank node types or
    predicates raise _NotDirect.

    `graph` is the graph a node's quads go to: "" for the default graph, a term for a named
    one, None for a graph named by a relative IRI, which JSON-LD to RDF leaves out.
    """

    def __init__(self) -> None:
        # A large document checks the budget at every node and item of a long list.
        self._fine = budget.fine_grained()
        self._quads: set[Quad] = set()
        self._labels: dict[str, str] = {}
        self._count = 0

    def dataset(self, expanded: list[Any]) -> set[Quad]:
        self._nodes(expanded, "")
        return self._quads

    def _nodes(self, items: list[Any], graph: str | None) -> None:
        for item in items:
            if not isinstance(item, dict) or "@value" in item or "@list" in item:
                raise _NotDirect
            self._node(item, graph)

    def _node(self, node: dict[str, Any], graph: str | None) -> str | None:
        if self._fine:
            node = _ticking_lists(node)
        subject = self._subject(node.get("@id"))
        # Quads are written only for a subject and graph that RDF keeps.
        emit = subject is not None and graph is not None
        at, into = (subject, graph) if subject is not None and graph is not None else ("", "")
        add = self._quads.add
        for key, values in node.items():
            if key == "@id":
                continue
            if key == "@type":
                for type_ in values:
                    if not isinstance(type_, str) or type_.startswith("_:"):
                        raise _NotDirect
                    type_iri = _iri(type_)
                    if emit and type_iri is not None:
                        add((at, _RDF_TYPE, type_iri, into))
                continue
            if key == "@graph":
                self._nodes(values, subject)
                continue
            if key.startswith(("@", "_:")):
                raise _NotDirect
            predicate = _iri(key)
            if predicate is None:
                raise _NotDirect
            for value in values:
                if not emit and isinstance(value, dict) and "@list" in value:
                    # pyld writes no list for a triple it leaves out, only the nodes in it
                    self._list_members(value, graph)
                    continue
                term = self._object(value, graph)
                if emit and term is not None:
                    add((at, predicate, term, into))
        return subject

    def _subject(self, node_id: Any) -> str | None:
        if node_id is None:
            return self._new_blank()
        if not isinstance(node_id, str):
            raise _NotDirect
        if node_id.startswith("_:"):
            label = self._labels.get(node_id)
            if label is None:
                label = self._labels[node_id] = self._new_blank()
            return label
        return _iri(node_id)

    def _new_blank(self) -> str:
        self._count += 1
        return f"_:n{self._count}"

    def _object(self, value: Any, graph: str | None) -> str | None:
        if not isinstance(value, dict):
            raise _NotDirect
        if "@value" in value:
            return self._literal(value)
        if "@list" in value:
            return self._list(value, graph)
        return self._node(value, graph)

    def _list_members(self, value: dict[str, Any], graph: str | None) -> None:
        if len(value) != 1:
            raise _NotDirect
        for item in value["@list"]:
            if isinstance(item, dict) and "@list" in item:
                self._list_members(item, graph)
            elif isinstance(item, dict) and "@value" not in item:
                self._node(item, graph)

    def _list(self, value: dict[str, Any], graph: str | None) -> str:
        if len(value) != 1 or graph is None:
            raise _NotDirect
        items = value["@list"]
        if not items:
            return _RDF_NIL
        head = node = self._new_blank()
        for index, item in enumerate(budget.ticking(items) if self._fine else items):
            term = self._object(item, graph)
            if term is None:  # pyld fails on a relative IRI in a list; let it say so
                raise _NotDirect
            following = self._new_blank() if index + 1 < len(items) else _RDF_NIL
            self._quads.add((node, _RDF_FIRST, term, graph))
            self._quads.add((node, _RDF_REST, following, graph))
            node = following
        return head

    def _literal(self, item: dict[str, Any]) -> str:
        if not item.keys() <= {"@value", "@type", "@language"}:
            raise _NotDirect
        value, datatype, language = item["@value"], item.get("@type"), item.get("@language")
        if datatype in _DATATYPES_LEFT_TO_PYLD or (
            datatype is not None and not isinstance(datatype, str)
        ):
            raise _NotDirect
        if not isinstance(value, str):
            # Booleans and numbers take their XSD canonical lexical form as pyld writes it.
            converted = pyld_adapter.literal_to_rdf(item)
            value, datatype = converted["value"], converted["datatype"]
            if not isinstance(value, str):
                raise _NotDirect
        text = '"' + value.translate(_ESCAPE_TABLE) + '"'
        if language is not None:
            if not isinstance(language, str) or not language or datatype is not None:
                raise _NotDirect
            return f"{text}@{_language(language)}"
        if datatype is None or datatype == XSD_STRING:
            return text
        datatype_iri = _iri(datatype)
        if datatype_iri is None:
            raise _NotDirect
        return f"{text}^^{datatype_iri}"


def _quad_strings(quad: ox.Quad) -> Quad:
    graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else _serialize(quad.graph_name)
    return (_serialize(quad.subject), _serialize(quad.predicate), _serialize(quad.object), graph)


def _rdfc_unique_hashes(quads: set[Quad], limits: Limits, hash_algorithm: str) -> str | None:
    """RDFC-1.0 (§4.4.3) when step 5 labels every blank node; None when some share a hash.

    The output is the lines relabelled by `_unique_hash_labels`, in code point order.
    """
    labels = _unique_hash_labels(quads, limits, hash_algorithm)
    if labels is None:
        return None
    canonical = {label: f"_:{name}" for label, name in labels.items()}
    return "".join(sorted(_line(quad, canonical.__getitem__) for quad in quads))


def _unique_hash_labels(
    quads: set[Quad], limits: Limits, hash_algorithm: str
) -> dict[str, str] | None:
    """Blank node -> canonical label (`c14nN`) when RDFC-1.0 step 5 labels every blank node.

    Each blank node's first-degree hash (§4.6) is the hash of its quads' sorted lines with
    itself as _:a and every other blank node as _:z; labels c14n0, c14n1, ... follow the
    hashes in code point order. None when two hashes are equal.
    """
    mentions: dict[str, list[Quad]] = defaultdict(list)
    for quad in quads if len(quads) < budget.LONG else budget.ticking(quads):
        subject, _, obj, graph = quad
        if subject[0] == "_":
            mentions[subject].append(quad)
        if obj[0] == "_" and obj != subject:
            mentions[obj].append(quad)
        if graph and graph[0] == "_" and graph not in (subject, obj):
            mentions[graph].append(quad)
    if len(mentions) > limits.max_blank_nodes:
        raise _too_many_blank_nodes(len(mentions), limits)
    by_hash: dict[str, str] = {}
    name = hash_algorithm.lower()
    for label, found in mentions.items():
        budget.tick()
        lines = sorted(_line(quad, _masked_but(label)) for quad in found)
        digest = hashlib.new(name, "".join(lines).encode("utf-8")).hexdigest()
        if digest in by_hash:
            return None
        by_hash[digest] = label
    return {by_hash[digest]: f"c14n{n}" for n, digest in enumerate(sorted(by_hash))}


def _masked_but(label: str) -> Callable[[str], str]:
    """First-degree hashing's renaming: `label` is _:a, every other blank node _:z."""
    return lambda node: "_:a" if node == label else "_:z"


def _line(quad: Quad, rename: Callable[[str], str]) -> str:
    subject, predicate, obj, graph = quad
    if subject[0] == "_":
        subject = rename(subject)
    if obj[0] == "_":
        obj = rename(obj)
    if not graph:
        return f"{subject} {predicate} {obj} .\n"
    if graph[0] == "_":
        graph = rename(graph)
    return f"{subject} {predicate} {obj} {graph} .\n"


def _expanded_to_quads(expanded: list[Any]) -> list[ox.Quad]:
    # Same steps as pyld's to_rdf, without expanding a second time.
    budget.checkpoint()
    _check_value_counts(expanded)
    try:
        quads = [
            ox.Quad(
                _node_term(triple["subject"]),
                ox.NamedNode(triple["predicate"]["value"]),  # no generalized RDF: an IRI
                _term(triple["object"]),
                _graph_term(graph_name),
            )
            for graph_name, triple in pyld_adapter.node_map_triples(expanded, _is_absolute_or_blank)
        ]
    except ValueError as exc:
        raise MalformedInput(
            N_("The credential contains an IRI or language tag RDF does not accept."),
            code="rdf.invalid_term",
            detail=str(exc),
        ) from exc
    except Exception as exc:
        raise _translate(exc) from exc
    return quads


# pyld's node map compares each value of a property with every one before it: quadratic.
MAX_VALUES_OF_ONE_PROPERTY = 1000


def _check_value_counts(expanded: Any) -> None:
    """Refuse, before pyld's node map, a property with more values than it handles quickly
    (the direct route, which every credential seen takes, has no such limit)."""
    pending = [expanded]
    while pending:
        budget.tick()
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            if len(value) > MAX_VALUES_OF_ONE_PROPERTY:
                raise MalformedInput(
                    Message(
                        "A property of the credential has %(count)s values; at most "
                        "%(max_values_of_one_property)s can be put in canonical form here.",
                        count=len(value),
                        max_values_of_one_property=MAX_VALUES_OF_ONE_PROPERTY,
                    ),
                    code="rdf.too_many_values",
                )
            pending.extend(value)


def _graph_term(name: str) -> ox.DefaultGraph | ox.NamedNode | ox.BlankNode:
    if name == "@default":
        return ox.DefaultGraph()
    return ox.BlankNode(name[2:]) if name.startswith("_:") else ox.NamedNode(name)


def _node_term(term: dict[str, str]) -> ox.NamedNode | ox.BlankNode:
    if term["type"] == "blank node":
        return ox.BlankNode(term["value"][2:])
    return ox.NamedNode(term["value"])


def _term(term: dict[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if term["type"] in ("IRI", "blank node"):
        return _node_term(term)
    if term.get("language"):
        return ox.Literal(term["value"], language=term["language"])
    return ox.Literal(term["value"], datatype=ox.NamedNode(term.get("datatype") or XSD_STRING))


def _canonicalize(quads: list[ox.Quad], limits: Limits, hash_algorithm: str) -> str:
    _check_complexity(quads, limits)
    budget.checkpoint()
    dataset = ox.Dataset(quads)
    # Native and uninterruptible; _check_complexity has bounded its work.
    dataset.canonicalize(_ALGORITHMS[hash_algorithm])
    budget.checkpoint()
    lines = sorted(_nquad(quad) for quad in dataset)
    return "".join(lines)


def _check_complexity(quads: list[ox.Quad], limits: Limits) -> None:
    """Refuse datasets built to make RDFC-1.0 run for ever ("dataset poisoning").

    pyoxigraph canonicalizes in native code that nothing can interrupt, so what goes in must
    be known to be cheap. Blank nodes with a unique first-degree hash are labelled at once;
    only those that first-degree hashing cannot tell apart reach Hash N-Degree Quads, whose
    work depends on how they connect: each call explores its node's connected symmetric
    nodes, once per permutation of each group of look-alike neighbours, on a copy of the
    issuer. `_NDegreeWork` counts that work on the shape alone (the algorithm's recursion
    and permutations, without hashing) and gives up past MAX_CANON_WORK, so the count is
    cheap too. Credentials whose anonymous objects all differ never reach it.
    """
    mentions: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        budget.tick()
        for label in {t.value for _, t in _positions(quad) if isinstance(t, ox.BlankNode)}:
            mentions[label].append(quad)
    if len(mentions) > limits.max_blank_nodes:
        raise _too_many_blank_nodes(len(mentions), limits)
    signature = {label: _first_degree(label, found) for label, found in mentions.items()}
    class_size = Counter(signature.values())
    shared = {label for label, sig in signature.items() if class_size[sig] > 1}
    if not shared:
        return
    related: dict[str, list[tuple[tuple[str, str, str], str]]] = defaultdict(list)
    for label in shared:
        budget.tick()
        for quad in mentions[label]:
            for position, term in _positions(quad):
                if isinstance(term, ox.BlankNode) and term.value != label and term.value in shared:
                    key = (position, quad.predicate.value, signature[term.value])
                    related[label].append((key, term.value))
    try:
        _NDegreeWork(related).count(sorted(shared))
    except _TooComplex as exc:
        raise MalformedInput(
            N_("The credential's anonymous parts are too alike to put in canonical order safely."),
            code="rdf.too_complex",
            detail=f"Hash N-Degree Quads over {len(shared)} look-alike blank nodes: {exc}",
        ) from None


# Units of work (a Hash N-Degree Quads call, one issuer entry copied) allowed before RDFC-1.0
# runs. Measured with pyoxigraph 0.5 on 2 cores: a run at the limit (a chain of about 60
# look-alike blank nodes) takes about 0.05 s, and so does counting a refused one.
MAX_CANON_WORK = 400_000
# Deeper recursion than this is refused without counting further (it also keeps Python's own
# stack far from its limit).
MAX_CANON_DEPTH = 200


class _TooComplex(Exception):
    """The dataset needs more canonicalization work than MAX_CANON_WORK allows."""


class _NDegreeWork:
    """The work RDFC-1.0's Hash N-Degree Quads (§4.8) would do on look-alike blank nodes.

    The recursion is the algorithm's: for each group of related nodes that look alike from
    the node at hand, every permutation; in each, the nodes not yet issued are issued on a
    copy of the issuer and explored in turn. Hashes are not computed, so no permutation is
    pruned: the count is an upper bound, which stops at MAX_CANON_WORK.
    """

    def __init__(self, related: dict[str, list[tuple[tuple[str, str, str], str]]]) -> None:
        self.related = related
        self.left = MAX_CANON_WORK

    def count(self, nodes: list[str]) -> None:
        for node in nodes:
            self._hash_n_degree(node, frozenset((node,)), 0)

    def _spend(self, units: int) -> None:
        self.left -= units
        budget.tick()
        if self.left < 0:
            raise _TooComplex(f"more than {MAX_CANON_WORK} units of work")

    def _hash_n_degree(self, node: str, issued: frozenset[str], depth: int) -> frozenset[str]:
        if depth > MAX_CANON_DEPTH:
            raise _TooComplex(f"recursion deeper than {MAX_CANON_DEPTH}")
        self._spend(1 + len(issued))
        groups: dict[Any, list[str]] = defaultdict(list)
        for key, other in self.related.get(node, ()):
            groups[("issued", other) if other in issued else key].append(other)
        for members in groups.values():
            if len(members) > 12:  # 13! permutations: refused without multiplying it out
                raise _TooComplex(f"{len(members)} look-alike neighbours of one node")
            self._spend(math.factorial(len(members)) * (len(issued) + len(members)))
            chosen = None
            for order in itertools.permutations(members):
                copy = set(issued)
                recursion = []
                for other in order:
                    if other not in copy:
                        copy.add(other)
                        recursion.append(other)
                explored = frozenset(copy)
                for other in recursion:
                    explored = self._hash_n_degree(other, explored, depth + 1)
                if chosen is None:
                    chosen = explored
            issued = chosen or issued
        return issued


def _too_many_blank_nodes(count: int, limits: Limits) -> MalformedInput:
    return MalformedInput(
        Message(
            "The credential has %(count)s blank nodes (limit %(max_blank_nodes)s).",
            count=count,
            max_blank_nodes=limits.max_blank_nodes,
        ),
        code="rdf.too_many_blank_nodes",
    )


def _positions(quad: ox.Quad) -> tuple[tuple[str, Any], ...]:
    return (("s", quad.subject), ("o", quad.object), ("g", quad.graph_name))


def _first_degree(label: str, quads: list[ox.Quad]) -> str:
    # Equal first-degree hashes in RDFC-1.0 <=> equal sorted quads with self/other masked.
    budget.tick()

    def mask(term: Any) -> str:
        if isinstance(term, ox.BlankNode):
            return "_:a" if term.value == label else "_:z"
        return str(term)

    return "\n".join(
        sorted(" ".join(mask(t) for _, t in _positions(q)) + q.predicate.value for q in quads)
    )


def _nquad(quad: ox.Quad) -> str:
    parts = [_serialize(quad.subject), _serialize(quad.predicate), _serialize(quad.object)]
    if not isinstance(quad.graph_name, ox.DefaultGraph):
        parts.append(_serialize(quad.graph_name))
    return " ".join(parts) + " .\n"


def _serialize(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        text = '"' + term.value.translate(_ESCAPE_TABLE) + '"'
        if term.language:
            direction = getattr(term, "direction", None)
            suffix = f"--{direction.value}" if direction is not None else ""
            return f"{text}@{term.language}{suffix}"
        if term.datatype.value != XSD_STRING:
            return f"{text}^^<{term.datatype.value}>"
        return text
    raise MalformedInput(N_("RDF-star terms are not supported."), code="rdf.unsupported_term")


def _cache_key(document: dict[str, Any]) -> str:
    try:
        encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise MalformedInput(N_("The document is not plain JSON."), code="jsonld.invalid") from exc
    budget.refine(len(encoded))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


__all__ = [
    "CanonCache",
    "canonical_labels",
    "canonicalize_nquads",
    "canonize",
    "canonize_without_proof",
    "check_no_dropped_terms",
    "content_key",
    "expand",
    "quad_line",
    "quads_of",
]
