"""DCQL, from OpenID4VP 1.0's own examples (sections 6, 7 and Appendix B.1)."""

from __future__ import annotations

import pytest

from sharing.protocols.dcql import (
    DcqlError,
    NotSatisfied,
    candidate,
    choose,
    evaluate,
    parse_dcql_query,
    select_claims,
    select_paths,
)

V1 = "https://www.w3.org/2018/credentials/v1"
EXAMPLES = "https://www.w3.org/2018/credentials/examples/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# Section 7.4's example credential.
ARTHUR = {
    "name": "Arthur Dent",
    "address": {
        "street_address": "42 Market Street",
        "locality": "Milliways",
        "postal_code": "12345",
    },
    "degrees": [
        {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
        {"type": "Master of Science", "university": "University of Betelgeuse"},
    ],
    "nationalities": ["British", "Betelgeusian"],
}

# Appendix B.1.1's type_values example.
TYPE_VALUES = [
    [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://example.org/examples#AlumniCredential",
        "https://example.org/examples#BachelorDegree",
    ],
    [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://example.org/examples#UniversityDegreeCredential",
    ],
    ["IdentityCredential"],
]


def _query(credentials, credential_sets=None):
    value = {"credentials": credentials}
    if credential_sets is not None:
        value["credential_sets"] = credential_sets
    return parse_dcql_query(value)


def _ldp(query_id, type_values=TYPE_VALUES, **extra):
    return {"id": query_id, "format": "ldp_vc", "meta": {"type_values": type_values}, **extra}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["name"], ["Arthur Dent"]),
        (["address", "street_address"], ["42 Market Street"]),
        (["degrees", None, "type"], ["Bachelor of Science", "Master of Science"]),
        (["nationalities", 1], ["Betelgeusian"]),
        (["address"], [ARTHUR["address"]]),
    ],
)
def test_claims_path_pointers_select_what_section_7_says(path, expected):
    assert select_claims(ARTHUR, path) == expected


@pytest.mark.parametrize("path", [["missing"], ["name", "first"], ["degrees", 5], ["name", None]])
def test_a_claims_path_that_selects_nothing_is_no_claim(path):
    assert select_claims(ARTHUR, path) == []


@pytest.mark.parametrize(
    "document",
    [
        {
            "@context": [V1, EXAMPLES],
            "type": ["VerifiableCredential", "UniversityDegreeCredential"],
        },
        {
            "@context": [V1, EXAMPLES],
            "type": ["VerifiableCredential", "BachelorDegree", "AlumniCredential"],
        },
        {"@context": [V1], "type": ["VerifiableCredential", "IdentityCredential"]},
    ],
)
def test_type_values_match_the_expanded_types_of_each_example_credential(document):
    evaluation = evaluate(
        _query([_ldp("degree")]), [candidate(key=1, format_="ldp_vc", document=document)]
    )
    assert evaluation.matches["degree"] == (1,)


def test_type_values_are_not_matched_on_compact_names_for_ldp_vc():
    query = _query([_ldp("badge", type_values=[["OpenBadgeCredential"]])])
    ob3 = {"@context": [V2, OB3], "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    assert (
        evaluate(query, [candidate(key=1, format_="ldp_vc", document=ob3)]).matches["badge"] == ()
    )
    expanded = _query(
        [
            _ldp(
                "badge",
                type_values=[
                    ["https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]
                ],
            )
        ]
    )
    assert evaluate(expanded, [candidate(key=1, format_="ldp_vc", document=ob3)]).matches[
        "badge"
    ] == (1,)


def test_jwt_vc_json_also_matches_the_names_the_credential_writes():
    # The specification's own jwt_vc_json example asks for [["IDCredential"]].
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "example_jwt_vc",
                    "format": "jwt_vc_json",
                    "meta": {"type_values": [["IDCredential"]]},
                    "claims": [
                        {"path": ["credentialSubject", "family_name"]},
                        {"path": ["credentialSubject", "given_name"]},
                    ],
                }
            ]
        }
    )
    document = {
        "@context": [V1],
        "type": ["VerifiableCredential", "IDCredential"],
        "credentialSubject": {"given_name": "Max", "family_name": "Mustermann"},
    }
    found = candidate(key=7, format_="jwt_vc_json", document=document)
    as_ldp = candidate(key=8, format_="ldp_vc", document=document)
    assert evaluate(query, [found, as_ldp]).matches["example_jwt_vc"] == (7,)
    missing = {**document, "credentialSubject": {"given_name": "Max"}}
    assert (
        evaluate(query, [candidate(key=9, format_="jwt_vc_json", document=missing)]).matches[
            "example_jwt_vc"
        ]
        == ()
    )


