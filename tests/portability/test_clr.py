"""The learner-assembled CLR: signed by the holder, carrying OB 3.0 credentials as issued."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from intake.services.arrival import credential_import
from portability.clr import clr_bundle_build, clr_bundle_for, clr_bundle_png
from tests.sharing.conftest import give_holder_key, make_user
from tests.support.issuer import EARNER_DID_LABEL, EARNER_EMAIL, NOW
from wallet import verifier
from wallet.verification import Limits, verify_bytes
from wallet.verification.canon import canonize
from wallet.verification.parse import parse_input


@pytest.fixture
def owner(db):
    user = make_user(EARNER_EMAIL, display_name="Robin Learner")
    give_holder_key(user, EARNER_DID_LABEL)
    return user


@pytest.fixture
def add(owner, issuer):
    """Import a document (or bytes) into the owner's record, verified at NOW."""

    def add(data):
        if isinstance(data, dict):
            data = json.dumps(data)
        if isinstance(data, str):
            data = data.encode()
        options = verifier.make_verify_options(owner=owner, now=NOW, fetcher=issuer.fetcher)
        outcome = credential_import(
            owner=owner, data=data, source="upload", now=NOW, options=options
        )
        assert outcome.credential is not None, outcome.message
        return outcome.credential

    return add


@pytest.fixture
def chosen(add, issuer):
    return {
        "ob3": add(issuer.ob3()),
        "vc1": add(issuer.ob3(suite="Ed25519Signature2020")),
        "baked": add(issuer.baked_png(issuer.ob3())),
        "jwt": add(issuer.ob3_jwt()),
        "ob2": add(issuer.ob2_hosted()),
        "clr": add(issuer.clr()),
    }


def test_the_bundle_verifies_with_every_credential_in_it(owner, issuer, chosen):
    bundle = clr_bundle_build(owner=owner, credentials=list(chosen.values()), now=NOW)

    report = verify_bytes(json.dumps(bundle.document).encode(), options=issuer.options())

    assert report.verdict == "verified", report.to_dict()
    assert report.format == "clr2"
    assert len(report.children) == 2
    assert all(child.verdict == "verified" for child in report.children)


def test_the_credential_schema_is_part_of_what_the_holder_signs(owner, chosen):
    document = clr_bundle_build(owner=owner, credentials=[chosen["ob3"]], now=NOW).document
    unsigned = {key: value for key, value in document.items() if key != "proof"}

    nquads = canonize(unsigned)

    schema = (
        "<https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json>"
    )
    validator = (
        "<https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019>"
    )
    assert f"{schema} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {validator}" in nquads


def test_only_data_integrity_open_badges_3_go_in_and_the_rest_say_why(owner, chosen):
    bundle = clr_bundle_build(owner=owner, credentials=list(chosen.values()), now=NOW)

    assert bundle.included == [chosen["ob3"], chosen["baked"]]
    reasons = {credential.pk: reason for credential, reason in bundle.excluded}
    assert set(reasons) == {
        chosen["vc1"].pk,
        chosen["jwt"].pk,
        chosen["ob2"].pk,
        chosen["clr"].pk,
    }
    assert "VC 1.1" in reasons[chosen["vc1"].pk]
    assert "JWT" in reasons[chosen["jwt"].pk]
    assert "2.0" in reasons[chosen["ob2"].pk]
    assert "CLR" in reasons[chosen["clr"].pk]


def test_the_credentials_inside_are_exactly_as_issued(owner, chosen):
    bundle = clr_bundle_build(owner=owner, credentials=[chosen["ob3"], chosen["baked"]], now=NOW)

    inside = bundle.document["credentialSubject"]["verifiableCredential"]
    assert inside[0] == json.loads(bytes(chosen["ob3"].original))
    assert inside[1] == parse_input(bytes(chosen["baked"].original), limits=Limits()).document


def test_the_bundle_is_clearly_self_assembled_by_the_holder(owner, chosen):
    document = clr_bundle_build(
        owner=owner, credentials=[chosen["ob3"]], now=NOW, name="For Acme"
    ).document

    did = owner.holder_keys.get().did
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert document["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["issuer"] == {"id": did, "type": ["Profile"], "name": "Robin Learner"}
    assert document["credentialSubject"]["id"] == did
    assert document["credentialSubject"]["type"] == ["ClrSubject"]
    assert document["partial"] is True
    assert document["name"] == "For Acme"
    assert "Self-assembled by Robin Learner" in document["description"]
    assert "2026-03-01" in document["description"]
    assert document["validFrom"] == "2026-03-01T12:00:00Z"
    proof = document["proof"]
    assert (proof["cryptosuite"], proof["proofPurpose"]) == ("eddsa-rdfc-2022", "assertionMethod")
    assert proof["verificationMethod"].startswith(did + "#")


def test_a_tampered_bundle_fails(owner, issuer, chosen):
    document = clr_bundle_build(owner=owner, credentials=[chosen["ob3"]], now=NOW).document
    document["name"] = "Something else"

    report = verify_bytes(json.dumps(document).encode(), options=issuer.options())

    assert report.verdict == "invalid_signature"


def test_the_baked_png_verifies_as_the_bundle(owner, issuer, chosen):
    bundle = clr_bundle_build(owner=owner, credentials=[chosen["ob3"], chosen["baked"]], now=NOW)

    png = clr_bundle_png(bundle)

    parsed = parse_input(png, limits=Limits())
    assert parsed.container == "png"
    assert parsed.document == bundle.document
    report = verify_bytes(png, options=issuer.options())
    assert report.verdict == "verified", report.to_dict()
    assert len(report.children) == 2


def test_a_credential_that_fails_its_check_is_left_out_with_its_verdict(owner, add, issuer):
    good = add(issuer.ob3())
    forged = add(issuer.ob3("tampered"))
    assert forged.verdict == "invalid_signature"

    bundle = clr_bundle_build(owner=owner, credentials=[good, forged], now=NOW)

    assert bundle.included == [good]
    [(left_out, reason)] = bundle.excluded
    assert left_out == forged
    assert "signature does not verify" in reason and "would reject it" in reason
    report = verify_bytes(json.dumps(bundle.document).encode(), options=issuer.options())
    assert report.verdict == "verified"


def test_credentials_inside_a_clr_can_be_picked_for_the_bundle(owner, add, issuer):
    clr = add(issuer.clr())
    inside = list(clr.children.order_by("pk"))

    bundle = clr_bundle_for(owner=owner, credential_ids=[inside[0].pk], now=NOW)

    assert bundle.included == [inside[0]] and bundle.excluded == []
    report = verify_bytes(json.dumps(bundle.document).encode(), options=issuer.options())
    assert report.verdict == "verified" and len(report.children) == 1


def test_a_stranger_cannot_pick_the_credentials_inside_someone_elses_clr(owner, add, issuer):
    inside = add(issuer.clr()).children.first()
    stranger = make_user("stranger@example.org")
    give_holder_key(stranger, "stranger")

    with pytest.raises(ValidationError):
        clr_bundle_for(owner=stranger, credential_ids=[inside.pk], now=NOW)


def test_an_sd_jwt_vc_stays_out_of_the_bundle_saying_why(owner, add, issuer):
    from tests.support.sdjwt_issuer import SdJwtIssuer

    sd_jwt = add(SdJwtIssuer(issuer.fetcher).issue(holder_jwk=None))
    badge = add(issuer.ob3())

    bundle = clr_bundle_build(owner=owner, credentials=[badge, sd_jwt], now=NOW)

    assert bundle.included == [badge]
    [(left_out, reason)] = bundle.excluded
    assert left_out == sd_jwt and "JWT" in reason
