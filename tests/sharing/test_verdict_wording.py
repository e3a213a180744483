"""One place says what a verdict means: the record page, the API, the employer's page, the
public verifier's explanation, the earner's email and the CLI all read
`wallet.verification.wording`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from tests.sharing.conftest import SOON
from tests.support.issuer import GOOD_INDEX
from tests.wallet.helpers import serve_status_list
from wallet.management.commands._reporting import report_lines
from wallet.models import Credential
from wallet.services import reverify
from wallet.verification import Report, Verdict, wording
from wallet.verification.report import failed

pytestmark = pytest.mark.usefixtures("frozen")

LABEL = "Withdrawn (wording under test)"
EARNER = "Yours no longer counts (wording under test)."
EMPLOYER = "Do not count this one (wording under test)."


@pytest.fixture
def reworded(monkeypatch) -> None:
    monkeypatch.setitem(wording.VERDICT_LABELS, "revoked", LABEL)
    monkeypatch.setitem(wording.EARNER_EXPLANATIONS, "revoked", EARNER)
    monkeypatch.setitem(wording.EMPLOYER_EXPLANATIONS, "revoked", EMPLOYER)


def test_every_verdict_has_a_label_and_both_explanations():
    for table in (
        wording.VERDICT_LABELS,
        wording.EARNER_EXPLANATIONS,
        wording.EMPLOYER_EXPLANATIONS,
    ):
        assert set(table) == {str(v) for v in Verdict}
    assert wording.verdict_label("") == "Not checked yet"
    assert wording.employer_explanation("") == "This credential has not been checked yet."


def test_the_record_the_api_and_the_employers_page_read_the_one_wording(
    client, shared, owner, reworded
):
    _share, token, credentials = shared
    Credential.objects.filter(pk=credentials[0].pk).update(verdict="revoked", checked_at=SOON)
    earner = Client()
    earner.force_login(owner)
    api = APIClient()
    api.force_authenticate(owner)

    record = earner.get(f"/credentials/{credentials[0].pk}/").content.decode()
    detail = api.get(f"/api/credentials/{credentials[0].pk}/").json()
    employer = client.get(f"/s/{token}").content.decode()

    assert LABEL in record and EARNER in record
    assert detail["verdict_label"] == LABEL
    assert LABEL in employer and EMPLOYER in employer


def test_the_email_and_the_cli_read_it_too(
    owner, add, issuer, reworded, django_capture_on_commit_callbacks
):
    credential = add(issuer.ob3())
    serve_status_list(issuer, revoked=(GOOD_INDEX,))

    with django_capture_on_commit_callbacks(execute=True):
        reverify.credential_reverify(credential=credential, now=SOON + timedelta(days=1))

    assert LABEL.lower() in mail.outbox[0].subject
    revoked = Report(checks=[failed("status", "status.revoked", "Revoked.", Verdict.REVOKED)])
    assert next(report_lines(revoked)).startswith(LABEL)
    assert revoked.to_dict()["verdict_label"] == LABEL
