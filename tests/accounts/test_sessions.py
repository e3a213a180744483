"""Earners see where they are signed in and can end the other sessions."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.test import Client

from accounts.services import account_delete
from tests.accounts.conftest import sign_in


def test_it_lists_the_sessions_of_the_owner_only(owner_client: Client, owner, stranger) -> None:
    sign_in(Client(), stranger.email)
    response = owner_client.get("/accounts/sessions/")
    assert response.status_code == 200
    assert list(response.context["sessions"]) == list(UserSession.objects.filter(user=owner))
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_it_ends_the_other_sessions(owner_client: Client, owner) -> None:
    other_device = Client()
    sign_in(other_device, owner.email)
    assert UserSession.objects.filter(user=owner).count() == 2
    owner_client.post("/accounts/sessions/", {"action": "sign_out"})
    assert UserSession.objects.filter(user=owner).count() == 1
    assert other_device.get("/account/").status_code == 302


def test_deleting_the_account_removes_its_sessions(owner_client: Client, owner) -> None:
    assert UserSession.objects.filter(user=owner).exists()
    account_delete(user=owner)
    assert not UserSession.objects.exists()
