"""The pipeline end to end: what it checks, in which order, and how failures become verdicts."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.issuer import (
    EARNER_EMAIL,
    OB2_BASE,
    VC_V2,
    TestIssuer,
    _sign_jws,
    tamper_jws,
)
from wallet.verification import (
    MapFetcher,
    Status,
    Verdict,
    verify_bytes,
    verify_document,
    verify_url,
)
from wallet.verification import pipeline as pipeline_module
from wallet.verification.keys import jwk_from_key
from wallet.verification.proofs.dataintegrity import sign


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


def _codes(report: Any, status: Status | None = None) -> set[str]:
    return {c.code for c in report.checks if status is None or c.status is status}


def _bytes(value: dict[str, Any] | str) -> bytes:
    return (value if isinstance(value, str) else json.dumps(value)).encode()


def _endorsement(issuer: TestIssuer, subject_id: str, *, forged: bool = False) -> dict[str, Any]:
    body = {
        "@context": [VC_V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:6f1f1f1f-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": issuer.p256.did, "type": ["Profile"], "name": "Endorser"},
        "name": "Endorsement",
        "validFrom": "2025-09-01T00:00:00Z",
        "credentialSubject": {
            "id": subject_id,
            "type": ["EndorsementSubject"],
            "endorsementComment": "Solid programme.",
        },
    }
    signed = sign(
        body,
        private_key=issuer.p256.private,
        verification_method=issuer.p256.vm,
        purpose="assertionMethod",
        created=issuer.options().now,
        cryptosuite="ecdsa-rdfc-2019",
    )
    if forged:
        signed["credentialSubject"]["endorsementComment"] = "Forged praise."
    return signed


def _ob3_with_endorsement(issuer: TestIssuer, *, forged: bool) -> dict[str, Any]:
    credential = issuer.achievement_credential(issuer.ed.did)
    achievement = credential["credentialSubject"]["achievement"]
    achievement["endorsement"] = [_endorsement(issuer, achievement["id"], forged=forged)]
    return sign(
        credential,
        private_key=issuer.ed.private,
        verification_method=issuer.ed.vm,
        purpose="assertionMethod",
        created=issuer.options().now,
    )


# --- the happy path and the order of checks -------------------------------------------------


def test_a_valid_credential_passes_every_step(issuer: TestIssuer) -> None:
    report = verify_bytes(_bytes(issuer.ob3()), options=issuer.options())

    assert report.verdict is Verdict.VERIFIED
    names = [c.name for c in report.checks]
    assert names.index("structure") < names.index("proof") < names.index("status")
    assert names.index("status") < names.index("validity")
    assert report.credential is not None and report.credential["type"][1] == "OpenBadgeCredential"


def test_a_jwt_credential_reports_its_token_and_decoded_credential(issuer: TestIssuer) -> None:
    token = issuer.ob3_jwt(alg="ES256")

    report = verify_bytes(_bytes(token), options=issuer.options())

    assert report.container == "jwt"
    assert report.jwt == token
    assert report.credential is not None and report.credential["issuer"]["id"] == issuer.p256.did


def test_verify_document_takes_an_already_decoded_credential(issuer: TestIssuer) -> None:
    report = verify_document(issuer.ob3(), options=issuer.options(), container="png")

    assert report.verdict is Verdict.VERIFIED
    assert report.container == "png"


# --- structure and JSON-LD ------------------------------------------------------------------


def test_an_unknown_context_is_malformed_and_named(issuer: TestIssuer) -> None:
    credential = issuer.ob3()
    credential["@context"].append("https://contexts.example/unvetted.jsonld")

    report = verify_bytes(_bytes(credential), options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    unknown = [c for c in report.failures if c.code == "context.unknown"]
    assert unknown and "https://contexts.example/unvetted.jsonld" in unknown[0].message


def test_a_credential_without_the_vc_base_context_first_is_malformed(issuer: TestIssuer) -> None:
    credential = issuer.ob3()
    credential["@context"].reverse()

    report = verify_bytes(_bytes(credential), options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    assert "context.base_missing" in _codes(report, Status.FAIL)


def test_an_older_ob_context_is_a_warning_not_a_failure(issuer: TestIssuer) -> None:
    credential = issuer.achievement_credential(issuer.ed.did)
    credential["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
    signed = sign(
        credential,
        private_key=issuer.ed.private,
        verification_method=issuer.ed.vm,
        purpose="assertionMethod",
        created=issuer.options().now,
    )

    report = verify_bytes(_bytes(signed), options=issuer.options())

    assert "context.ob_version" in _codes(report, Status.WARNING)
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS


def test_a_vc_with_the_ob_context_but_another_type_is_malformed(issuer: TestIssuer) -> None:
    credential = issuer.ob3()
    credential["type"] = ["VerifiableCredential", "OtherCredential"]

    report = verify_bytes(_bytes(credential), options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    assert "structure.type_wrong" in _codes(report, Status.FAIL)


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda c: c["credentialSubject"].pop("achievement"), "structure.achievement_missing"),
        (
            lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
            "structure.criteria_missing",
        ),
        (
            lambda c: c.update(issuer={"id": c["issuer"]["id"], "type": "Org"}),
            "structure.type_wrong",
        ),
        (
            lambda c: c["credentialSubject"].update(
                identifier=[{"type": "IdentityObject", "identityType": "email", "hashed": False}]
            ),
            "structure.identity_type_invalid",
        ),
    ],
)
def test_structural_errors_are_malformed_even_before_the_signature(
    issuer: TestIssuer, edit: Any, code: str
) -> None:
    credential = issuer.ob3()
    edit(credential)

    report = verify_bytes(_bytes(credential), options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    assert code in _codes(report, Status.FAIL)


def test_a_subject_without_id_or_identifier_is_only_a_warning(issuer: TestIssuer) -> None:
    credential = issuer.achievement_credential(issuer.ed.did)
    del credential["credentialSubject"]["id"]
    signed = sign(
        credential,
        private_key=issuer.ed.private,
        verification_method=issuer.ed.vm,
        purpose="assertionMethod",
        created=issuer.options().now,
    )

    report = verify_bytes(_bytes(signed), options=issuer.options())

    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert "structure.subject_unidentified" in _codes(report, Status.WARNING)


def test_an_unsigned_credential_is_malformed(issuer: TestIssuer) -> None:
    credential = issuer.achievement_credential(issuer.ed.did)

    report = verify_bytes(_bytes(credential), options=issuer.options())

    assert report.verdict is Verdict.MALFORMED
    assert "proof.missing" in _codes(report, Status.FAIL)


def test_a_json_document_that_is_no_credential_is_malformed(issuer: TestIssuer) -> None:
    report = verify_bytes(b'{"hello": "world"}', options=issuer.options())

    assert report.verdict is Verdict.MALFORMED


# --- proofs ---------------------------------------------------------------------------------


def test_an_unreadable_extra_proof_beside_a_valid_one_is_only_a_warning(issuer: TestIssuer) -> None:
    credential = issuer.ob3()
    credential["proof"] = [
        credential["proof"],
        {"type": "SomeFutureProof", "proofPurpose": "assertionMethod", "proofValue": "z1"},
    ]

    report = verify_bytes(_bytes(credential), options=issuer.options())

    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS


def test_a_forged_proof_beside_a_valid_one_still_fails(issuer: TestIssuer) -> None:
    good = issuer.ob3()
    forged = copy.deepcopy(good["proof"])
    forged["proofValue"] = "z" + "1" * 86
    good["proof"] = [good["proof"], forged]

    report = verify_bytes(_bytes(good), options=issuer.options())

    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_an_unreachable_issuer_key_is_not_called_forgery(issuer: TestIssuer) -> None:
    fetcher = copy.copy(issuer.fetcher)
    fetcher.unreachable = {"https://issuer.example/.well-known/did.json"}

    report = verify_bytes(
        _bytes(issuer.ob3_jwt(alg="RS256")), options=issuer.options(fetcher=fetcher)
    )

    assert report.verdict is Verdict.ISSUER_UNREACHABLE


# --- refresh, recipient, status ----------------------------------------------------------------


def test_a_refresh_service_is_reported_and_never_fetched(issuer: TestIssuer) -> None:
    credential = issuer.achievement_credential(issuer.ed.did)
    credential["refreshService"] = {"id": "https://issuer.example/refresh/1", "type": "Refresh"}
    credential["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
    signed = sign(
        credential,
        private_key=issuer.ed.private,
        verification_method=issuer.ed.vm,
        purpose="assertionMethod",
        created=issuer.options().now,
    )
    fetcher = MapFetcher(dict(issuer.fetcher.entries))

    report = verify_bytes(_bytes(signed), options=issuer.options(fetcher=fetcher))

    assert "refresh.not_attempted" in _codes(report, Status.SKIPPED)
    assert "https://issuer.example/refresh/1" not in fetcher.requests


def test_the_recipient_is_checked_only_when_the_earner_is_known(issuer: TestIssuer) -> None:
    data = _bytes(issuer.ob3())

    anonymous = verify_bytes(data, options=issuer.options())
    earner = verify_bytes(data, options=issuer.options(recipient_identifiers=(issuer.earner_did,)))
    stranger = verify_bytes(data, options=issuer.options(recipient_identifiers=("did:key:zOther",)))

    assert not [c for c in anonymous.checks if c.name == "recipient"]
    assert "recipient.match" in _codes(earner, Status.PASS)
    assert stranger.verdict is Verdict.VERIFIED_WITH_WARNINGS


def test_an_ob2_recipient_is_matched_by_email(issuer: TestIssuer) -> None:
    options = issuer.options(recipient_identifiers=(EARNER_EMAIL,))

    report = verify_bytes(_bytes(issuer.ob2_signed()), options=options)

    assert report.verdict is Verdict.VERIFIED
    assert "recipient.match" in _codes(report, Status.PASS)


# --- endorsements ---------------------------------------------------------------------------


def test_endorsements_anywhere_are_verified_with_the_same_pipeline(issuer: TestIssuer) -> None:
    report = verify_bytes(
        _bytes(_ob3_with_endorsement(issuer, forged=False)), options=issuer.options()
    )

    assert report.verdict is Verdict.VERIFIED
    assert [e.format for e in report.endorsements] == ["endorsement"]
    assert report.endorsements[0].verdict is Verdict.VERIFIED
    assert "endorsement.verified" in _codes(report, Status.PASS)


def test_a_forged_endorsement_warns_but_does_not_fail_the_credential(issuer: TestIssuer) -> None:
    report = verify_bytes(
        _bytes(_ob3_with_endorsement(issuer, forged=True)), options=issuer.options()
    )

    assert report.endorsements[0].verdict is Verdict.INVALID_SIGNATURE
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert "endorsement.failed" in _codes(report, Status.WARNING)


def test_an_endorsement_jwt_is_verified_too(issuer: TestIssuer) -> None:
    credential = issuer.achievement_credential(issuer.ed.did)
    credential["issuer"]["endorsementJwt"] = [tamper_jws(issuer.ob3_jwt(), {"name": "Forged"})]
    signed = sign(
        credential,
        private_key=issuer.ed.private,
        verification_method=issuer.ed.vm,
        purpose="assertionMethod",
        created=issuer.options().now,
    )

    report = verify_bytes(_bytes(signed), options=issuer.options())

    assert [e.container for e in report.endorsements] == ["jwt"]
    assert report.endorsements[0].verdict is Verdict.INVALID_SIGNATURE
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS


# --- CLR nesting ----------------------------------------------------------------------------


def test_a_clr_verifies_each_credential_it_carries(issuer: TestIssuer) -> None:
    report = verify_bytes(_bytes(issuer.clr()), options=issuer.options())

    assert report.verdict is Verdict.VERIFIED
    assert [c.verdict for c in report.children] == [Verdict.VERIFIED, Verdict.VERIFIED]


def test_a_clr_carrying_a_forged_credential_fails_with_the_childs_verdict(
    issuer: TestIssuer,
) -> None:
    clr = issuer.clr(inner=[issuer.ob3(), issuer.ob3("tampered")])

    report = verify_bytes(_bytes(clr), options=issuer.options())

    assert report.children[1].verdict is Verdict.INVALID_SIGNATURE
    assert report.verdict is Verdict.INVALID_SIGNATURE
    assert "nested.credential_failed" in _codes(report, Status.FAIL)


def test_a_clr_carrying_a_revoked_credential_stands_with_a_warning(issuer: TestIssuer) -> None:
    clr = issuer.clr(inner=[issuer.ob3(), issuer.ob3("revoked")])

    report = verify_bytes(_bytes(clr), options=issuer.options())

    assert report.children[1].verdict is Verdict.REVOKED
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert "nested.credential_not_current" in _codes(report, Status.WARNING)
    [warned] = [c for c in report.checks if c.code == "nested.credential_not_current"]
    assert warned.message == "Credential 2 in this CLR (“Test Achievement”): revoked by the issuer."


# --- presentations --------------------------------------------------------------------------


def test_a_presentation_unwraps_enveloped_jwt_credentials(issuer: TestIssuer) -> None:
    token = issuer.ob3_jwt(alg="RS256")
    presentation = issuer.presentation([token])

    report = verify_bytes(
        _bytes(presentation),
        options=issuer.options(challenge="challenge-1", domain="https://verifier.example"),
    )

    assert report.verdict is Verdict.VERIFIED
    assert report.children[0].jwt == token


@pytest.mark.parametrize(
    ("challenge", "domain"),
    [("another-challenge", "https://verifier.example"), ("challenge-1", "https://evil.example")],
)
def test_a_presentation_made_for_another_request_fails(
    issuer: TestIssuer, challenge: str, domain: str
) -> None:
    presentation = issuer.presentation([issuer.ob3()])

    report = verify_bytes(
        _bytes(presentation), options=issuer.options(challenge=challenge, domain=domain)
    )

    assert not report.verdict.is_ok


def test_a_presentation_signed_by_someone_other_than_its_holder_fails(issuer: TestIssuer) -> None:
    presentation = issuer.presentation([issuer.ob3()], holder=issuer.ed.did)

    report = verify_bytes(_bytes(presentation), options=issuer.options())

    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_an_unsigned_presentation_is_refused_when_a_challenge_was_asked(
    issuer: TestIssuer,
) -> None:
    presentation = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [issuer.ob3()],
    }

    relaxed = verify_bytes(_bytes(presentation), options=issuer.options())
    strict = verify_bytes(_bytes(presentation), options=issuer.options(challenge="challenge-1"))

    assert relaxed.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert strict.verdict is Verdict.INVALID_SIGNATURE


def test_a_vc_1_1_jwt_presentation_verifies_its_jwt_credentials(issuer: TestIssuer) -> None:
    token = issuer.presentation_jwt([issuer.ob3_jwt(), issuer.ob3_jwt("revoked", alg="ES256")])
    options = issuer.options(challenge="challenge-1", domain="https://verifier.example")

    report = verify_bytes(_bytes(token), options=options)

    assert report.format == "vp"
    assert [c.verdict for c in report.children] == [Verdict.VERIFIED, Verdict.REVOKED]
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS


def test_a_vc_1_1_jwt_presentation_with_the_wrong_nonce_fails(issuer: TestIssuer) -> None:
    token = issuer.presentation_jwt([issuer.ob3_jwt()], nonce="stale")
    options = issuer.options(challenge="challenge-1", domain="https://verifier.example")

    report = verify_bytes(_bytes(token), options=options)

    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_an_expired_jwt_presentation_is_expired(issuer: TestIssuer) -> None:
    options = issuer.options(challenge="challenge-1", domain="https://verifier.example")
    stale = issuer.presentation_jwt([issuer.ob3_jwt()], exp=int(options.now.timestamp()) - 60)
    fresh = issuer.presentation_jwt([issuer.ob3_jwt()], exp=int(options.now.timestamp()) + 60)

    assert verify_bytes(_bytes(stale), options=options).verdict is Verdict.EXPIRED
    assert verify_bytes(_bytes(fresh), options=options).verdict is Verdict.VERIFIED


def _signed_with_header_key(payload: dict[str, Any], private: Any) -> str:
    """A token whose header carries the (stranger's) key that signed it, and no kid."""
    header = {"alg": "EdDSA", "jwk": jwk_from_key(private.public_key()), "typ": "JWT"}
    return _sign_jws(header, payload, private)


@pytest.mark.parametrize("issuer_of", ["ed", "rsa"], ids=["did:key", "did:web"])
def test_a_jwt_credential_signed_with_a_strangers_header_key_is_a_forgery(
    issuer: TestIssuer, issuer_of: str
) -> None:
    did = getattr(issuer, issuer_of).did
    payload = issuer.achievement_credential(did) | {"iss": did}
    token = _signed_with_header_key(payload, issuer.intruder.private)

    report = verify_bytes(_bytes(token), options=issuer.options())

    assert report.verdict is Verdict.INVALID_SIGNATURE
    assert "key.jwk_not_issuers" in _codes(report, Status.FAIL)


def test_a_jwt_presentation_signed_with_a_strangers_header_key_is_not_the_holders(
    issuer: TestIssuer,
) -> None:
    payload = {
        "iss": issuer.holder.did,
        "nonce": "challenge-1",
        "aud": "https://verifier.example",
        "vp": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [issuer.ob3_jwt()],
        },
    }
    token = _signed_with_header_key(payload, issuer.intruder.private)
    options = issuer.options(challenge="challenge-1", domain="https://verifier.example")

    report = verify_bytes(_bytes(token), options=options)

    assert report.verdict is Verdict.INVALID_SIGNATURE
    assert "key.jwk_not_issuers" in _codes(report, Status.FAIL)


