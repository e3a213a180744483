"""The walk (pyld_adapter.walk_expansion, expands_soundly) against pyld's full expansion.

The walk may only vouch for a document that expanding would also find sound, and what it
gives must be exactly pyld's expansion (of the document less its top-level proof, when asked
for that); whatever it leaves undecided is expanded by pyld. So check_no_dropped_terms answers
exactly as expanding does, and canonicalization gives the same text, on the tricky documents
below, on the test vectors and on generated documents.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet.verification import canon, pyld_adapter
from wallet.verification.errors import MalformedInput

V2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EX = "https://example.org/vocab#"


def _credential(**extra: Any) -> dict[str, Any]:
    """An OB 3.0 credential as a VC-JWT carries it: no proof, type-scoped contexts throughout."""
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
                "criteria": {"narrative": "Led a group project."},
                "alignment": [
                    {"type": ["Alignment"], "targetName": "T", "targetUrl": "https://t.example/1"}
                ],
            },
        },
        **extra,
    }


def _with_context(extra: Any, **fields: Any) -> dict[str, Any]:
    credential = _credential(**fields)
    credential["@context"] = [V2, OB303, extra]
    return credential


def _subject(**fields: Any) -> dict[str, Any]:
    credential = _credential()
    credential["credentialSubject"].update(fields)
    return credential


def _achievement(**fields: Any) -> dict[str, Any]:
    credential = _credential()
    credential["credentialSubject"]["achievement"].update(fields)
    return credential


def _outcome(document: dict[str, Any]) -> Any:
    try:
        canon.check_no_dropped_terms(document)
    except MalformedInput as exc:
        return (exc.code, exc.detail, str(exc))
    except Exception as exc:  # the pipeline reports it as an internal error
        return type(exc).__name__
    return "sound"


def _expanding(document: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The outcome with the walk turned off: the full expansion, as before the walk."""
    with monkeypatch.context() as patched:
        patched.setattr(pyld_adapter, "walk_expansion", lambda *args, **kwargs: None)
        return _outcome(document)


def _walks(document: dict[str, Any]) -> bool:
    try:
        return pyld_adapter.expands_soundly(copy.deepcopy(document), loader=canon.document_loader)
    except Exception:  # canon falls back to expanding, as on False
        return False


def _walked(document: dict[str, Any], *, without_proof: bool = False) -> list[Any] | None:
    try:
        return pyld_adapter.walk_expansion(
            copy.deepcopy(document), loader=canon.document_loader, without_proof=without_proof
        )
    except Exception:  # canon falls back to expanding, as on None
        return None


def _pyld(document: dict[str, Any], *, without_proof: bool = False) -> Any:
    """pyld's own expansion (of the document less its top-level proof), or "error"."""
    if without_proof:
        document = {key: value for key, value in document.items() if key != "proof"}
    try:
        return canon.expand(copy.deepcopy(document))
    except Exception:
        return "error"


def _agrees(document: dict[str, Any], *, without_proof: bool = False) -> bool:
    """The walk gives pyld's expansion, or leaves the document to pyld; True if it decided."""
    walked = _walked(document, without_proof=without_proof)
    if walked is None:
        return False
    assert walked == _pyld(document, without_proof=without_proof)
    if without_proof:  # the proof left out was sound enough for pyld to expand too
        assert _pyld(document) != "error"
    return True


PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2024-01-01T00:00:00Z",
    "verificationMethod": "did:key:z6Mk#z6Mk",
    "proofPurpose": "assertionMethod",
    "proofValue": "z58DAdFfa9SkqZMVPxAQp",
}


