"""Tasks are thin entry points with stable names (the beat schedule refers to them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.test import Client

from tests.support.issuer import NOW
from wallet import tasks
from wallet.models import Credential
from wallet.services import trash

pytestmark = pytest.mark.django_db


def test_the_tasks_have_the_names_the_schedule_uses():
    assert tasks.reverify_due.name == "wallet.tasks.reverify_due"
    assert tasks.purge_expired_trash.name == "wallet.tasks.purge_expired_trash"


def test_the_purge_task_removes_trash_older_than_30_days(owner, make_credential):
    credential = make_credential(owner)
    trash.credential_delete(credential=credential, now=NOW)

    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        removed = tasks.purge_expired_trash.delay().get()

    assert removed == 1
    assert not Credential.objects.exists()


def test_the_reverify_task_re_checks_what_is_due(owner, issuer, make_credential):
    make_credential(owner, checked_at=NOW - timedelta(days=2))

    with time_machine.travel(NOW, tick=False):
        assert tasks.reverify_due.delay().get() == 1


def test_the_admin_lists_credentials_without_their_bytes(owner, make_credential):
    from accounts.models import User

    admin = User.objects.create_superuser(email="admin@example.org", password="x" * 12)
    credential = make_credential(owner)
    client = Client()
    client.force_login(admin)

    listing = client.get("/admin/wallet/credential/")
    detail = client.get(f"/admin/wallet/credential/{credential.pk}/change/")

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert "original" not in site._registry[Credential].get_fields(None)