def test_claim_sets_are_alternatives():
    # claims_alternatives.json, with a W3C format.
    query = _query(
        [
            _ldp(
                "pid",
                type_values=[["https://www.w3.org/2018/credentials#VerifiableCredential"]],
                claims=[
                    {"id": "a", "path": ["last_name"]},
                    {"id": "b", "path": ["postal_code"]},
                    {"id": "c", "path": ["locality"]},
                    {"id": "d", "path": ["region"]},
                    {"id": "e", "path": ["date_of_birth"]},
                ],
                claim_sets=[["a", "c", "d", "e"], ["a", "b", "e"]],
            )
        ]
    )
    base = {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "last_name": "D",
        "date_of_birth": "x",
    }
    second_option = candidate(key=1, format_="ldp_vc", document={**base, "postal_code": "1"})
    neither = candidate(key=2, format_="ldp_vc", document={**base, "locality": "M"})
    assert evaluate(query, [second_option, neither]).matches["pid"] == (1,)


def test_values_must_match_in_type_and_value():
    query = _query(
        [
            _ldp(
                "x",
                type_values=[["https://www.w3.org/2018/credentials#VerifiableCredential"]],
                claims=[{"path": ["level"], "values": [1]}],
            )
        ]
    )
    doc = {"@context": [V1], "type": ["VerifiableCredential"]}
    assert evaluate(
        query, [candidate(key=1, format_="ldp_vc", document={**doc, "level": 1})]
    ).matches["x"] == (1,)
    assert (
        evaluate(
            query, [candidate(key=2, format_="ldp_vc", document={**doc, "level": "1"})]
        ).matches["x"]
        == ()
    )
    assert (
        evaluate(
            query, [candidate(key=3, format_="ldp_vc", document={**doc, "level": True})]
        ).matches["x"]
        == ()
    )


def _alternatives():
    # credentials_alternatives.json's shape: pid, other_pid, or both reduced; nice optional.
    vc = [["https://www.w3.org/2018/credentials#VerifiableCredential"]]
    return _query(
        [
            _ldp(i, type_values=vc, claims=[{"path": [i]}])
            for i in ("pid", "other_pid", "r1", "r2", "nice")
        ],
        [
            {"options": [["pid"], ["other_pid"], ["r1", "r2"]]},
            {"required": False, "options": [["nice"]]},
        ],
    )


def _holding(*claims):
    return [
        candidate(
            key=n,
            format_="ldp_vc",
            document={"@context": [V1], "type": ["VerifiableCredential"], claim: True},
        )
        for n, claim in enumerate(claims, start=1)
    ]


def test_credential_sets_accept_any_option_and_leave_optional_ones_optional():
    evaluation = evaluate(_alternatives(), _holding("r1", "r2", "nice"))
    assert evaluation.satisfiable()
    assert choose(evaluation, {"r1": [1], "r2": [2]}) == {"r1": [1], "r2": [2]}
    assert choose(evaluation, {"r1": [1], "r2": [2], "nice": [3]})["nice"] == [3]
    with pytest.raises(NotSatisfied):
        choose(evaluation, {"r1": [1], "nice": [3]})


def test_a_query_no_credential_matches_is_unsatisfiable():
    evaluation = evaluate(_alternatives(), _holding("r1", "nice"))
    assert not evaluation.satisfiable()
    assert "pid" in evaluation.unanswerable()