# --- URLs -----------------------------------------------------------------------------------


def test_verify_url_fetches_a_hosted_ob2_assertion(issuer: TestIssuer) -> None:
    assertion = issuer.ob2_hosted()

    report = verify_url(assertion["id"], options=issuer.options())

    assert (report.container, report.format) == ("url", "ob2-hosted")
    assert report.verdict is Verdict.VERIFIED


def test_verify_url_calls_a_gone_assertion_revoked(issuer: TestIssuer) -> None:
    assertion = issuer.ob2_hosted("revoked")

    report = verify_url(assertion["id"], options=issuer.options())

    assert report.verdict is Verdict.REVOKED


def test_verify_url_serves_ob3_json_and_jwt(issuer: TestIssuer) -> None:
    fetcher = MapFetcher(dict(issuer.fetcher.entries))
    fetcher.add("https://issuer.example/c/1", json.dumps(issuer.ob3()))
    fetcher.add("https://issuer.example/c/2", issuer.ob3_jwt())
    options = issuer.options(fetcher=fetcher)

    reports = [verify_url(f"https://issuer.example/c/{n}", options=options) for n in (1, 2)]

    assert [r.verdict for r in reports] == [Verdict.VERIFIED, Verdict.VERIFIED]


def test_verify_url_tells_unreachable_from_missing(issuer: TestIssuer) -> None:
    fetcher = MapFetcher(unreachable={"https://down.example/c"})
    options = issuer.options(fetcher=fetcher)

    down = verify_url("https://down.example/c", options=options)
    missing = verify_url("https://issuer.example/nothing-here", options=options)

    assert down.verdict is Verdict.ISSUER_UNREACHABLE
    assert missing.verdict is Verdict.MALFORMED


