"""Status lists: revoked, suspended and clear, and every way a list can fail to be trusted."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.verification.errors import MalformedInput
from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import did_key_from_public_key
from wallet.verification.limits import Limits
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs.dataintegrity import sign
from wallet.verification.proofs.jose import sign_jwt
from wallet.verification.report import Report, Status, Verdict, passed
from wallet.verification.status import check_status, decode_status_list, read_status

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIST_URL = "https://issuer.example/status/1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
SL2021_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"

LIST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LIST_DID = did_key_from_public_key(LIST_KEY.public_key())
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
OTHER_DID = did_key_from_public_key(OTHER_KEY.public_key())


def bitstring(set_bits: tuple[int, ...] = (), size: int = 16_384) -> bytes:
    raw = bytearray(size)
    for bit in set_bits:
        raw[bit // 8] |= 0x80 >> (bit % 8)
    return bytes(raw)


def encode(raw: bytes, *, multibase: bool = True, alphabet: str = "url") -> str:
    packed = gzip.compress(raw, mtime=0)
    if alphabet == "url":
        text = base64.urlsafe_b64encode(packed).decode().rstrip("=")
    else:
        text = base64.b64encode(packed).decode()
    return "u" + text if multibase else text


def signed(document: dict[str, Any], *, key: Ed25519PrivateKey = LIST_KEY) -> dict[str, Any]:
    did = did_key_from_public_key(key.public_key())
    return sign(
        document,
        private_key=key,
        verification_method=f"{did}#{did.removeprefix('did:key:')}",
        purpose="assertionMethod",
        created=NOW - timedelta(days=30),
    )


def bsl_list(
    encoded: str,
    *,
    purpose: str | list[str] = "revocation",
    valid_until: str | None = None,
    types: tuple[str, ...] = ("VerifiableCredential", "BitstringStatusListCredential"),
    issuer: str = LIST_DID,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [VC_V2],
        "id": LIST_URL,
        "type": list(types),
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
    if valid_until:
        document["validUntil"] = valid_until
    return document


def sl2021_list(encoded: str, *, purpose: str = "revocation") -> dict[str, Any]:
    return {
        "@context": [VC_V1, SL2021_CONTEXT],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": LIST_DID,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "StatusList2021",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }


def credential_with(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "urn:uuid:2f1c1e8e-1d1f-4d2b-9a41-0c8f1a4b7a10",
        "type": ["VerifiableCredential"],
        "credentialStatus": entries[0] if len(entries) == 1 else list(entries),
    }


def bsl_entry(index: int, purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
        **extra,
    }


def options_serving(body: Any = None, **fetcher_args: Any) -> VerifyOptions:
    entries = {LIST_URL: json.dumps(body)} if body is not None else {}
    return VerifyOptions(now=NOW, fetcher=MapFetcher(entries, **fetcher_args))


def only_status(checks: list) -> Any:
    decisive = [c for c in checks if c.code != "status.list_too_short"]
    assert len(decisive) == 1, checks
    return decisive[0]


def verdict(checks: list) -> Verdict:
    return Report(checks=checks).verdict


@pytest.fixture(scope="module")
def revocation_list() -> dict[str, Any]:
    return signed(bsl_list(encode(bitstring((3, 131_071)))))


def test_it_reports_a_revoked_credential(revocation_list: dict[str, Any]) -> None:
    checks = check_status(credential_with(bsl_entry(3)), options=options_serving(revocation_list))

    check = only_status(checks)
    assert check.code == "status.revoked"
    assert check.implies is Verdict.REVOKED
    assert verdict(checks) is Verdict.REVOKED


def test_it_passes_a_credential_whose_bit_is_clear(revocation_list: dict[str, Any]) -> None:
    checks = check_status(credential_with(bsl_entry(4)), options=options_serving(revocation_list))

    assert [c.code for c in checks] == ["status.clear"]
    assert checks[0].status is Status.PASS


def test_it_reads_the_last_entry_of_a_full_length_list(revocation_list: dict[str, Any]) -> None:
    checks = check_status(
        credential_with(bsl_entry(131_071)), options=options_serving(revocation_list)
    )

    assert only_status(checks).code == "status.revoked"


def test_it_reports_a_suspended_credential_from_a_multi_purpose_list() -> None:
    document = signed(bsl_list(encode(bitstring((9,))), purpose=["revocation", "suspension"]))
    options = options_serving(document)

    suspended = check_status(credential_with(bsl_entry(9, "suspension")), options=options)

    assert only_status(suspended).code == "status.suspended"
    assert verdict(suspended) is Verdict.SUSPENDED


def test_it_refuses_an_index_beyond_the_end_of_the_list(revocation_list: dict[str, Any]) -> None:
    checks = check_status(
        credential_with(bsl_entry(131_072)), options=options_serving(revocation_list)
    )

    check = only_status(checks)
    assert check.code == "status.index_out_of_range"
    assert check.implies is Verdict.MALFORMED


def test_it_warns_about_a_list_shorter_than_the_standard_but_still_reads_it() -> None:
    document = signed(bsl_list(encode(bitstring((5,), size=12_500))))

    checks = check_status(credential_with(bsl_entry(5)), options=options_serving(document))

    assert [c.code for c in checks] == ["status.list_too_short", "status.revoked"]
    assert checks[0].status is Status.WARNING


def test_it_does_not_trust_a_list_edited_after_signing() -> None:
    document = signed(bsl_list(encode(bitstring((3,)))))
    document["credentialSubject"]["encodedList"] = encode(bitstring())

    checks = check_status(credential_with(bsl_entry(3)), options=options_serving(document))

    check = only_status(checks)
    assert check.code == "status.list_untrusted"
    assert check.implies is Verdict.INVALID_SIGNATURE


def test_it_does_not_trust_a_list_signed_by_someone_other_than_its_issuer() -> None:
    document = signed(bsl_list(encode(bitstring()), issuer=LIST_DID), key=OTHER_KEY)

    checks = check_status(credential_with(bsl_entry(3)), options=options_serving(document))

    assert only_status(checks).code == "status.list_untrusted"
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_does_not_trust_an_unsigned_list() -> None:
    checks = check_status(
        credential_with(bsl_entry(3)), options=options_serving(bsl_list(encode(bitstring())))
    )

    assert only_status(checks).code == "status.list_untrusted"


def test_it_does_not_rely_on_an_expired_list() -> None:
    document = signed(bsl_list(encode(bitstring()), valid_until="2026-05-31T23:59:59Z"))

    checks = check_status(credential_with(bsl_entry(3)), options=options_serving(document))

    check = only_status(checks)
    assert check.code == "status.list_expired"
    assert check.implies is Verdict.ISSUER_UNREACHABLE


def test_it_refuses_an_entry_whose_purpose_the_list_does_not_cover(
    revocation_list: dict[str, Any],
) -> None:
    checks = check_status(
        credential_with(bsl_entry(3, "suspension")), options=options_serving(revocation_list)
    )

    check = only_status(checks)
    assert check.code == "status.purpose_mismatch"
    assert check.implies is Verdict.MALFORMED


def test_it_refuses_a_list_that_is_not_a_status_list_credential() -> None:
    document = signed(bsl_list(encode(bitstring()), types=("VerifiableCredential",)))

    checks = check_status(credential_with(bsl_entry(3)), options=options_serving(document))

    assert only_status(checks).code == "status.list_type"


def test_it_stops_decompressing_a_gzip_bomb() -> None:
    bomb = encode(bytes(8 * 1024 * 1024))
    document = signed(bsl_list(bomb))
    options = VerifyOptions(
        now=NOW,
        fetcher=MapFetcher({LIST_URL: json.dumps(document)}),
        limits=Limits(max_status_list_bytes=1024 * 1024),
    )

    checks = check_status(credential_with(bsl_entry(3)), options=options)

    check = only_status(checks)
    assert check.code == "status.list_too_large"
    assert check.implies is Verdict.MALFORMED


def test_the_decoder_never_returns_more_than_the_cap() -> None:
    with pytest.raises(MalformedInput) as caught:
        decode_status_list(encode(bytes(4096)), max_bytes=4095)

    assert caught.value.code == "status.list_too_large"
    assert len(decode_status_list(encode(bytes(4096)), max_bytes=4096)) == 4096


def test_the_decoder_reads_multibase_base64url_and_base64_alike() -> None:
    raw = bitstring((0, 77))

    forms = [
        encode(raw),
        encode(raw, multibase=False),
        encode(raw, multibase=False, alphabet="standard"),
    ]

    assert {decode_status_list(form, max_bytes=1 << 20) for form in forms} == {raw}


def test_the_decoder_refuses_data_that_is_not_gzip() -> None:
    not_gzip = "u" + base64.urlsafe_b64encode(b"hello world").decode().rstrip("=")

    with pytest.raises(MalformedInput) as caught:
        decode_status_list(not_gzip, max_bytes=1 << 20)

    assert caught.value.code == "status.list_undecodable"


def test_bits_are_read_most_significant_first() -> None:
    assert read_status(b"\x80\x00", 0) == 1
    assert read_status(b"\x80\x00", 1) == 0
    assert read_status(b"\x01\x00", 7) == 1
    assert read_status(b"\x00\x40", 9) == 1
    assert read_status(b"\xb0", 0, size=2) == 0b10
    assert read_status(b"\xb0", 1, size=2) == 0b11


def test_it_reports_a_status_message_from_a_multi_bit_entry() -> None:
    raw = bytearray(32_768)
    raw[0] = 0b0010_0000  # entry 1 (bits 2-3) = 0b10
    document = signed(bsl_list(encode(bytes(raw)), purpose="message"))
    entry = bsl_entry(
        1,
        "message",
        statusSize=2,
        statusMessage=[
            {"status": "0x0", "message": "pending"},
            {"status": "0x2", "message": "under review"},
        ],
    )

    checks = check_status(credential_with(entry), options=options_serving(document))

    check = only_status(checks)
    assert check.code == "status.message"
    assert "under review" in check.message


def test_it_reads_a_statuslist2021_list_without_multibase_prefix() -> None:
    document = signed(sl2021_list(encode(bitstring((42,)), multibase=False)))
    entry = {
        "id": f"{LIST_URL}#42",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }

    revoked = check_status(credential_with(entry), options=options_serving(document))
    clear = check_status(
        credential_with({**entry, "statusListIndex": "41"}), options=options_serving(document)
    )

    assert only_status(revoked).code == "status.revoked"
    assert only_status(clear).code == "status.clear"


def test_it_reads_a_list_secured_as_a_jwt() -> None:
    document = bsl_list(encode(bitstring((12,))))
    kid = f"{LIST_DID}#{LIST_DID.removeprefix('did:key:')}"
    token = sign_jwt(document, private_key=LIST_KEY, kid=kid)
    options = VerifyOptions(now=NOW, fetcher=MapFetcher({LIST_URL: token}))

    revoked = check_status(credential_with(bsl_entry(12)), options=options)
    clear = check_status(credential_with(bsl_entry(13)), options=options)

    assert only_status(revoked).code == "status.revoked"
    assert only_status(clear).code == "status.clear"


def test_it_does_not_trust_a_jwt_list_signed_by_another_key() -> None:
    document = bsl_list(encode(bitstring((12,))))
    kid = f"{LIST_DID}#{LIST_DID.removeprefix('did:key:')}"
    token = sign_jwt(document, private_key=OTHER_KEY, kid=kid)
    options = VerifyOptions(now=NOW, fetcher=MapFetcher({LIST_URL: token}))

    checks = check_status(credential_with(bsl_entry(12)), options=options)

    assert only_status(checks).code == "status.list_untrusted"
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_reads_a_legacy_revocationlist2020_list() -> None:
    # The field names are under test here; list proofs are covered above, so the list's
    # proof check is a stand-in that approves it (and records what it was asked).
    document = {
        "@context": [VC_V1, "https://w3id.org/vc-revocation-list-2020/v1"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "RevocationList2020Credential"],
        "issuer": {"id": LIST_DID},
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "RevocationList2020",
            "encodedList": encode(bitstring((7,)), multibase=False),
        },
        "proof": {"type": "Ed25519Signature2020"},
    }
    entry = {
        "id": f"{LIST_URL}#7",
        "type": "RevocationList2020Status",
        "revocationListIndex": "7",
        "revocationListCredential": LIST_URL,
    }
    asked: list[dict[str, Any]] = []

    def approve(list_credential: dict[str, Any], **kwargs: Any) -> list:
        asked.append(kwargs)
        return [passed("proof", "proof.ok", "ok")]

    checks = check_status(
        credential_with(entry), options=options_serving(document), verify_list_proof=approve
    )

    assert only_status(checks).code == "status.revoked"
    assert asked == [
        {"options": asked[0]["options"], "purpose": "assertionMethod", "issuer_id": LIST_DID}
    ]


def test_an_unreachable_bitstring_list_leaves_the_credential_unverified() -> None:
    options = options_serving(unreachable={LIST_URL})

    checks = check_status(credential_with(bsl_entry(3)), options=options)

    check = only_status(checks)
    assert check.code == "status.unreachable"
    assert check.implies is Verdict.ISSUER_UNREACHABLE


def test_a_missing_bitstring_list_leaves_the_credential_unverified() -> None:
    checks = check_status(credential_with(bsl_entry(3)), options=options_serving())

    assert only_status(checks).implies is Verdict.ISSUER_UNREACHABLE


def test_it_refuses_an_entry_whose_index_is_not_a_number(
    revocation_list: dict[str, Any],
) -> None:
    entry = {**bsl_entry(3), "statusListIndex": "three"}

    checks = check_status(credential_with(entry), options=options_serving(revocation_list))

    assert only_status(checks).implies is Verdict.MALFORMED


def test_it_checks_every_entry_of_a_status_array(revocation_list: dict[str, Any]) -> None:
    document = signed(bsl_list(encode(bitstring((3,))), purpose=["revocation", "suspension"]))

    checks = check_status(
        credential_with(bsl_entry(4), bsl_entry(3, "suspension")),
        options=options_serving(document),
    )

    assert [c.code for c in checks] == ["status.clear", "status.suspended"]


def test_a_credential_without_status_is_skipped() -> None:
    checks = check_status({"id": "urn:x"}, options=options_serving())

    assert [(c.code, c.status) for c in checks] == [("status.none", Status.SKIPPED)]


def test_an_unknown_status_type_is_a_warning() -> None:
    entry = {"id": "https://issuer.example/s", "type": "SomeFutureStatus"}

    checks = check_status(credential_with(entry), options=options_serving())

    assert [(c.code, c.status) for c in checks] == [("status.type_unknown", Status.WARNING)]


# --- 1EdTech revocation list --------------------------------------------------------------

RL_URL = "https://issuer.example/revocations"
CREDENTIAL_ID = "urn:uuid:2f1c1e8e-1d1f-4d2b-9a41-0c8f1a4b7a10"
ONEEDTECH_ENTRY = {"id": RL_URL, "type": "1EdTechRevocationList"}


def oneedtech_options(document: Any = None, **fetcher_args: Any) -> VerifyOptions:
    entries = {RL_URL: json.dumps(document)} if document is not None else {}
    return VerifyOptions(now=NOW, fetcher=MapFetcher(entries, **fetcher_args))


@pytest.mark.parametrize("key", ["revokedCredentials", "revokedCredential"])
def test_it_finds_a_credential_on_a_1edtech_revocation_list(key: str) -> None:
    document = {
        "id": RL_URL,
        key: [
            {"id": "urn:uuid:someone-else"},
            {"id": CREDENTIAL_ID, "revocationReason": "Issued in error"},
        ],
    }

    checks = check_status(credential_with(ONEEDTECH_ENTRY), options=oneedtech_options(document))

    check = only_status(checks)
    assert check.code == "status.revoked"
    assert "Issued in error" in check.message


def test_a_1edtech_entry_marked_not_revoked_is_clear() -> None:
    document = {"revokedCredentials": [{"id": CREDENTIAL_ID, "revoked": False}]}

    checks = check_status(credential_with(ONEEDTECH_ENTRY), options=oneedtech_options(document))

    assert only_status(checks).code == "status.clear"


def test_a_credential_absent_from_a_1edtech_list_is_clear() -> None:
    document = {"revokedCredentials": [{"id": "urn:uuid:someone-else"}]}

    checks = check_status(credential_with(ONEEDTECH_ENTRY), options=oneedtech_options(document))

    assert only_status(checks).code == "status.clear"


def test_an_unreachable_1edtech_list_is_only_a_warning() -> None:
    options = oneedtech_options(unreachable={RL_URL})

    checks = check_status(credential_with(ONEEDTECH_ENTRY), options=options)

    check = only_status(checks)
    assert (check.code, check.status) == ("status.unreachable", Status.WARNING)
    assert verdict(checks) is Verdict.VERIFIED_WITH_WARNINGS


# --- hostile input never raises ------------------------------------------------------------


ENTRY_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.just(LIST_URL),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=12,
)
ENTRY_KEYS = st.sampled_from(
    ["type", "statusPurpose", "statusListIndex", "statusListCredential", "statusSize", "id"]
)
ENTRY_TYPES = st.sampled_from(
    ["BitstringStatusListEntry", "StatusList2021Entry", "1EdTechRevocationList", "Other"]
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(ENTRY_TYPES, st.dictionaries(ENTRY_KEYS, ENTRY_VALUES), ENTRY_VALUES)
def test_any_status_entry_or_list_gives_checks_never_an_exception(
    entry_type: str, entry: dict[str, Any], served: Any
) -> None:
    options = VerifyOptions(now=NOW, fetcher=MapFetcher({LIST_URL: json.dumps(served)}))
    credential = {"id": "urn:x", "credentialStatus": {"type": entry_type, **entry}}

    checks = check_status(credential, options=options, verify_list_proof=lambda *a, **k: [])

    assert checks
    assert all(c.name == "status" for c in checks)
