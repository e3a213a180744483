"""SD-JWTs reach the SD-JWT verifier however they arrive: a file, pasted text, JSON wrappers."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import pytest

from wallet.verification import Verdict, verify_bytes, verify_document
from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input

from .sdjwt_helpers import NOW, base_payload, disclosure, kb_jwt, options, sd_jwt

NAME, NAME_DIGEST = disclosure("s1", "given_name", "Ada")
TOKEN = sd_jwt(base_payload(_sd=[NAME_DIGEST]), [NAME])


def test_a_compact_sd_jwt_file_is_recognised():
    parsed = parse_input(TOKEN.encode(), limits=Limits())
    assert (parsed.container, parsed.sd_jwt) == ("sd-jwt", TOKEN)


def test_pasted_text_with_surrounding_whitespace_verifies():
    report = verify_bytes(f"\n  {TOKEN}\n".encode(), options=options())
    assert report.verdict is Verdict.VERIFIED
    assert report.jwt == TOKEN


def test_text_with_a_tilde_that_is_not_an_sd_jwt_is_malformed():
    with pytest.raises(MalformedInput) as caught:
        parse_input(b"hello~world~", limits=Limits())
    assert caught.value.code == "parse.sd_jwt_invalid"


@pytest.mark.parametrize(
    "wrapper",
    [
        {"credential": TOKEN},
        {"format": "vc+sd-jwt", "credential": TOKEN, "c_nonce": "x"},
        {"credentials": [{"credential": TOKEN}], "notification_id": "n-1"},
    ],
    ids=["draft-response", "draft-13-response", "1.0-response"],
)
def test_an_openid4vci_credential_response_is_unwrapped(wrapper):
    report = verify_bytes(json.dumps(wrapper).encode(), options=options())
    assert report.verdict is Verdict.VERIFIED
    assert report.format == "sd-jwt-vc"
    assert report.credential["given_name"] == "Ada"


def test_a_response_with_several_credentials_is_a_bundle():
    wrapper = {"credentials": [{"credential": TOKEN}, {"credential": TOKEN}]}
    report = verify_bytes(json.dumps(wrapper).encode(), options=options())
    assert report.format == "bundle"
    assert [child.format for child in report.children] == ["sd-jwt-vc", "sd-jwt-vc"]


def test_an_already_decoded_wrapper_given_to_verify_document_is_unwrapped():
    report = verify_document({"credential": TOKEN}, options=options())
    assert report.verdict is Verdict.VERIFIED


def test_the_jws_json_serialization_is_read_as_the_compact_form():
    issuer_jwt, *disclosures, _ = TOKEN.split("~")
    protected, payload, signature = issuer_jwt.split(".")
    flattened = {
        "header": {"disclosures": disclosures},
        "protected": protected,
        "payload": payload,
        "signature": signature,
    }
    general = {
        "payload": payload,
        "signatures": [flattened | {"payload": None}],
    }
    del general["signatures"][0]["payload"]
    for document in (flattened, general):
        report = verify_bytes(json.dumps(document).encode(), options=options())
        assert report.verdict is Verdict.VERIFIED
        assert report.jwt == TOKEN


def test_a_json_list_may_carry_sd_jwt_strings():
    report = verify_bytes(json.dumps([TOKEN]).encode(), options=options())
    assert report.format == "bundle"
    assert report.children[0].verdict is Verdict.VERIFIED


def test_an_enveloped_sd_jwt_vc_in_a_presentation_is_verified():
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["EnvelopedVerifiableCredential"],
                "id": f"data:application/dc+sd-jwt,{quote(TOKEN, safe='')}",
            }
        ],
    }
    report = verify_document(presentation, options=options())
    assert report.children[0].format == "sd-jwt-vc"
    assert report.children[0].verdict is Verdict.VERIFIED


# Inside a presentation, the presentation's own proof answers the request (challenge, domain).

REQUEST = {"challenge": "n-123", "domain": "https://verifier.example"}


def _in_presentation(token: str):
    """The child report of `token` enveloped in a presentation checked against REQUEST (the
    presentation itself is unsigned here: only the child's checks are looked at)."""
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["EnvelopedVerifiableCredential"],
                "id": f"data:application/dc+sd-jwt,{token}",
            }
        ],
    }
    return verify_document(presentation, options=options(**REQUEST)).children[0]


def _codes(report, status: str) -> list[str]:
    return [c.code for c in report.checks if c.status == status]


def test_inside_a_presentation_an_sd_jwt_bound_to_no_key_is_accepted_with_a_warning():
    payload = base_payload(_sd=[NAME_DIGEST])
    del payload["cnf"]
    unbound = sd_jwt(payload, [NAME])

    child = _in_presentation(unbound)
    alone = verify_bytes(unbound.encode(), options=options(**REQUEST))

    assert child.verdict.is_ok and "kb.unbound_in_presentation" in _codes(child, "warning")
    assert "kb.missing" in _codes(alone, "fail")


def test_inside_a_presentation_an_sd_jwt_bound_to_a_key_still_needs_its_kb_jwt():
    child = _in_presentation(TOKEN)

    assert child.verdict is Verdict.INVALID_SIGNATURE
    assert "kb.missing" in _codes(child, "fail")


def test_inside_a_presentation_the_kb_jwt_is_as_old_as_the_presentation_but_same_request():
    old = int((NOW - timedelta(hours=3)).timestamp())

    fits = _in_presentation(TOKEN + kb_jwt(TOKEN, iat=old))
    replayed = _in_presentation(TOKEN + kb_jwt(TOKEN, iat=old, nonce="another"))
    alone = verify_bytes((TOKEN + kb_jwt(TOKEN, iat=old)).encode(), options=options(**REQUEST))

    assert fits.verdict is Verdict.VERIFIED and "kb.valid" in _codes(fits, "pass")
    assert "kb.nonce_mismatch" in _codes(replayed, "fail")
    assert "kb.stale" in _codes(alone, "fail")
