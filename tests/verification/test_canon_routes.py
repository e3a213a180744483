"""The fast routes through canonicalization give exactly what the general route gives.

canon.py writes RDF straight from the expanded tree and finishes RDFC-1.0 at its first-degree
step when it can, and derives the expansion of a credential less its proof from the term
check's expansion. These tests hold each shortcut to the general route (pyld's node map and
pyoxigraph; a separate expansion) on the vendored vectors and on generated documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet.verification import canon, pyld_adapter
from wallet.verification.canon import CanonCache, canonize, canonize_without_proof
from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits
from wallet.verification.rdfcanon_suite import EVAL, load_tests

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
V2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _vector_documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(VECTORS.rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(document, dict) and "@context" in document:
            found.append((str(path.relative_to(VECTORS)), document))
    return found


VECTOR_DOCUMENTS = _vector_documents()


def _general(expanded: list[Any]) -> str:
    return canon._canonicalize(canon._expanded_to_quads(expanded), Limits(), "SHA256")


def _direct(expanded: list[Any]) -> str | None:
    try:
        quads = canon._DirectRdf().dataset(expanded)
    except canon._NotDirect:
        return None
    return canon._rdfc_unique_hashes(quads, Limits(), "SHA256")


def _outcome(run: Any) -> tuple[str, str]:
    try:
        return ("text", run())
    except MalformedInput as exc:
        return ("error", exc.code)


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


# --- the direct RDF route ------------------------------------------------------------------


def test_the_vectors_take_the_direct_route_and_it_matches_the_general_one() -> None:
    direct = with_graphs = 0
    for name, document in VECTOR_DOCUMENTS:
        # Signed as they are, the proofs sit in named graphs.
        for variant in (document, _without_proof(document)):
            try:
                expanded = canon._expand(variant, on_drop=None)
            except MalformedInput:
                continue
            text = _direct(expanded)
            if text is not None:
                direct += 1
                with_graphs += any(quad[3] for quad in canon._DirectRdf().dataset(expanded))
                assert text == _general(expanded), name
    assert direct >= 20
    assert with_graphs >= 5


def test_the_first_degree_route_canonicalizes_half_the_rdf_canon_suite_exactly() -> None:
    taken = 0
    for test in load_tests(VECTORS / "rdf-canon"):
        if test.kind != EVAL:
            continue
        quads = ox.parse(test.action.read_text(encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
        lines = {canon._quad_strings(quad) for quad in quads}
        text = canon._rdfc_unique_hashes(lines, Limits(), test.hash_algorithm)
        if text is not None:
            taken += 1
            assert text == test.result.read_text(encoding="utf-8"), test.name
    assert taken >= 30


def test_blank_nodes_sharing_a_first_degree_hash_are_left_to_pyoxigraph_with_the_same_result() -> (
    None
):
    twins = {"name": "Same", "description": "Twin"}
    document = {
        "@context": [V2, OB303],
        "type": ["VerifiableCredential"],
        "evidence": [dict(twins), dict(twins), {"name": "Other"}],
    }
    expanded = canon._expand(document, on_drop=None)
    quads = canon._DirectRdf().dataset(expanded)
    assert canon._rdfc_unique_hashes(quads, Limits(), "SHA256") is None
    assert canonize(document) == _general(expanded)


def test_the_direct_route_keeps_the_blank_node_limit() -> None:
    document = {
        "@context": [V2, OB303],
        "type": ["VerifiableCredential"],
        "evidence": [{"name": f"e{n}"} for n in range(6)],
    }
    with pytest.raises(MalformedInput) as caught:
        canonize(document, limits=Limits(max_blank_nodes=5))
    assert caught.value.code == "rdf.too_many_blank_nodes"


def test_an_iri_rdf_rejects_fails_the_same_way_on_both_routes() -> None:
    document = {
        "@context": [V2, OB303],
        "id": "https://issuer.example/a<b>",
        "type": ["VerifiableCredential"],
        "name": "x",
    }
    expanded = canon._expand(document, on_drop=None)
    assert _outcome(lambda: canonize(document)) == _outcome(lambda: _general(expanded))
    assert _outcome(lambda: canonize(document))[0] == "error"


_TERMS = ["name", "description", "narrative", "targetName", "targetCode", "custom", "other"]
_IDS = [
    "urn:uuid:0001",
    "https://example.org/a",
    "did:example:x",
    "_:shared",
    "_:other",
    "relative/id",
]
_TEXT = st.text(alphabet=st.sampled_from(list('aZ é"\\\n\t\r\x00\x7f\u2028😀<>')), max_size=8)
_SCALARS = st.one_of(
    _TEXT,
    st.booleans(),
    st.integers(min_value=-(10**22), max_value=10**22),
    st.floats(allow_nan=False, allow_infinity=False),
    st.builds(
        lambda v, tag: {"@value": v, "@language": tag},
        _TEXT,
        st.sampled_from(["en", "en-US", "fr-CA"]),
    ),
    st.builds(lambda v: {"@value": v, "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}, _TEXT),
)


def _nodes(children: Any) -> Any:
    return st.fixed_dictionaries(
        {},
        optional={
            "id": st.sampled_from(_IDS),
            "type": st.sampled_from(["Image", "Alignment", ["Achievement"], "Unknown"]),
            **{term: children for term in _TERMS},
            "list": st.builds(lambda items: {"@list": items}, st.lists(_SCALARS, max_size=3)),
            "graph": children,
        },
    )


_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(_nodes(children), st.lists(children, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_nodes(_VALUES))
def test_generated_documents_canonicalize_the_same_on_both_routes(body: dict[str, Any]) -> None:
    terms = {
        "list": {"@id": "https://example.org/list"},
        "graph": {"@id": "https://example.org/graph", "@container": "@graph"},
    }
    document = {"@context": [V2, OB303, terms], **body}
    try:
        expanded = canon._expand(document, on_drop=None)
    except MalformedInput:
        return
    assert _outcome(lambda: canon._canonical_form(expanded, Limits())) == _outcome(
        lambda: _general(expanded)
    )


# --- one expansion for the term check and the proof --------------------------------------


def _derived_and_fresh(document: dict[str, Any]) -> tuple[str, str, bool]:
    cache = CanonCache()
    canon.check_no_dropped_terms(document, cache=cache)
    derived = bool(cache.expansions)
    return (
        canonize_without_proof(document, cache=cache),
        canonize(_without_proof(document)),
        derived,
    )


def test_the_expansion_less_the_proof_is_derived_for_signed_vectors_and_matches() -> None:
    derived_count = 0
    for name, document in VECTOR_DOCUMENTS:
        if "proof" not in document:
            continue
        try:
            derived, fresh, was_derived = _derived_and_fresh(document)
        except MalformedInput:
            continue
        assert derived == fresh, name
        derived_count += was_derived
    assert derived_count >= 5


def _signed_shape(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2, OB303],
        "id": "urn:uuid:0001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:example:issuer",
        "name": "Badge",
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "did:example:issuer#key",
            "proofValue": "z1",
        },
        **extra,
    }


def test_a_second_key_that_also_means_proof_is_not_removed_with_proof() -> None:
    document = _signed_shape(
        **{"https://w3id.org/security#proof": {"@graph": {"@id": "urn:uuid:extra"}}}
    )
    derived, fresh, was_derived = _derived_and_fresh(document)
    assert not was_derived
    assert derived == fresh


def test_nested_content_falls_back_to_a_separate_expansion() -> None:
    context = [V2, OB303, {"meta": "@nest"}]
    document = _signed_shape(meta={"description": "nested"})
    document["@context"] = context
    derived, fresh, was_derived = _derived_and_fresh(document)
    assert not was_derived
    assert derived == fresh
    assert "nested" in derived


def test_a_document_left_with_only_an_id_is_expanded_again() -> None:
    proof_term = {"@id": canon.SEC_PROOF, "@type": "@id", "@container": "@graph"}
    document = {
        "@context": [V2, {"proof": proof_term}],
        "id": "urn:uuid:1",
        "proof": _signed_shape()["proof"],
    }
    derived, fresh, was_derived = _derived_and_fresh(document)
    assert not was_derived
    assert derived == fresh == ""


def test_the_without_proof_cache_entry_is_keyed_by_the_whole_document() -> None:
    cache: dict[str, str] = {}
    first = _signed_shape()
    second = _signed_shape(name="Other badge")
    assert canonize_without_proof(first, cache=cache) != canonize_without_proof(second, cache=cache)
    assert len(cache) == 2


# --- remembered term expansions ------------------------------------------------------------


def test_a_term_defined_differently_by_two_documents_expands_by_each_ones_context() -> None:
    def document(iri: str) -> dict[str, Any]:
        return {
            "@context": [V2, {"colour": iri}],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:s", "colour": "blue"},
        }

    first = canonize(document("https://a.example/colour"))
    second = canonize(document("https://b.example/colour"))
    assert "<https://a.example/colour>" in first and "b.example" not in first
    assert "<https://b.example/colour>" in second and "a.example" not in second


def test_forgetting_remembered_expansions_changes_no_output() -> None:
    documents = [document for _, document in VECTOR_DOCUMENTS[:12]]

    def outcomes() -> list[tuple[str, str]]:
        return [_outcome(lambda d=d: canonize(_without_proof(d))) for d in documents]

    warm = outcomes()
    pyld_adapter.EXPANDED_IRIS.clear()
    assert outcomes() == warm
