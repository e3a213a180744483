"""The holder's side: the claims a learner can choose, presenting them, binding to a request."""

from __future__ import annotations

import pytest

from wallet.verification import MapFetcher, Verdict, verify_bytes
from wallet.verification.keys import jwk_from_key
from wallet.verification.sdjwt import bind, disclosable_claims, present
from wallet.verification.sdjwt.compact import split

from .sdjwt_helpers import (
    HOLDER_ED,
    HOLDER_KEY,
    NOW,
    OTHER_KEY,
    base_payload,
    disclosure,
    options,
    sd_jwt,
    vector_text,
)

STREET, STREET_DIGEST = disclosure("s1", "street", "Main St 1")
CITY, CITY_DIGEST = disclosure("s2", "city", "Utrecht")
ADDRESS, ADDRESS_DIGEST = disclosure("s3", "address", {"_sd": [STREET_DIGEST, CITY_DIGEST]})
NAME, NAME_DIGEST = disclosure("s4", "given_name", "Ada")
SKILL, SKILL_DIGEST = disclosure("s5", "curation")
ISSUED = sd_jwt(
    base_payload(_sd=[ADDRESS_DIGEST, NAME_DIGEST], skills=["open", {"...": SKILL_DIGEST}]),
    [ADDRESS, STREET, CITY, NAME, SKILL],
)
REQUEST = {"challenge": "nonce-1", "domain": "https://employer.example"}


def shown(token: str, **kwargs) -> dict:
    report = verify_bytes(token.encode(), options=options(**kwargs))
    assert report.verdict is Verdict.VERIFIED, [c.code for c in report.failures]
    return report.credential


def test_the_claims_a_learner_can_choose_are_listed_with_their_place():
    claims = {c.path: c for c in disclosable_claims(ISSUED)}
    assert set(claims) == {
        ("address",),
        ("address", "street"),
        ("address", "city"),
        ("given_name",),
        ("skills", 1),
    }
    assert claims[("address", "city")].parent == ("address",)
    assert claims[("address", "city")].value == "Utrecht"
    assert claims[("given_name",)].parent is None


def test_the_rfc_example_lists_every_issued_claim():
    paths = {c.path for c in disclosable_claims(vector_text("rfc9901-5.1-sd-jwt.txt"))}
    assert ("given_name",) in paths and ("nationalities", 1) in paths
    assert len(paths) == 10


def test_presenting_a_nested_claim_brings_the_claim_it_sits_in():
    token = present(ISSUED, disclose=[("address", "city")])
    assert split(token).disclosures == (ADDRESS, CITY)
    assert shown(token)["address"] == {"city": "Utrecht"}
    assert "given_name" not in shown(token)


def test_presenting_a_claim_reveals_what_is_inside_it():
    token = present(ISSUED, disclose=[("address",)])
    assert shown(token)["address"] == {"street": "Main St 1", "city": "Utrecht"}


def test_presenting_nothing_keeps_every_disclosable_claim_hidden():
    token = present(ISSUED, disclose=[])
    assert split(token).disclosures == ()
    credential = shown(token)
    assert credential["skills"] == ["open"]
    assert "address" not in credential and "given_name" not in credential


def test_presenting_an_array_element():
    assert shown(present(ISSUED, disclose=[("skills", 1)]))["skills"] == ["open", "curation"]


def test_a_claim_the_credential_does_not_have_is_refused():
    with pytest.raises(ValueError, match="no claim"):
        present(ISSUED, disclose=[("diploma",)])


@pytest.mark.parametrize("key", [HOLDER_KEY, HOLDER_ED], ids=["ES256", "EdDSA"])
def test_a_bound_presentation_verifies_for_its_request(key):
    payload = base_payload(_sd=[NAME_DIGEST], cnf={"jwk": jwk_from_key(key.public_key())})
    token = present(sd_jwt(payload, [NAME]), disclose=[("given_name",)])
    bound = bind(
        token,
        private_key=key,
        audience=REQUEST["domain"],
        nonce=REQUEST["challenge"],
        issued_at=NOW,
    )
    assert shown(bound, **REQUEST)["given_name"] == "Ada"
    report = verify_bytes(bound.encode(), options=options(challenge="other", domain="x"))
    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_binding_with_a_key_the_credential_is_not_bound_to_is_refused():
    token = present(ISSUED, disclose=[("given_name",)])
    with pytest.raises(ValueError, match="bound to another key"):
        bind(token, private_key=OTHER_KEY, audience="a", nonce="n", issued_at=NOW)


def test_binding_twice_is_refused():
    bound = bind(
        present(ISSUED, disclose=[]), private_key=HOLDER_KEY, audience="a", nonce="n", issued_at=NOW
    )
    with pytest.raises(ValueError, match="already"):
        bind(bound, private_key=HOLDER_KEY, audience="a", nonce="n", issued_at=NOW)


def test_text_that_is_not_an_sd_jwt_is_refused():
    with pytest.raises(ValueError):
        disclosable_claims("eyJhbGciOiJFUzI1NiJ9.e30.c2ln")


def test_presenting_one_element_of_the_rfc_example_keeps_its_one_disclosure():
    token = present(vector_text("rfc9901-5.1-sd-jwt.txt"), disclose=[("nationalities", 0)])
    report = verify_bytes(token.encode(), options=options(MapFetcher()))
    # The RFC's §5 example is typed example+sd-jwt: not an SD-JWT VC, but its Disclosures
    # are the ones chosen.
    assert report.verdict is Verdict.UNSUPPORTED
    assert len(split(token).disclosures) == 1


def test_the_sd_jwt_code_imports_no_django():
    import subprocess
    import sys

    probe = (
        "import sys; import wallet.verification.pipeline, wallet.verification.sdjwt.holder; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"