# (name, document, whether the walk decides it alone)
TRICKY: list[tuple[str, dict[str, Any], bool]] = [
    ("a typical OB 3.0 credential", _credential(), True),
    ("an undefined term at the top", _credential(nickname="x"), False),
    ("an undefined term in a nested object", _subject(hobby="chess"), False),
    (
        "a term only the Achievement type-scoped context defines, on an Achievement",
        _achievement(achievementType="Course"),
        True,
    ),
    (
        "the same term on an object of another type",
        _subject(achievementType="Course"),
        False,
    ),
    (
        "a type-scoped term one object further down (type-scoped contexts do not propagate)",
        _achievement(criteria={"narrative": "x", "achievementType": "Course"}),
        False,
    ),
    (
        "a subject reference under a type-scoped node",
        _achievement(creator={"id": "did:example:creator"}),
        True,
    ),
    ("an undefined type", _achievement(type=["Achievement", "Trophy"]), False),
    ("a type as a lone string", _achievement(type="Achievement"), True),
    ("a relative id", _subject(id="learner-42"), False),
    ("a blank node id", _subject(id="_:b0"), True),
    ("an id that is not a string", _subject(id=42), False),
    ("a relative IRI in an @id-coerced term", _achievement(image="badge.png"), False),
    ("an absolute IRI in an @id-coerced term", _achievement(image="https://i.example/b.png"), True),
    ("an empty type list", _achievement(type=[]), False),
    ("a type list beside a null @type", _achievement(**{"@type": None}), False),
    ("a null type", _achievement(type=None), False),
    ("two keys for the same keyword", _achievement(**{"@id": "urn:uuid:a2"}), False),
    ("keywords written as keywords", {**_credential(), "@type": "VerifiableCredential"}, False),
    (
        "a @vocab context defining everything",
        _with_context({"@vocab": EX}, anything={"deep": [1, {"deeper": True}]}),
        True,
    ),
    ("a @vocab context and an undefined type", _with_context({"@vocab": EX}, type="Thing"), True),
    (
        "a nested @context in an object",
        _subject(extra={"@context": {"extra": EX + "extra", "x": EX + "x"}, "x": 1}),
        False,
    ),
    (
        "a nested @context defining the nested term",
        _subject(
            **{"@context": {"extra": EX + "extra", "x": EX + "x"}, "extra": {"x": [1, "two"]}}
        ),
        True,
    ),
    (
        "a JSON literal with anything inside",
        _with_context(
            {"data": {"@id": EX + "data", "@type": "@json"}},
            data={"@weird": [[1]], "undefined": {"@value": 1}},
        ),
        True,
    ),
    (
        "a @vocab-coerced term with a term and with an unknown word",
        _with_context(
            {"kind": {"@id": EX + "kind", "@type": "@vocab"}, "Gold": EX + "Gold"},
            kind=["Gold", "Silver"],
        ),
        False,
    ),
    (
        "a @vocab-coerced term with defined words only",
        _with_context(
            {"kind": {"@id": EX + "kind", "@type": "@vocab"}, "Gold": EX + "Gold"}, kind="Gold"
        ),
        True,
    ),
    (
        "a @list container",
        _with_context({"steps": {"@id": EX + "steps", "@container": "@list"}}, steps=[1, 2]),
        False,
    ),
    (
        "a language map",
        _with_context(
            {"label": {"@id": EX + "label", "@container": "@language"}}, label={"en": "x"}
        ),
        False,
    ),
    (
        "a reverse property",
        _with_context({"partOf": {"@reverse": EX + "has"}}, partOf={"id": "urn:x"}),
        False,
    ),
    ("a term mapped to null", _with_context({"secret": None}, secret="x"), False),
    ("a value object", _subject(name={"@value": "x", "@language": "en"}), False),
    (
        "a value object with a type and a language",
        _subject(name={"@value": "x", "@type": EX + "t", "@language": "en"}),
        False,
    ),
    ("an array of arrays", _achievement(tag=[["a"], ["b"]]), False),
    ("arrays of scalars, nulls and objects", _achievement(tag=["a", None, "b"]), True),
    ("an embedded proof below the top", _subject(proof={"type": "Unknown"}), False),
    (
        "a protected term redefined (pyld refuses the context)",
        _with_context({"name": EX + "name"}),
        False,
    ),
    ("a free-floating top-level object with only an id", {"@context": [V2], "id": "rel"}, False),
    ("an empty @context list", {"@context": [], "name": "x"}, False),
    (
        "an issuer that is a plain IRI and a subject that is one too",
        _credential(issuer="did:example:issuer", credentialSubject="did:example:s"),
        True,
    ),
]