def test_without_credential_sets_every_query_is_required():
    vc = [["https://www.w3.org/2018/credentials#VerifiableCredential"]]
    query = _query(
        [
            _ldp("a", type_values=vc, claims=[{"path": ["a"]}]),
            _ldp("b", type_values=vc, claims=[{"path": ["b"]}]),
        ]
    )
    evaluation = evaluate(query, _holding("a", "b"))
    with pytest.raises(NotSatisfied):
        choose(evaluation, {"a": [1]})
    assert choose(evaluation, {"a": [1], "b": [2]}) == {"a": [1], "b": [2]}


def test_picks_must_match_and_be_single_unless_multiple():
    vc = [["https://www.w3.org/2018/credentials#VerifiableCredential"]]
    single = evaluate(
        _query([_ldp("a", type_values=vc, claims=[{"path": ["a"]}])]), _holding("a", "a", "b")
    )
    with pytest.raises(NotSatisfied):
        choose(single, {"a": [1, 2]})
    with pytest.raises(NotSatisfied):
        choose(single, {"a": [3]})  # does not match
    several = evaluate(
        _query([_ldp("a", type_values=vc, claims=[{"path": ["a"]}], multiple=True)]),
        _holding("a", "a"),
    )
    assert choose(several, {"a": [1, 2]}) == {"a": [1, 2]}


def test_formats_the_wallet_cannot_present_match_nothing():
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "pid",
                    "format": "mso_mdoc",
                    "meta": {"doctype_value": "org.iso.18013.5.1.mDL"},
                },
            ]
        }
    )
    assert not query.credentials[0].supported
    assert not evaluate(query, _holding("pid")).satisfiable()


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        {"credentials": []},
        {"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {"type_values": [["x"]]}}]},
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]},
        {"credentials": [{"id": "a", "format": "ldp_vc"}]},
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[]]}}]},
        {"credentials": [_ldp("a"), _ldp("a")]},
        {"credentials": [_ldp("a", claims=[{"path": []}])]},
        {"credentials": [_ldp("a", claims=[{"path": ["x", -1]}])]},
        {"credentials": [_ldp("a", claims=[{"path": ["x"]}], claim_sets=[["zz"]])]},
        {"credentials": [_ldp("a")], "credential_sets": [{"options": [["b"]]}]},
        {"credentials": [_ldp("a", multiple="yes")]},
    ],
)
def test_an_invalid_query_is_refused(value):
    with pytest.raises(DcqlError):
        parse_dcql_query(value)


# --- Appendix B.3: IETF SD-JWT VC ---------------------------------------------------------

PID = "https://credentials.example.com/identity_credential"


def _sd(query_id, vct_values=(PID,), **extra):
    return {
        "id": query_id,
        "format": "dc+sd-jwt",
        "meta": {"vct_values": list(vct_values)},
        **extra,
    }


def test_an_sd_jwt_vc_matches_by_its_vct_and_the_claims_it_discloses():
    query = _query([_sd("pid", claims=[{"path": ["address", "locality"]}])])
    held = candidate(key=1, format_="dc+sd-jwt", document={"vct": PID, **ARTHUR})
    other_type = candidate(key=2, format_="dc+sd-jwt", document={"vct": PID + "/v2", **ARTHUR})
    no_address = candidate(key=3, format_="dc+sd-jwt", document={"vct": PID, "name": "A"})
    as_ldp = candidate(key=4, format_="ldp_vc", document={"vct": PID, **ARTHUR})

    assert evaluate(query, [held, other_type, no_address, as_ldp]).matches == {"pid": (1,)}


@pytest.mark.parametrize("meta", [{}, {"vct_values": []}, {"vct_values": [1]}])
def test_an_sd_jwt_vc_query_needs_its_vct_values(meta):
    with pytest.raises(DcqlError, match="vct_values"):
        parse_dcql_query({"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": meta}]})


def test_select_paths_gives_where_each_selected_claim_sits():
    assert select_paths(ARTHUR, ["address", "locality"]) == [("address", "locality")]
    assert select_paths(ARTHUR, ["degrees", None, "type"]) == [
        ("degrees", 0, "type"),
        ("degrees", 1, "type"),
    ]
    assert select_paths(ARTHUR, ["nationalities", 1]) == [("nationalities", 1)]
    assert select_paths(ARTHUR, ["name", "first"]) == []
    assert select_paths(ARTHUR, ["missing"]) == []
