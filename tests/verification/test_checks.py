"""The validity window and the recipient check."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.verification.checks import (
    check_recipient,
    check_validity,
    parse_datetime,
    recipient_hint,
)
from wallet.verification.errors import MalformedInput
from wallet.verification.report import Report, Status, Verdict

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def verdict_of(credential: dict[str, Any], now: datetime = NOW) -> Verdict:
    return Report(checks=check_validity(credential, now=now)).verdict


def codes(credential: dict[str, Any], now: datetime = NOW) -> list[str]:
    return [c.code for c in check_validity(credential, now=now)]


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-01T12:00:00Z", datetime(2026, 6, 1, 12, tzinfo=UTC)),
        ("2026-06-01T12:00:00z", datetime(2026, 6, 1, 12, tzinfo=UTC)),
        ("2026-06-01T14:30:00+02:30", datetime(2026, 6, 1, 12, tzinfo=UTC)),
        ("2026-06-01T07:00:00-0500", datetime(2026, 6, 1, 12, tzinfo=UTC)),
        ("2026-06-01T12:00:00.123456789Z", datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2026-06-01T12:00Z", datetime(2026, 6, 1, 12, tzinfo=UTC)),
        ("2026-05-31T24:00:00Z", datetime(2026, 6, 1, tzinfo=UTC)),
    ],
)
def test_it_reads_xsd_datetimes(text: str, expected: datetime) -> None:
    assert parse_datetime(text).value == expected


def test_a_datetime_without_a_zone_is_read_as_utc_and_says_so() -> None:
    parsed = parse_datetime("2026-06-01T12:00:00")

    assert parsed.value == datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert parsed.assumed_utc


@pytest.mark.parametrize(
    "text", ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "", "2026-06-01"]
)
def test_it_refuses_what_is_not_a_datetime(text: str) -> None:
    with pytest.raises(MalformedInput):
        parse_datetime(text)


def test_a_bare_date_is_accepted_only_where_open_badges_2_allows_it() -> None:
    assert parse_datetime("2016-12-31", allow_date_only=True).value == datetime(
        2016, 12, 31, tzinfo=UTC
    )
    assert verdict_of({"validFrom": "2016-12-31"}) is Verdict.MALFORMED
    assert verdict_of({"issuedOn": "2016-12-31"}) is Verdict.VERIFIED


# --- the window -----------------------------------------------------------------------------


def test_a_credential_inside_its_window_is_valid() -> None:
    credential = {"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}

    checks = check_validity(credential, now=NOW)

    assert [(c.code, c.status) for c in checks] == [("validity.ok", Status.PASS)]


def test_a_credential_past_valid_until_is_expired() -> None:
    credential = {"validFrom": "2025-01-01T00:00:00Z", "validUntil": "2026-06-01T11:59:59Z"}

    assert codes(credential) == ["validity.expired"]
    assert verdict_of(credential) is Verdict.EXPIRED


def test_a_credential_is_still_valid_at_the_exact_instant_it_ends() -> None:
    assert verdict_of({"validUntil": "2026-06-01T12:00:00Z"}) is Verdict.VERIFIED
    assert (
        verdict_of({"validUntil": "2026-06-01T12:00:00Z"}, now=NOW + timedelta(microseconds=1))
        is Verdict.EXPIRED
    )


def test_a_credential_before_valid_from_is_not_yet_valid() -> None:
    credential = {"validFrom": "2026-06-01T12:00:01Z"}

    assert codes(credential) == ["validity.not_yet_valid"]
    assert verdict_of(credential) is Verdict.NOT_YET_VALID


def test_offsets_are_compared_as_instants() -> None:
    # 13:30+02:00 is 11:30Z, half an hour before now.
    assert verdict_of({"validUntil": "2026-06-01T13:30:00+02:00"}) is Verdict.EXPIRED
    tokyo = timezone(timedelta(hours=9))
    assert verdict_of({"validUntil": "2026-06-01T13:30:00+02:00"}, now=NOW.astimezone(tokyo)) is (
        Verdict.EXPIRED
    )


def test_vc_1_1_issuance_and_expiration_dates_are_honoured() -> None:
    assert verdict_of({"issuanceDate": "2027-01-01T00:00:00Z"}) is Verdict.NOT_YET_VALID
    assert verdict_of({"expirationDate": "2020-01-01T00:00:00Z"}) is Verdict.EXPIRED


def test_open_badges_2_issued_on_and_expires_are_honoured() -> None:
    assert verdict_of({"issuedOn": "2100-01-01T00:00:00Z"}) is Verdict.NOT_YET_VALID
    assert verdict_of({"issuedOn": "2016-01-01", "expires": "2020-01-01"}) is Verdict.EXPIRED


def test_a_bare_expiry_date_lasts_through_that_day() -> None:
    assert verdict_of({"issuedOn": "2016-01-01", "expires": "2026-06-01"}) is Verdict.VERIFIED
    assert verdict_of({"issuedOn": "2016-01-01", "expires": "2026-05-31"}) is Verdict.EXPIRED


def test_an_epoch_issued_on_from_old_badges_is_read() -> None:
    assert verdict_of({"issuedOn": 1_500_000_000}) is Verdict.VERIFIED
    assert verdict_of({"issuedOn": "4102444800"}) is Verdict.NOT_YET_VALID


def test_an_unreadable_date_makes_the_credential_malformed() -> None:
    checks = check_validity({"validUntil": "next tuesday"}, now=NOW)

    assert [c.code for c in checks] == ["validity.unparseable"]
    assert "validUntil" in checks[0].message
    assert Report(checks=checks).verdict is Verdict.MALFORMED


def test_an_end_before_the_start_is_reported_with_the_expiry() -> None:
    credential = {"issuedOn": "2022-12-31T23:59:59Z", "expires": "2022-11-15T23:59:59Z"}

    assert codes(credential) == ["validity.expired", "validity.inconsistent"]


def test_a_missing_zone_is_noted_but_not_a_warning() -> None:
    checks = check_validity({"validFrom": "2026-01-01T00:00:00"}, now=NOW)

    assert [(c.code, c.status) for c in checks] == [("validity.ok", Status.PASS)]
    assert "read as UTC" in checks[0].detail


def test_far_future_years_do_not_break_the_check() -> None:
    assert verdict_of({"validUntil": "12000-01-01T00:00:00Z"}) is Verdict.VERIFIED
    assert verdict_of({"validFrom": "9999-12-31T23:59:59-14:00"}) is Verdict.NOT_YET_VALID


# --- recipient ------------------------------------------------------------------------------

SPEC_HASH = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"


def ob3_subject(*identifiers: dict[str, Any], subject_id: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if subject_id:
        subject["id"] = subject_id
    if identifiers:
        subject["identifier"] = list(identifiers)
    return {"credentialSubject": subject}


def identity(identity_hash: str, *, salt: str | None = "Kosher", hashed: bool = True) -> dict:
    entry = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": hashed,
        "identityHash": identity_hash,
    }
    if salt is not None:
        entry["salt"] = salt
    return entry


def test_the_spec_example_hash_matches_its_email() -> None:
    check = check_recipient(ob3_subject(identity(SPEC_HASH)), identifiers=["a@example.com"])

    assert (check.code, check.status) == ("recipient.match", Status.PASS)


def test_upper_case_hex_and_a_mixed_case_email_still_match() -> None:
    upper = "sha256$" + SPEC_HASH.split("$")[1].upper()

    check = check_recipient(ob3_subject(identity(upper)), identifiers=["A@Example.COM"])

    assert check.code == "recipient.match"


def test_an_md5_identity_hash_matches() -> None:
    digest = hashlib.md5(b"learner@example.orgpepper").hexdigest()  # noqa: S324
    subject = ob3_subject(identity(f"md5${digest}", salt="pepper"))

    assert check_recipient(subject, identifiers=["learner@example.org"]).code == "recipient.match"


def test_a_different_email_does_not_match_and_says_so_to_anyone_who_reads_it() -> None:
    check = check_recipient(ob3_subject(identity(SPEC_HASH)), identifiers=["b@example.com"])

    assert (check.code, check.status) == ("recipient.no_match", Status.WARNING)
    assert "not one of the verified email addresses or DIDs" in check.message
    assert " you" not in check.message


def test_a_wrong_salt_does_not_match() -> None:
    subject = ob3_subject(identity(SPEC_HASH, salt="Kosher2"))

    assert check_recipient(subject, identifiers=["a@example.com"]).code == "recipient.no_match"


def test_a_plain_identity_object_matches_case_insensitively_for_email() -> None:
    subject = ob3_subject(identity("Learner@Example.org", salt=None, hashed=False))

    assert check_recipient(subject, identifiers=["learner@example.org"]).code == "recipient.match"
    assert recipient_hint(subject) == "Learner@Example.org"


def test_a_did_subject_matches_exactly() -> None:
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    subject = ob3_subject(subject_id=did)

    assert check_recipient(subject, identifiers=[did]).code == "recipient.match"
    assert check_recipient(subject, identifiers=[did.lower()]).code == "recipient.no_match"


def test_a_mailto_subject_matches_the_email() -> None:
    subject = ob3_subject(subject_id="mailto:Learner@example.org")

    assert check_recipient(subject, identifiers=["learner@example.org"]).code == "recipient.match"
    assert recipient_hint(subject) == "Learner@example.org"


def test_an_email_identity_is_not_matched_against_a_did() -> None:
    plain = ob3_subject(identity("did:example:123", salt=None, hashed=False))

    assert check_recipient(plain, identifiers=["did:example:123"]).code == "recipient.no_match"


def test_an_unsalted_open_badges_2_recipient_matches() -> None:
    digest = hashlib.sha256(b"learner@example.org").hexdigest()
    assertion = {"recipient": {"type": "email", "hashed": True, "identity": f"sha256${digest}"}}

    check = check_recipient(assertion, identifiers=["Learner@Example.org"])

    assert check.code == "recipient.match"
    assert recipient_hint(assertion) is None


def test_a_salted_open_badges_2_recipient_matches() -> None:
    digest = hashlib.sha256(b"learner@example.orgdeadsea").hexdigest()
    assertion = {
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "deadsea",
            "identity": f"sha256${digest}",
        }
    }

    assert check_recipient(assertion, identifiers=["learner@example.org"]).code == "recipient.match"


def test_a_plain_open_badges_2_recipient_gives_a_hint() -> None:
    assertion = {"recipient": {"type": "email", "hashed": False, "identity": "other@example.org"}}

    check = check_recipient(assertion, identifiers=["learner@example.org"])

    assert check.code == "recipient.no_match"
    assert recipient_hint(assertion) == "other@example.org"
    assert "other@example.org" in check.message


def test_without_identifiers_the_recipient_is_not_checked() -> None:
    check = check_recipient(ob3_subject(identity(SPEC_HASH)), identifiers=[])

    assert (check.code, check.status) == ("recipient.not_checked", Status.SKIPPED)


def test_a_credential_naming_nobody_gets_a_warning() -> None:
    check = check_recipient(ob3_subject(), identifiers=["a@example.com"])

    assert (check.code, check.status) == ("recipient.absent", Status.WARNING)


# --- hostile input never raises ------------------------------------------------------------


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
WINDOW_KEYS = st.sampled_from(
    ["validFrom", "validUntil", "issuanceDate", "expirationDate", "issuedOn", "expires"]
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.dictionaries(WINDOW_KEYS, JSON_VALUES | st.text(alphabet="0123456789-T:Z+.", max_size=30))
)
def test_any_dates_give_checks_never_an_exception(credential: dict[str, Any]) -> None:
    checks = check_validity(credential, now=NOW)

    assert checks
    assert all(c.name == "validity" for c in checks)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["recipient", "credentialSubject"]), JSON_VALUES),
    st.lists(st.text(max_size=30), max_size=3),
)
def test_any_recipient_shape_gives_one_check(credential: dict[str, Any], known: list[str]) -> None:
    check = check_recipient(credential, identifiers=known)

    assert check.name == "recipient"
    recipient_hint(credential)


def test_an_endorsement_names_no_recipient_to_compare() -> None:
    endorsement = {
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "credentialSubject": {"id": "https://college.example/issuer", "type": "EndorsementSubject"},
    }

    check = check_recipient(endorsement, identifiers=["learner@example.org"])

    assert (check.code, check.status) == ("recipient.endorsement", Status.SKIPPED)
