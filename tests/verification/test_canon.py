"""Canonical N-Quads (RDFC-1.0) of JSON-LD documents, and the dropped-term check."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from wallet.verification import Budget, budget, canon, pyld_adapter
from wallet.verification.budget import running
from wallet.verification.canon import canonicalize_nquads, canonize, check_no_dropped_terms
from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
EDDSA = VECTORS / "vc-di-eddsa"
OB = VECTORS / "1edtech-ob"

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ob_credential(**subject_extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2, OB303],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Example College"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:a1",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well with others.",
                "criteria": {"narrative": "Led a group project."},
            },
            **subject_extra,
        },
    }


def _v1_credential(subject: dict[str, Any], *types: str) -> dict[str, Any]:
    return {
        "@context": [V1],
        "type": ["VerifiableCredential", *types],
        "issuer": "did:example:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": subject,
    }


# --- published vectors ------------------------------------------------------------------------


def test_w3c_eddsa_rdfc_2022_document_canonicalizes_exactly_as_published() -> None:
    assert canonize(_json(EDDSA / "unsigned.json")) == _text(EDDSA / "canonDocDataInt.txt")


def test_w3c_eddsa_rdfc_2022_proof_configuration_canonicalizes_exactly_as_published() -> None:
    config = _json(EDDSA / "proofConfigDataInt.json")
    assert canonize(config) == _text(EDDSA / "proofCanonDataInt.txt")


def test_w3c_ed25519signature2020_vector_canonicalizes_exactly_as_published() -> None:
    assert canonize(_json(EDDSA / "unsigned.json")) == _text(EDDSA / "canonDocEdSig.txt")
    config = _json(EDDSA / "proofConfigEdSig.json")
    assert canonize(config) == _text(EDDSA / "proofCanonEdSig.txt")


def _ob_proof_config(context: list[str]) -> dict[str, Any]:
    proof = copy.deepcopy(_json(OB / "clrv2p0" / "signed-credential.json")["proof"][0])
    del proof["proofValue"]
    return {**proof, "@context": context}


@pytest.mark.parametrize("kind", ["obv3p0", "clrv2p0"])
def test_1edtech_vector_document_and_proof_canonicalize_as_published(kind: str) -> None:
    credential = _json(OB / kind / "unsigned-credential.json")
    values = _json(OB / kind / "vector-values.json")
    document = canonize(credential)
    proof = canonize(_ob_proof_config(credential["@context"]))
    assert document == _text(OB / kind / "document-canon.txt")
    assert proof == _text(OB / kind / "proof-canon.txt")
    assert _sha256(document) == values["documentHashHex"]
    assert _sha256(proof) == values["proofHashHex"]


# --- form of the output -----------------------------------------------------------------------


def test_output_lines_are_sorted_in_code_point_order_and_each_ends_with_a_newline() -> None:
    text = canonize(_ob_credential())
    lines = text.split("\n")
    assert lines[-1] == ""
    assert lines[:-1] == sorted(lines[:-1])
    assert all(line.endswith(" .") for line in lines[:-1])


def test_canonical_form_does_not_depend_on_key_order() -> None:
    credential = _ob_credential()
    reordered = json.loads(json.dumps(credential, sort_keys=True))
    reordered["credentialSubject"] = dict(reversed(list(reordered["credentialSubject"].items())))
    assert canonize(reordered) == canonize(credential)


def test_relative_iris_are_left_out_not_resolved_against_an_invented_base() -> None:
    text = canonize(_v1_credential({"id": "not-absolute", "name": "x"}))
    assert "example.org/base" not in text
    assert "not-absolute" not in text


def test_control_characters_use_the_rdfc_escapes() -> None:
    credential = _ob_credential()
    credential["name"] = 'a\bb\tc\nd\fe\rf"g\\h\x01i\x7fj'
    text = canonize(credential)
    assert '"a\\bb\\tc\\nd\\fe\\rf\\"g\\\\h\\u0001i\\u007Fj"' in text


def test_json_literals_are_canonicalized_as_jcs_text() -> None:
    credential = {
        "@context": [V2, {"data": {"@id": "https://example.org/data", "@type": "@json"}}],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:s", "data": {"b": 1, "a": [True, None]}},
    }
    text = canonize(credential)
    assert '"{\\"a\\":[true,null],\\"b\\":1}"^^<http://www.w3.org/1999/02/' in text


def test_contexts_processed_for_one_document_serve_the_next_unchanged() -> None:
    documents = [
        _ob_credential(),
        _json(OB / "clrv2p0" / "unsigned-credential.json"),
        _json(EDDSA / "unsigned.json"),
        _json(OB / "obv3p0" / "unsigned-credential.json"),
    ]
    warm = [canonize(document) for document in documents + documents]
    pyld_adapter.PROCESSED_CONTEXTS.clear()
    fresh = [canonize(document) for document in reversed(documents)][::-1]
    assert warm == fresh + fresh
    assert len(pyld_adapter.PROCESSED_CONTEXTS) > 0


# --- cache --------------------------------------------------------------------------------------


def test_a_cache_hit_returns_the_same_text_without_recomputing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = canon._canonical_form

    def counting(*args: Any, **kwargs: Any) -> str:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(canon, "_canonical_form", counting)
    cache: dict[str, str] = {}
    first = canonize(_ob_credential(), cache=cache)
    second = canonize(json.loads(json.dumps(_ob_credential(), sort_keys=True)), cache=cache)
    assert second == first
    assert len(calls) == 1
    assert len(cache) == 1


def test_the_cache_key_is_the_sha256_of_the_sorted_compact_json() -> None:
    credential = _ob_credential()
    cache: dict[str, str] = {}
    text = canonize(credential, cache=cache)
    encoded = json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert cache == {_sha256(encoded): text}


def test_different_documents_get_different_cache_entries() -> None:
    cache: dict[str, str] = {}
    first = canonize(_ob_credential(), cache=cache)
    other = _ob_credential()
    other["name"] = "Leadership"
    second = canonize(other, cache=cache)
    assert first != second
    assert len(cache) == 2


# --- hostile input ------------------------------------------------------------------------------


def test_too_many_blank_nodes_is_refused_before_canonicalization() -> None:
    subject = {"id": "did:example:s", "items": [{"name": f"n{i}"} for i in range(5)]}
    credential = {
        "@context": [V2, UNDEFINED_TERMS],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": subject,
    }
    canonize(credential, limits=Limits(max_blank_nodes=10))
    with pytest.raises(MalformedInput) as raised:
        canonize(credential, limits=Limits(max_blank_nodes=3))
    assert raised.value.code == "rdf.too_many_blank_nodes"


def _clique(size: int) -> str:
    return "".join(
        f"_:e{i} <http://example.com/p> _:e{j} .\n" for i in range(size) for j in range(size)
    )


def test_a_poison_clique_of_blank_nodes_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(MalformedInput) as raised:
        canonicalize_nquads(_clique(10))
    assert raised.value.code == "rdf.too_complex"
    assert time.perf_counter() - start < 1.0


def test_a_large_symmetric_cycle_of_blank_nodes_is_refused() -> None:
    size = 20
    quads = "".join(
        f"_:e{i} <http://example.com/p> _:e{(i + step) % size} .\n"
        for i in range(size)
        for step in (1, 3, 7)
    )
    with pytest.raises(MalformedInput) as raised:
        canonicalize_nquads(quads)
    assert raised.value.code == "rdf.too_complex"


def test_small_symmetric_graphs_still_canonicalize() -> None:
    text = canonicalize_nquads(_clique(4))
    assert text.count("\n") == 16
    assert "_:c14n3" in text


def test_many_identical_blank_objects_are_not_mistaken_for_poison() -> None:
    subject = {"id": "did:example:s", "results": [{"value": "A", "kind": "grade"}] * 40}
    credential = {
        "@context": [V2, UNDEFINED_TERMS],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": subject,
    }
    text = canonize(credential)
    assert "_:c14n39" in text


@pytest.mark.parametrize(
    "document",
    [
        {"@context": [V2], "id": 5, "type": ["VerifiableCredential"]},
        {"@context": [V2, {"type": "https://example.org/type"}], "type": "X"},
        {"@context": 7},
        ["not", "an", "object"],
    ],
    ids=["id-not-a-string", "redefines-protected-term", "context-not-an-object", "array"],
)
def test_invalid_json_ld_becomes_malformed_input(document: Any) -> None:
    with pytest.raises(MalformedInput) as raised:
        canonize(document)
    assert raised.value.code == "jsonld.invalid"


def test_malformed_n_quads_are_malformed_input() -> None:
    with pytest.raises(MalformedInput) as raised:
        canonicalize_nquads("<http://a> <http://b> .\n")
    assert raised.value.code == "rdf.syntax"


# --- dropped terms ----------------------------------------------------------------------------


def _dropped(document: dict[str, Any]) -> MalformedInput:
    with pytest.raises(MalformedInput) as raised:
        check_no_dropped_terms(document)
    assert raised.value.code == "jsonld.undefined_term"
    return raised.value


def test_published_vectors_have_no_dropped_terms() -> None:
    check_no_dropped_terms(_json(EDDSA / "unsigned.json"))
    check_no_dropped_terms(_json(OB / "obv3p0" / "unsigned-credential.json"))
    check_no_dropped_terms(_json(OB / "clrv2p0" / "signed-credential.json"))


def test_a_well_formed_open_badge_passes() -> None:
    check_no_dropped_terms(_ob_credential())


def test_an_undefined_term_at_the_top_level_is_named() -> None:
    credential = _v1_credential({"id": "did:example:s"})
    credential["nickname"] = "x"
    error = _dropped(credential)
    assert "'nickname'" in str(error)
    assert "at nickname" in error.detail


def test_an_undefined_term_inside_an_array_of_objects_is_found_with_its_path() -> None:
    error = _dropped(_v1_credential({"id": "did:example:s", "items": [{"name": "x"}]}))
    assert "'items'" in str(error)
    assert error.detail == "term 'items' at credentialSubject.items"


def test_an_undefined_term_inside_a_type_scoped_ob3_object_is_found() -> None:
    credential = _ob_credential()
    credential["credentialSubject"]["achievement"]["favouriteColour"] = "blue"
    error = _dropped(credential)
    assert error.detail == "term 'favouriteColour' at credentialSubject.achievement.favouriteColour"


def test_vc_v2_alone_has_no_vocab_so_an_extra_subject_property_is_caught() -> None:
    error = _dropped(_ob_credential(hobby="chess"))
    assert "'hobby'" in str(error)


def test_the_undefined_terms_context_makes_extra_properties_defined() -> None:
    credential = _ob_credential(hobby="chess")
    credential["@context"].append(UNDEFINED_TERMS)
    check_no_dropped_terms(credential)


def test_an_undefined_term_in_a_credential_inside_a_graph_container_is_found() -> None:
    presentation = {
        "@context": [V1],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [_v1_credential({"id": "did:example:s", "degree": "BSc"})],
    }
    error = _dropped(presentation)
    assert error.detail == "term 'degree' at verifiableCredential.credentialSubject.degree"


def test_a_term_explicitly_mapped_to_null_is_reported_as_dropped() -> None:
    credential = _ob_credential(secret="x")
    credential["@context"].append({"secret": None})
    assert "'secret'" in str(_dropped(credential))


def test_an_undefined_type_is_reported() -> None:
    error = _dropped(_v1_credential({"id": "did:example:s"}, "AlumniCredential"))
    assert "'AlumniCredential'" in str(error)


def test_a_relative_id_is_reported() -> None:
    error = _dropped(_v1_credential({"id": "student-42"}))
    assert "'student-42'" in str(error)
    assert error.detail == "term 'student-42' at credentialSubject"


def test_the_contents_of_a_json_literal_are_not_walked() -> None:
    credential = _v1_credential(
        {"id": "did:example:s", "data": {"anything": [{"goes": 1}], "@weird": True}}
    )
    credential["@context"] = [V1, {"data": {"@id": "https://example.org/data", "@type": "@json"}}]
    check_no_dropped_terms(credential)


def test_an_inline_context_that_defines_the_term_is_honoured() -> None:
    credential = _v1_credential({"id": "did:example:s", "degree": {"name": "BSc"}})
    credential["@context"] = [
        V1,
        {"degree": "https://example.org/degree", "name": "https://schema.org/name"},
    ]
    check_no_dropped_terms(credential)


def test_terms_only_an_unknown_proof_type_uses_are_left_to_the_proof_checks() -> None:
    credential = _ob_credential()
    credential["proof"] = [
        {"type": "SomeProofType", "created": "2022-11-16T18:54:22Z", "nonce": "1"},
    ]
    check_no_dropped_terms(credential)


def test_keywords_and_the_context_itself_are_not_terms() -> None:
    credential = _ob_credential()
    credential["@id"] = credential.pop("id")
    credential["credentialSubject"]["@type"] = credential["credentialSubject"].pop("type")
    check_no_dropped_terms(credential)


def test_a_node_with_thousands_of_types_is_refused_before_their_contexts_are_processed() -> None:
    # Found by `make fuzz`: each repeat of a type re-applies its type-scoped context.
    credential = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"] * 5_000},
        "credentialSubject": {"id": "did:example:s"},
    }
    with pytest.raises(MalformedInput) as raised:
        check_no_dropped_terms(credential)
    assert raised.value.code == "jsonld.too_many_types"
    with pytest.raises(MalformedInput) as raised:
        canonize(credential)
    assert raised.value.code == "jsonld.too_many_types"


def test_a_large_document_canonicalizes_the_same_when_checked_at_every_value() -> None:
    # From 64 KB up, a verification under a budget walks lists through budget.ticking.
    subject = {
        "id": "did:example:s",
        "tags": [f"tag {n}" for n in range(6_000)],
        "ordered": {"@list": [f"item {n}" for n in range(400)]},
        "alike": [{"name": "same"} for _ in range(300)],
    }
    credential = {
        "@context": [V2, UNDEFINED_TERMS],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": subject,
    }
    plain = canonize(credential)
    cache = canon.CanonCache()
    with running(Budget(seconds=600, clock=time.thread_time)):
        checked = canonize(credential, cache=cache)
        assert budget.fine_grained()
    assert checked == plain


def test_expansion_leaves_the_callers_document_as_it_was() -> None:
    # canon hands pyld the document without its defensive deep copy: pyld must only read it.
    credential = {
        "@context": [V2, UNDEFINED_TERMS, {"extra": {"@id": "https://example.org/extra"}}],
        "type": ["VerifiableCredential"],
        "issuer": {"id": "did:example:issuer", "name": "Issuer"},
        "credentialSubject": {
            "id": "did:example:s",
            "extra": [{"@value": "a", "@language": "en"}, {"nested": {"@list": ["x", {"y": 1}]}}],
            "items": [{"name": "same"}, {"name": "same"}],
        },
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"},
    }
    before = copy.deepcopy(credential)
    check_no_dropped_terms(credential, cache=canon.CanonCache())
    canonize(credential)
    canon.canonize_without_proof(credential)
    assert credential == before
