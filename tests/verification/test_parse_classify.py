import pytest

from wallet.verification.parse import classify, credential_from_jwt_payload

from .parse_samples import credential, ob2_assertion

VC2 = "https://www.w3.org/ns/credentials/v2"


@pytest.mark.parametrize(
    "types, kind",
    [
        (["VerifiableCredential", "OpenBadgeCredential"], "ob3"),
        (["VerifiableCredential", "AchievementCredential"], "ob3"),
        (["VerifiableCredential", "ClrCredential"], "clr2"),
        (["VerifiableCredential", "EndorsementCredential"], "endorsement"),
        (["VerifiablePresentation"], "vp"),
        ("VerifiablePresentation", "vp"),
        (["VerifiableCredential", "UniversityDegreeCredential"], "vc"),
        ("VerifiableCredential", "vc"),
    ],
)
def test_it_names_verifiable_credentials_by_their_most_specific_type(types, kind):
    assert classify({"@context": [VC2], "type": types}) == kind


def test_it_recognises_an_open_badges_2_assertion_by_type_context_or_shape():
    assert classify(ob2_assertion()) == "ob2"
    assert classify({"type": "Assertion"}) == "ob2"
    assert classify({"@context": "https://openbadgespec.org/v2/context.json"}) == "ob2"
    legacy = {"badge": "https://issuer.example/b", "recipient": "sha256$ab", "verify": {}}
    assert classify(legacy) == "ob2"


def test_it_does_not_take_an_open_badges_2_badge_class_for_an_assertion():
    badge_class = {"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass"}
    assert classify(badge_class) == "unknown"


def test_vc_types_win_over_an_open_badges_2_shape():
    document = {**ob2_assertion(), "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    assert classify(document) == "ob3"


@pytest.mark.parametrize("document", [{}, {"type": 42}, {"type": ["Thing"]}, {"name": "x"}])
def test_it_calls_anything_else_unknown(document):
    assert classify(document) == "unknown"


def test_the_credential_in_a_vc_1_1_jwt_is_the_vc_claim():
    payload = {"iss": "did:example:1", "nbf": 1, "vc": credential()}
    assert credential_from_jwt_payload(payload) == credential()


def test_the_presentation_in_a_vc_1_1_jwt_is_the_vp_claim():
    presentation = {"type": ["VerifiablePresentation"]}
    assert credential_from_jwt_payload({"vp": presentation, "aud": "x"}) == presentation


def test_the_credential_in_a_vc_2_jwt_is_the_whole_payload():
    payload = {**credential(), "iss": "https://issuer.example/", "vc": "not an object"}
    assert credential_from_jwt_payload(payload) is payload