@pytest.mark.parametrize(
    ("document", "decided"), [(d, w) for _, d, w in TRICKY], ids=[n for n, _, _ in TRICKY]
)
def test_it_answers_as_a_full_expansion_does(
    document: dict[str, Any], decided: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _expanding(document, monkeypatch)

    assert _walks(document) is decided
    assert _outcome(document) == expected
    if decided:
        assert expected == "sound"
    assert _agrees(document) is decided
    # Signed: decided as before (but for a `proof` that JSON-LD does not read as a proof graph,
    # as under a type other than VerifiableCredential), giving pyld's expansion less it.
    signed = {**document, "proof": PROOF}
    assert _agrees(signed, without_proof=True) is (decided and "Thing" not in str(document))
    assert _outcome(signed) == _expanding(signed, monkeypatch)


def test_a_typical_jwt_credential_is_checked_without_expanding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_expansion(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("expanded")

    monkeypatch.setattr(canon, "_expand", no_expansion)

    canon.check_no_dropped_terms(_credential())


def test_a_signed_credential_is_walked_and_its_expansion_less_the_proof_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The walk's expansion less the proof serves canonicalization next: pyld expands nothing.
    cache = canon.CanonCache()
    document = _credential(proof=PROOF)
    expected = _pyld(document, without_proof=True)

    def no_expansion(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("expanded")

    monkeypatch.setattr(canon, "_expand", no_expansion)
    canon.check_no_dropped_terms(document, cache=cache)

    assert list(cache.expansions.values()) == [expected]
    with_walk = canon.canonize_without_proof(document, cache=cache)
    monkeypatch.undo()
    monkeypatch.setattr(pyld_adapter, "walk_expansion", lambda *args, **kwargs: None)
    assert with_walk == canon.canonize_without_proof(document)


@pytest.mark.parametrize(
    ("name", "proof"),
    [
        ("two proofs (a proof set)", [PROOF, {**PROOF, "proofValue": "z2"}]),
        ("a proof with an undefined term", {**PROOF, "nonce": "x"}),
        ("a proof with a relative verification method", {**PROOF, "verificationMethod": "k#1"}),
        ("a proof that is a string", "did:example:proof"),
        ("a null proof", None),
        ("a proof with an id and no type", {"id": "urn:uuid:p1"}),
    ],
)
def test_unusual_proofs_are_left_out_as_pyld_leaves_them_or_left_to_pyld(
    name: str, proof: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _credential(proof=proof)

    _agrees(document, without_proof=True)
    assert _outcome(document) == _expanding(document, monkeypatch)


def test_only_the_top_level_proof_key_is_left_out() -> None:
    # Another key for sec:proof stays in the signed data: the walk leaves such a document to
    # pyld, and so does a proof key below the top.
    aliased = _with_context({"attestation": {"@id": "https://w3id.org/security#proof"}})
    aliased["attestation"] = {"id": "urn:uuid:p2"}
    assert _walked({**aliased, "proof": PROOF}, without_proof=True) is None
    assert _walked(_subject(proof=PROOF), without_proof=True) is None
    # Without being asked to leave it out, a proof is never walked past.
    assert _walked(_credential(proof=PROOF)) is None


VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _json_documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for folder in (VECTORS, FIXTURES):
        for path in sorted(folder.rglob("*.json")):
            try:
                document = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(document, dict) and "@context" in document:
                found.append((str(path.relative_to(folder.parent)), document))
    return found


def test_on_every_json_ld_test_vector_it_gives_pyld_s_expansion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = _json_documents()
    decided = 0
    for name, document in documents:
        for without_proof in (False, True):
            try:
                decided += _agrees(document, without_proof=without_proof)
            except AssertionError as exc:
                raise AssertionError(f"{name} (without_proof={without_proof})") from exc
        assert _outcome(document) == _expanding(document, monkeypatch), name
    # The signed OB 3.0, CLR and Data Integrity vectors are all walked, not only a few.
    assert len(documents) >= 20
    assert decided >= len(documents)


def test_what_the_walk_remembers_does_not_vouch_for_a_changed_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The walk remembers per (context, key): a document that changes a type (so another
    # scoped context), a key or a value is judged afresh.
    assert _outcome(_achievement(achievementType="Course")) == "sound"
    changed = [
        _subject(achievementType="Course"),
        _achievement(achievementType="Course", favouriteColour="blue"),
        _achievement(image="badge.png"),
    ]
    retyped = _achievement(achievementType="Course")
    retyped["credentialSubject"]["achievement"]["type"] = ["Profile"]
    changed.append(retyped)

    for document in changed:
        assert _outcome(document) != "sound"
        assert _outcome(document) == _expanding(document, monkeypatch)


# --- generated documents ----------------------------------------------------------------------

KEYS = [
    "id",
    "type",
    "name",
    "description",
    "achievement",
    "achievementType",
    "criteria",
    "narrative",
    "alignment",
    "targetName",
    "targetUrl",
    "image",
    "creator",
    "result",
    "issuer",
    "credentialSubject",
    "hobby",
    "@id",
    "@type",
    "@value",
    "@list",
    "proof",
]
TYPES = ["Achievement", "AchievementSubject", "Profile", "Alignment", "Image", "Criteria", "Nope"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["x", "urn:uuid:1", "did:example:1", "rel/ative", "_:b0", "Gold", ""])
    | st.sampled_from(TYPES)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
        | st.fixed_dictionaries(
            {"type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=2)},
            optional={k: children for k in ("id", "name", "achievement", "criteria", "hobby")},
        )
    ),
    max_leaves=10,
)
contexts = st.sampled_from(
    [
        [V2, OB303],
        [V2],
        [V2, OB303, {"@vocab": EX}],
        [V2, OB303, {"kind": {"@id": EX + "kind", "@type": "@vocab"}, "Gold": EX + "Gold"}],
        [V2, OB303, {"hobby": {"@id": EX + "hobby", "@type": "@json"}}],
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    context=contexts,
    body=st.dictionaries(st.sampled_from([*KEYS, "kind"]), values, max_size=5),
)
def test_on_generated_documents_it_answers_as_a_full_expansion_does(
    context: list[Any], body: dict[str, Any]
) -> None:
    document = {**_credential(), **body, "@context": context}
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = _expanding(document, monkeypatch)

    if _walks(document):
        assert expected == "sound"
    assert _outcome(document) == expected
    _agrees(document)
    _agrees(document, without_proof=True)
    if "proof" not in body:
        signed = {**document, "proof": PROOF}
        _agrees(signed, without_proof=True)
        with pytest.MonkeyPatch.context() as monkeypatch:
            assert _outcome(signed) == _expanding(signed, monkeypatch)


def test_a_null_type_beside_types_is_malformed_json_ld_not_an_internal_error() -> None:
    document = _achievement(**{"@type": None})

    with pytest.raises(MalformedInput) as raised:
        canon.check_no_dropped_terms(document)

    assert raised.value.code == "jsonld.invalid"
    assert "credentialSubject.achievement" in raised.value.detail
