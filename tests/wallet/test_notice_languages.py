"""A notice that a credential fell is stored in English, shown on the record in the reader's
language, and mailed in the language the learner chose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from accounts.services import user_language_set
from intake.services import arrival
from tests.support.issuer import GOOD_INDEX, NOW
from tests.wallet.helpers import as_bytes, serve_status_list
from wallet.models import Notice
from wallet.services import reverify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate("en")


def _revoked(owner, issuer, django_capture_on_commit_callbacks) -> Notice:
    outcome = arrival.credential_import(
        owner=owner, data=as_bytes(issuer.ob3()), source="upload", now=NOW
    )
    serve_status_list(issuer, revoked=(GOOD_INDEX,))
    with django_capture_on_commit_callbacks(execute=True):
        reverify.credential_reverify(credential=outcome.credential, now=NOW + timedelta(days=1))
    return Notice.objects.get(credential=outcome.credential)


def test_the_notice_is_stored_in_english_and_mailed_in_the_learners_language(
    owner, issuer, django_capture_on_commit_callbacks
):
    user_language_set(user=owner, language="es")

    notice = _revoked(owner, issuer, django_capture_on_commit_callbacks)

    assert "is now: revoked by the issuer." in notice.message
    assert mail.outbox[0].subject.endswith(": revocada por el emisor")
    assert "ahora está: revocada por el emisor." in mail.outbox[0].body
    assert "Sigue en tu expediente de Satchel" in mail.outbox[0].body


def test_the_record_shows_the_notice_in_the_readers_language(
    client, owner, issuer, django_capture_on_commit_callbacks
):
    _revoked(owner, issuer, django_capture_on_commit_callbacks)
    client.force_login(owner)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert "أصبحت الآن: ألغتها الجهة المُصدِرة." in page
    assert "is now: revoked by the issuer" not in page