# --- nothing escapes ------------------------------------------------------------------------


def test_a_module_crash_becomes_an_internal_error_check(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> list[Any]:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(pipeline_module.status, "check_status", explode)

    report = verify_bytes(_bytes(issuer.ob3()), options=issuer.options())

    crash = [c for c in report.failures if c.code == "internal.error"]
    assert report.verdict is Verdict.MALFORMED
    assert crash and crash[0].name == "status" and "ZeroDivisionError" in crash[0].detail
    assert "proof.signature_valid" in _codes(report, Status.PASS)


def test_a_crash_while_parsing_is_contained_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setattr(pipeline_module, "parse_input", explode)

    report = verify_bytes(b"{}", options=TestIssuer().options())

    assert report.verdict is Verdict.MALFORMED
    assert report.failures[0].code == "internal.error"


def test_an_ob2_assertion_url_is_still_reported_when_the_issuer_is_gone(
    issuer: TestIssuer,
) -> None:
    fetcher = MapFetcher(unreachable={f"{OB2_BASE}/assertions/valid"})

    report = verify_url(f"{OB2_BASE}/assertions/valid", options=issuer.options(fetcher=fetcher))

    assert report.verdict is Verdict.ISSUER_UNREACHABLE


def test_a_json_array_of_credentials_is_verified_one_by_one(issuer: TestIssuer) -> None:
    data = json.dumps([issuer.ob3(), issuer.ob3("tampered")]).encode()

    report = verify_bytes(data, options=issuer.options())

    assert report.format == "bundle"
    assert [c.verdict for c in report.children] == [Verdict.VERIFIED, Verdict.INVALID_SIGNATURE]
    assert report.verdict is Verdict.INVALID_SIGNATURE


# --- addresses that are not URLs: malformed, the field named, never the safety net -----------

BAD_URL = "https://e[xample.org/x"


def _no_internal_error(report: Any) -> None:
    assert "internal.error" not in _codes(report)
    for child in report.children:
        _no_internal_error(child)


def test_a_verification_method_that_is_not_a_url_is_malformed(issuer: TestIssuer) -> None:
    credential = issuer.ob3()
    credential["proof"]["verificationMethod"] = BAD_URL

    report = verify_bytes(_bytes(credential), options=issuer.options())

    _no_internal_error(report)
    assert report.verdict is Verdict.MALFORMED
    bad = next(c for c in report.checks if c.code == "url.invalid")
    assert "verificationMethod" in bad.message


def test_a_status_list_address_that_is_not_a_url_is_malformed(issuer: TestIssuer) -> None:
    credential = issuer.ob3()  # edited after signing: RDF refuses such an IRI, nobody signs it
    credential["credentialStatus"]["statusListCredential"] = BAD_URL

    report = verify_bytes(_bytes(credential), options=issuer.options())

    _no_internal_error(report)
    assert report.verdict is Verdict.MALFORMED
    assert any("statusListCredential" in c.message for c in report.checks)


@pytest.mark.parametrize("where", ["kid", "issuer"])
def test_a_jwt_whose_key_or_issuer_address_is_not_a_url_is_malformed(
    issuer: TestIssuer, where: str
) -> None:
    did = BAD_URL if where == "issuer" else issuer.ed.did
    payload = issuer.achievement_credential(did) | {"iss": did}
    header: dict[str, Any] = {"alg": "EdDSA"}
    if where == "kid":
        header["kid"] = BAD_URL
    else:
        header["jwk"] = jwk_from_key(issuer.ed.private.public_key())
    token = _sign_jws(header, payload, issuer.ed.private)

    report = verify_bytes(_bytes(token), options=issuer.options())

    _no_internal_error(report)
    assert report.verdict is Verdict.MALFORMED
    assert any(c.code == "url.invalid" for c in report.checks)


def test_an_ob2_assertion_whose_id_is_not_a_url_is_malformed_and_names_its_id(
    issuer: TestIssuer,
) -> None:
    assertion = issuer.ob2_hosted() | {"id": "https://e[xample.org/assertions/1"}

    report = verify_bytes(_bytes(assertion), options=issuer.options())

    _no_internal_error(report)
    assert report.verdict is Verdict.MALFORMED
    failure = next(c for c in report.checks if c.code == "ob2.hosted_id")
    assert "id" in failure.message


def test_verify_url_with_an_address_that_is_not_a_url_is_malformed(issuer: TestIssuer) -> None:
    report = verify_url(BAD_URL, options=issuer.options())

    _no_internal_error(report)
    assert report.verdict is Verdict.MALFORMED
