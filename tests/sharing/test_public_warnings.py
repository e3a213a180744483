"""The employer's page names each warning in plain words, in the sentence the learner reads."""

from __future__ import annotations

import pytest

from sharing.services import share_create
from tests.support.issuer import NOW
from wallet.selectors import credential_latest_run

pytestmark = pytest.mark.usefixtures("frozen")


def _page(client, token: str) -> str:
    return client.get(f"/s/{token}", HTTP_USER_AGENT="Firefox/126.0").content.decode()


@pytest.fixture
def mismatched(stranger, add, issuer):
    """A credential issued to the earner's DID, held by someone else: a recipient mismatch."""
    credential = add(issuer.ob3(), user=stranger)
    assert credential.verdict == "verified_with_warnings"
    assert credential.recipient_match == "no_match"
    _, token = share_create(
        owner=stranger, audience="Acme", credential_ids=[credential.pk], now=NOW
    )
    return credential, token


def test_the_employer_page_names_a_recipient_mismatch(client, mismatched, issuer):
    _credential, token = mismatched

    page = _page(client, token)

    assert "a minor point was noted" not in page
    assert "not one of the verified email addresses or DIDs" in page
    assert issuer.earner_did in page


def test_each_warning_is_the_sentence_of_the_check_itself(client, mismatched):
    credential, token = mismatched
    report = credential_latest_run(credential=credential).report
    warnings = [c["message"] for c in report["checks"] if c["status"] == "warning"]
    assert warnings

    page = _page(client, token)

    for sentence in warnings:
        assert sentence.replace("'", "&#x27;") in page


def test_a_credential_without_warnings_lists_none(client, shared):
    _, token, _ = shared

    assert 'aria-label="Warnings"' not in _page(client, token)


def test_a_warning_the_learner_is_told_about_names_no_fix_only_the_fact(mismatched):
    credential, _ = mismatched
    report = credential_latest_run(credential=credential).report
    sentence = next(c["message"] for c in report["checks"] if c["code"] == "recipient.no_match")

    # Written for anyone who reads it: the learner's page adds how to fix it.
    assert " you" not in sentence.lower()


def test_a_warning_still_speaks_after_daily_checks_that_found_the_same(client, mismatched):
    """The sweep writes no run when it finds what the latest run found (decision 0031): the
    credential's `checked_at` moves on, and its warnings are still read from that run."""
    from datetime import timedelta

    from wallet.services import reverify

    credential, token = mismatched
    assert reverify.reverify_due(now=NOW + timedelta(hours=36)) == 1
    credential.refresh_from_db()
    assert credential.checked_at == NOW + timedelta(hours=36)
    assert credential.runs.count() == 1

    assert "not one of the verified email addresses or DIDs" in _page(client, token)
