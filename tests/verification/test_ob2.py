"""Open Badges 2.0: hosted and signed assertions, verified against an issuer served from a map."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.verification.fetch import MapFetcher
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs.jose import b64url_encode
from wallet.verification.proofs.ob2 import Ob2Result, verify_ob2
from wallet.verification.report import Report, Status, Verdict

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OB2 = "https://w3id.org/openbadges/v2"
HOST = "https://badges.example.org"
ISSUER_URL = f"{HOST}/issuer.json"
BADGE_URL = f"{HOST}/badges/robotics.json"
ASSERTION_URL = f"{HOST}/assertions/123.json"
KEY_URL = f"{HOST}/keys/1.json"
REVOCATIONS_URL = f"{HOST}/revocations.json"
EMAIL = "learner@example.org"
SALT = "deadsea"


def recipient() -> dict[str, Any]:
    digest = hashlib.sha256((EMAIL + SALT).encode()).hexdigest()
    return {"type": "email", "hashed": True, "salt": SALT, "identity": f"sha256${digest}"}


def make_assertion(**changes: Any) -> dict[str, Any]:
    assertion = {
        "@context": OB2,
        "type": "Assertion",
        "id": ASSERTION_URL,
        "recipient": recipient(),
        "badge": BADGE_URL,
        "verification": {"type": "hosted"},
        "issuedOn": "2024-03-01T10:00:00Z",
        "image": f"{HOST}/assertions/123.png",
    }
    assertion.update(changes)
    return {k: v for k, v in assertion.items() if v is not None}


def make_badge(**changes: Any) -> dict[str, Any]:
    badge = {
        "@context": OB2,
        "type": "BadgeClass",
        "id": BADGE_URL,
        "name": "Robotics",
        "description": "Built a robot.",
        "image": f"{HOST}/badges/robotics.png",
        "criteria": {"narrative": "Build a robot."},
        "issuer": ISSUER_URL,
    }
    badge.update(changes)
    return {k: v for k, v in badge.items() if v is not None}


def make_issuer(**changes: Any) -> dict[str, Any]:
    issuer = {
        "@context": OB2,
        "type": "Issuer",
        "id": ISSUER_URL,
        "name": "Example Robotics Club",
        "url": HOST,
        "email": "badges@example.org",
    }
    issuer.update(changes)
    return {k: v for k, v in issuer.items() if v is not None}


def serve(
    *documents: tuple[str, dict[str, Any]],
    statuses: dict[str, int] | None = None,
    unreachable: set[str] | None = None,
    identifiers: tuple[str, ...] = (),
) -> VerifyOptions:
    fetcher = MapFetcher(
        {url: json.dumps(doc) for url, doc in documents},
        statuses=statuses,
        unreachable=unreachable or set(),
    )
    return VerifyOptions(now=NOW, fetcher=fetcher, recipient_identifiers=identifiers)


def hosted_world(
    assertion: dict[str, Any] | None = None,
    badge: dict[str, Any] | None = None,
    issuer: dict[str, Any] | None = None,
    **serve_args: Any,
) -> VerifyOptions:
    assertion = assertion or make_assertion()
    return serve(
        (assertion["id"], assertion),
        (BADGE_URL, badge or make_badge()),
        (ISSUER_URL, issuer or make_issuer()),
        **serve_args,
    )


def verdict(result: Ob2Result) -> Verdict:
    return Report(checks=result.checks).verdict


def failing(result: Ob2Result) -> list[str]:
    return [c.code for c in result.checks if c.status is Status.FAIL]


# --- hosted ---------------------------------------------------------------------------------


def test_it_verifies_a_hosted_assertion_and_returns_badge_and_issuer() -> None:
    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=hosted_world())

    assert verdict(result) is Verdict.VERIFIED
    assert result.assertion == make_assertion()
    assert result.badge == make_badge()
    assert result.issuer == make_issuer()


def test_it_fetches_a_hosted_assertion_given_only_its_url() -> None:
    result = verify_ob2(assertion=None, token=None, url=ASSERTION_URL, options=hosted_world())

    assert verdict(result) is Verdict.VERIFIED
    assert result.assertion == make_assertion()


def test_it_checks_the_recipient_against_verified_emails() -> None:
    result = verify_ob2(
        assertion=make_assertion(),
        token=None,
        url=None,
        options=hosted_world(identifiers=("Learner@Example.org",)),
    )

    assert "recipient.match" in [c.code for c in result.checks]


def test_a_hosted_assertion_that_answers_410_is_revoked() -> None:
    options = hosted_world(statuses={ASSERTION_URL: 410})

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert verdict(result) is Verdict.REVOKED


def test_a_hosted_assertion_marked_revoked_is_revoked_with_its_reason() -> None:
    revoked = make_assertion(revoked=True, revocationReason="Awarded by mistake")

    result = verify_ob2(
        assertion=make_assertion(), token=None, url=None, options=hosted_world(revoked)
    )

    assert verdict(result) is Verdict.REVOKED
    assert "Awarded by mistake" in result.checks[-1].message


def test_a_copy_that_differs_from_the_hosted_one_is_refused() -> None:
    altered = make_assertion(recipient={"type": "email", "hashed": False, "identity": EMAIL})

    result = verify_ob2(assertion=altered, token=None, url=None, options=hosted_world())

    assert "ob2.hosted_mismatch" in failing(result)
    assert verdict(result) is Verdict.INVALID_SIGNATURE


def test_an_assertion_hosted_outside_the_issuers_origin_is_not_trusted() -> None:
    elsewhere = make_assertion(id="https://attacker.example/assertions/123.json")

    result = verify_ob2(assertion=elsewhere, token=None, url=None, options=hosted_world(elsewhere))

    assert failing(result) == ["ob2.outside_issuer_scope"]
    assert verdict(result) is Verdict.INVALID_SIGNATURE


def test_the_issuer_can_allow_other_origins() -> None:
    elsewhere = make_assertion(id="https://cdn.example.net/assertions/123.json")
    issuer = make_issuer(verification={"allowedOrigins": ["cdn.example.net"]})

    result = verify_ob2(
        assertion=elsewhere, token=None, url=None, options=hosted_world(elsewhere, issuer=issuer)
    )

    assert verdict(result) is Verdict.VERIFIED


@pytest.mark.parametrize(
    ("starts_with", "expected"),
    [
        (f"{HOST}/assertions/", Verdict.VERIFIED),
        ([f"{HOST}/other/", f"{HOST}/assertions/"], Verdict.VERIFIED),
        (f"{HOST}/other/", Verdict.INVALID_SIGNATURE),
        ([f"{HOST}/other/", "https://example.com/"], Verdict.INVALID_SIGNATURE),
    ],
)
def test_the_issuer_can_restrict_hosted_ids_to_prefixes(
    starts_with: str | list[str], expected: Verdict
) -> None:
    issuer = make_issuer(verification={"startsWith": starts_with})

    result = verify_ob2(
        assertion=make_assertion(), token=None, url=None, options=hosted_world(issuer=issuer)
    )

    assert verdict(result) is expected


def test_a_badge_hosted_over_plain_http_verifies_with_a_warning() -> None:
    plain = make_assertion(id="http://badges.example.org/assertions/123.json")

    result = verify_ob2(assertion=plain, token=None, url=None, options=hosted_world(plain))

    assert verdict(result) is Verdict.VERIFIED_WITH_WARNINGS
    assert "ob2.insecure_http" in [c.code for c in result.checks if c.status is Status.WARNING]


def test_an_unreachable_badge_class_means_the_issuer_is_unreachable() -> None:
    options = hosted_world(unreachable={BADGE_URL})

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert verdict(result) is Verdict.ISSUER_UNREACHABLE


def test_an_unreachable_hosted_assertion_means_the_issuer_is_unreachable() -> None:
    options = hosted_world(unreachable={ASSERTION_URL})

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert failing(result) == ["ob2.hosted_unreachable"]
    assert verdict(result) is Verdict.ISSUER_UNREACHABLE


def test_embedded_badge_and_issuer_are_used_without_fetching() -> None:
    embedded = make_assertion(badge=make_badge(issuer=make_issuer()))
    options = serve((ASSERTION_URL, embedded))

    result = verify_ob2(assertion=embedded, token=None, url=None, options=options)

    assert verdict(result) is Verdict.VERIFIED
    assert options.fetcher.requests == [ASSERTION_URL]  # type: ignore[attr-defined]


def test_a_badge_served_under_another_id_verifies_with_a_warning() -> None:
    options = hosted_world(badge=make_badge(id=f"{HOST}/badges/robotics-v2.json"))

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert verdict(result) is Verdict.VERIFIED_WITH_WARNINGS
    assert "ob2.badge_id_mismatch" in [c.code for c in result.checks]


def test_an_expired_badge_is_expired() -> None:
    expired = make_assertion(expires="2025-01-01T00:00:00Z")

    result = verify_ob2(assertion=expired, token=None, url=None, options=hosted_world(expired))

    assert verdict(result) is Verdict.EXPIRED


def test_a_badge_issued_in_the_future_is_not_yet_valid() -> None:
    future = make_assertion(issuedOn="2100-01-01T00:00:00Z")

    result = verify_ob2(assertion=future, token=None, url=None, options=hosted_world(future))

    assert verdict(result) is Verdict.NOT_YET_VALID


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"@context": "https://w3id.org/openbadges/invalid"}, "ob2.context"),
        ({"type": "OtherAssertion"}, "ob2.type"),
        ({"recipient": None}, "ob2.structure"),
        ({"issuedOn": None}, "ob2.structure"),
        ({"verification": {"type": "carrier-pigeon"}}, "ob2.structure"),
        ({"image": "data:image/png;base64,iVBORw0KGgo="}, "ob2.assertion_image"),
    ],
)
def test_a_malformed_assertion_is_malformed(changes: dict[str, Any], code: str) -> None:
    bad = make_assertion(**changes)

    result = verify_ob2(assertion=bad, token=None, url=None, options=hosted_world())

    assert failing(result) == [code]
    assert verdict(result) is Verdict.MALFORMED
    assert result.checks[-1].message


def test_a_badge_class_without_criteria_is_malformed() -> None:
    options = hosted_world(badge=make_badge(criteria=None))

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert failing(result) == ["ob2.badge_structure"]
    assert "criteria" in result.checks[-1].message


def test_an_issuer_of_the_wrong_type_is_malformed() -> None:
    options = hosted_world(issuer=make_issuer(type="Criteria"))

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert failing(result) == ["ob2.issuer_structure"]


def test_a_signed_assertion_without_its_signature_is_not_trusted() -> None:
    unsigned = make_assertion(verification={"type": "signed", "creator": KEY_URL})

    result = verify_ob2(assertion=unsigned, token=None, url=None, options=hosted_world())

    assert failing(result) == ["ob2.signature_missing"]
    assert verdict(result) is Verdict.INVALID_SIGNATURE


def test_nothing_to_verify_is_malformed_not_an_exception() -> None:
    result = verify_ob2(assertion=None, token=None, url=None, options=hosted_world())

    assert verdict(result) is Verdict.MALFORMED


# --- signed ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


EC_KEY = ec.derive_private_key(0x5A7C4E1, ec.SECP256R1())


def pem_of(private_key: Any) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign_jws(payload: dict[str, Any], private_key: Any, alg: str = "RS256") -> str:
    header = b64url_encode(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url_encode(json.dumps(payload).encode())
    signing_input = f"{header}.{body}".encode()
    if alg == "RS256":
        signature = private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{header}.{body}.{b64url_encode(signature)}"


def signed_assertion(**changes: Any) -> dict[str, Any]:
    return make_assertion(
        id="urn:uuid:8c0f1b9e-4c57-4d4e-a1c4-0b8d2f8a9e31",
        verification={"type": "signed", "creator": KEY_URL},
        **changes,
    )


def key_document(private_key: Any, owner: str = ISSUER_URL) -> dict[str, Any]:
    return {
        "@context": OB2,
        "type": "CryptographicKey",
        "id": KEY_URL,
        "owner": owner,
        "publicKeyPem": pem_of(private_key),
    }


def signed_world(
    private_key: Any,
    *,
    issuer: dict[str, Any] | None = None,
    key: dict[str, Any] | None = None,
    revocations: dict[str, Any] | None = None,
    **serve_args: Any,
) -> VerifyOptions:
    documents = [
        (BADGE_URL, make_badge()),
        (ISSUER_URL, issuer or make_issuer(publicKey=KEY_URL)),
        (KEY_URL, key or key_document(private_key)),
    ]
    if revocations is not None:
        documents.append((REVOCATIONS_URL, revocations))
    return serve(*documents, **serve_args)


def test_it_verifies_an_rs256_signed_assertion_without_fetching_the_assertion(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    options = signed_world(rsa_key)

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert verdict(result) is Verdict.VERIFIED
    assert result.assertion == signed_assertion()
    assert result.issuer is not None and result.issuer["id"] == ISSUER_URL
    assert set(options.fetcher.requests) == {BADGE_URL, ISSUER_URL, KEY_URL}  # type: ignore[attr-defined]


def test_it_verifies_an_es256_signed_assertion() -> None:
    token = sign_jws(signed_assertion(), EC_KEY, alg="ES256")

    result = verify_ob2(assertion=None, token=token, url=None, options=signed_world(EC_KEY))

    assert verdict(result) is Verdict.VERIFIED


def test_it_rejects_an_assertion_edited_after_signing(rsa_key: rsa.RSAPrivateKey) -> None:
    header, _, signature = sign_jws(signed_assertion(), rsa_key).split(".")
    forged_body = b64url_encode(json.dumps(signed_assertion(issuedOn="2020-01-01")).encode())

    result = verify_ob2(
        assertion=None,
        token=f"{header}.{forged_body}.{signature}",
        url=None,
        options=signed_world(rsa_key),
    )

    assert failing(result) == ["proof.signature_invalid"]
    assert verdict(result) is Verdict.INVALID_SIGNATURE


def test_it_rejects_a_signature_made_with_another_key(
    rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    token = sign_jws(signed_assertion(), other_rsa_key)

    result = verify_ob2(assertion=None, token=token, url=None, options=signed_world(rsa_key))

    assert verdict(result) is Verdict.INVALID_SIGNATURE


def test_a_key_the_issuer_does_not_list_is_not_trusted(rsa_key: rsa.RSAPrivateKey) -> None:
    options = signed_world(rsa_key, issuer=make_issuer(publicKey=f"{HOST}/keys/2.json"))

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert failing(result) == ["key.not_listed"]
    assert verdict(result) is Verdict.INVALID_SIGNATURE


def test_an_issuer_without_keys_cannot_vouch_for_a_signed_badge(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    options = signed_world(rsa_key, issuer=make_issuer())

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert failing(result) == ["key.not_listed"]


def test_a_key_owned_by_someone_else_is_not_trusted(rsa_key: rsa.RSAPrivateKey) -> None:
    options = signed_world(rsa_key, key=key_document(rsa_key, owner="https://other.example/i"))

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert failing(result) == ["key.controller_mismatch"]


def test_an_unreachable_key_means_the_issuer_is_unreachable(rsa_key: rsa.RSAPrivateKey) -> None:
    options = signed_world(rsa_key, unreachable={KEY_URL})

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert verdict(result) is Verdict.ISSUER_UNREACHABLE


@pytest.mark.parametrize(
    "entry",
    [
        "urn:uuid:8c0f1b9e-4c57-4d4e-a1c4-0b8d2f8a9e31",
        {"id": "urn:uuid:8c0f1b9e-4c57-4d4e-a1c4-0b8d2f8a9e31", "revocationReason": "Cheated"},
        {"uid": "abc-123"},
    ],
)
def test_an_assertion_on_the_issuers_revocation_list_is_revoked(
    rsa_key: rsa.RSAPrivateKey, entry: Any
) -> None:
    issuer = make_issuer(publicKey=[KEY_URL], revocationList=REVOCATIONS_URL)
    revocations = {
        "@context": OB2,
        "type": "RevocationList",
        "id": REVOCATIONS_URL,
        "revokedAssertions": ["urn:uuid:someone-else", entry],
    }
    options = signed_world(rsa_key, issuer=issuer, revocations=revocations)

    result = verify_ob2(
        assertion=None,
        token=sign_jws(signed_assertion(uid="abc-123"), rsa_key),
        url=None,
        options=options,
    )

    assert failing(result) == ["status.revoked"]
    assert verdict(result) is Verdict.REVOKED


def test_an_assertion_absent_from_the_revocation_list_is_clear(rsa_key: rsa.RSAPrivateKey) -> None:
    issuer = make_issuer(publicKey=KEY_URL, revocationList=REVOCATIONS_URL)
    revocations = {"type": "RevocationList", "revokedAssertions": [{"id": "urn:uuid:other"}]}
    options = signed_world(rsa_key, issuer=issuer, revocations=revocations)

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert verdict(result) is Verdict.VERIFIED
    assert "status.clear" in [c.code for c in result.checks]


def test_an_unreachable_revocation_list_leaves_the_badge_unverified(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    issuer = make_issuer(publicKey=KEY_URL, revocationList=REVOCATIONS_URL)
    options = signed_world(rsa_key, issuer=issuer, unreachable={REVOCATIONS_URL})

    result = verify_ob2(
        assertion=None, token=sign_jws(signed_assertion(), rsa_key), url=None, options=options
    )

    assert verdict(result) is Verdict.ISSUER_UNREACHABLE


def test_an_unsigned_token_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    header = b64url_encode(json.dumps({"alg": "none"}).encode())
    body = b64url_encode(json.dumps(signed_assertion()).encode())

    options = signed_world(rsa_key)

    result = verify_ob2(assertion=None, token=f"{header}.{body}.", url=None, options=options)

    assert failing(result) == ["proof.alg_refused"]
    assert verdict(result) is Verdict.UNSUPPORTED
    assert options.fetcher.requests == []  # type: ignore[attr-defined]


def test_a_token_that_is_not_a_jws_is_malformed(rsa_key: rsa.RSAPrivateKey) -> None:
    result = verify_ob2(
        assertion=None, token="not-a-token", url=None, options=signed_world(rsa_key)
    )

    assert verdict(result) is Verdict.MALFORMED


def test_an_address_with_no_badge_behind_it_is_malformed() -> None:
    result = verify_ob2(assertion=None, token=None, url=f"{HOST}/nothing", options=hosted_world())

    assert failing(result) == ["ob2.not_found"]
    assert verdict(result) is Verdict.MALFORMED


def test_a_badge_in_hand_whose_hosted_copy_is_gone_cannot_be_confirmed() -> None:
    options = hosted_world(statuses={ASSERTION_URL: 404})

    result = verify_ob2(assertion=make_assertion(), token=None, url=None, options=options)

    assert failing(result) == ["ob2.hosted_unavailable"]
    assert verdict(result) is Verdict.ISSUER_UNREACHABLE


def test_the_same_issue_date_written_with_another_offset_is_not_a_difference() -> None:
    hosted = make_assertion(issuedOn="2024-03-01T11:00:00+01:00")

    result = verify_ob2(
        assertion=make_assertion(), token=None, url=None, options=hosted_world(hosted)
    )

    assert verdict(result) is Verdict.VERIFIED


def test_a_badge_given_only_by_an_id_object_is_fetched() -> None:
    pointer = make_assertion(badge={"id": BADGE_URL})

    result = verify_ob2(assertion=pointer, token=None, url=None, options=hosted_world(pointer))

    assert verdict(result) is Verdict.VERIFIED
    assert result.badge == make_badge()


def test_a_hosted_assertion_claiming_another_address_verifies_with_a_warning() -> None:
    moved = make_assertion(id=f"{HOST}/assertions/123-canonical.json")
    options = serve((ASSERTION_URL, moved), (BADGE_URL, make_badge()), (ISSUER_URL, make_issuer()))

    result = verify_ob2(assertion=None, token=None, url=ASSERTION_URL, options=options)

    assert verdict(result) is Verdict.VERIFIED_WITH_WARNINGS
    assert "ob2.hosted_id_mismatch" in [c.code for c in result.checks]


# --- hostile input never raises ------------------------------------------------------------

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.just(BADGE_URL),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["type", "id", "recipient", "badge", "verification", "issuedOn", "expires", "image", "revoked"]
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.dictionaries(FIELDS, VALUES), VALUES)
def test_any_assertion_gives_checks_never_an_exception(changes: dict[str, Any], badge: Any) -> None:
    assertion = {**make_assertion(), **changes}
    options = serve((ASSERTION_URL, assertion), (BADGE_URL, badge), (ISSUER_URL, make_issuer()))

    result = verify_ob2(assertion=assertion, token=None, url=None, options=options)

    assert result.checks


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.text(alphabet="abcXYZ019-_.=", max_size=60))
def test_any_token_gives_checks_never_an_exception(token: str) -> None:
    result = verify_ob2(assertion=None, token=token, url=None, options=hosted_world())

    assert verdict(result) in (Verdict.MALFORMED, Verdict.UNSUPPORTED)


# --- addresses that are not URLs are named, never an internal error --------------------------

BAD_URL = "https://e[xample.org/assertions/1"


def test_a_hosted_assertion_whose_id_is_not_a_url_is_malformed_and_says_so() -> None:
    assertion = make_assertion(id=BAD_URL)

    result = verify_ob2(assertion=assertion, token=None, url=None, options=hosted_world())

    assert verdict(result) is Verdict.MALFORMED
    assert failing(result) == ["ob2.hosted_id"]
    assert "id" in result.checks[-1].message


@pytest.mark.parametrize("field", ["badge", "issuer"])
def test_a_badge_or_issuer_reference_that_is_not_a_url_is_malformed_and_named(field: str) -> None:
    assertion = make_assertion(badge=BAD_URL) if field == "badge" else make_assertion()
    badge = make_badge(issuer=BAD_URL) if field == "issuer" else make_badge()

    result = verify_ob2(
        assertion=assertion, token=None, url=None, options=hosted_world(assertion, badge)
    )

    assert verdict(result) is Verdict.MALFORMED
    assert failing(result) == [f"ob2.{field}_invalid"]
    assert field in result.checks[-1].message


def test_an_issuer_whose_own_id_is_not_a_url_is_malformed_and_named() -> None:
    result = verify_ob2(
        assertion=make_assertion(),
        token=None,
        url=None,
        options=hosted_world(issuer=make_issuer(id=BAD_URL)),
    )

    assert verdict(result) is Verdict.MALFORMED
    assert "ob2.issuer_id" in failing(result)


@pytest.mark.parametrize("where", ["creator", "revocationList"])
def test_a_key_or_revocation_list_address_that_is_not_a_url_is_malformed(
    rsa_key: rsa.RSAPrivateKey, where: str
) -> None:
    if where == "creator":
        assertion = signed_assertion() | {"verification": {"type": "signed", "creator": BAD_URL}}
        issuer = make_issuer(publicKey=BAD_URL)
    else:
        assertion = signed_assertion()
        issuer = make_issuer(publicKey=KEY_URL, revocationList=BAD_URL)

    result = verify_ob2(
        assertion=None,
        token=sign_jws(assertion, rsa_key),
        url=None,
        options=signed_world(rsa_key, issuer=issuer),
    )

    assert verdict(result) is Verdict.MALFORMED
    assert any(c.code == "url.invalid" and BAD_URL in c.detail for c in result.checks)
