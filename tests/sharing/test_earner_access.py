"""Every earner share page: the anonymous sign in first, strangers get 404, changes are POST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from sharing.models import ShareLink
from wallet.models import Credential

pytestmark = pytest.mark.django_db


def _share(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda cast: reverse(f"shares:{name}", kwargs={"share_id": cast["share"].pk})


def _credential(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda cast: reverse(f"shares:{name}", kwargs={"credential_id": cast["credential"].pk})


# Pages that address one of the owner's links or credentials: (method, url, form data).
OWNED: list[tuple[str, Callable[[dict[str, Any]], str], dict[str, str]]] = [
    ("get", _share("detail"), {}),
    ("get", _share("card"), {}),
    ("get", _share("qr_svg"), {}),
    ("get", _share("qr_png"), {}),
    ("get", _share("revoke"), {}),
    ("post", _share("revoke"), {}),
    ("post", _share("extend"), {"expiry": "7d"}),
    ("post", _share("rename"), {"audience": "Taken over"}),
    ("post", _credential("credential_share"), {}),
    ("post", _credential("credential_linkedin"), {}),
]
EVERY = [
    ("get", lambda cast: reverse("shares:list"), {}),
    ("get", lambda cast: reverse("shares:create"), {}),
    *OWNED,
]
POST_ONLY = ["extend", "rename"]


@pytest.fixture
def cast(shared: Any) -> dict[str, Any]:
    share, _token, credentials = shared
    return {"share": share, "credential": credentials[0]}


@pytest.mark.parametrize(("method", "url", "data"), EVERY)
def test_the_anonymous_are_sent_to_sign_in(
    client: Client, cast: dict[str, Any], method: str, url: Callable, data: dict
) -> None:
    response = getattr(client, method)(url(cast), data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("method", "url", "data"), OWNED)
def test_a_stranger_gets_404_and_changes_nothing(
    client: Client, stranger: Any, cast: dict[str, Any], method: str, url: Callable, data: dict
) -> None:
    client.force_login(stranger)
    before = ShareLink.objects.values().get(pk=cast["share"].pk)
    response = getattr(client, method)(url(cast), data)
    assert response.status_code == 404
    assert ShareLink.objects.values().get(pk=cast["share"].pk) == before
    assert ShareLink.objects.count() == 1


def test_a_stranger_sees_none_of_the_owners_links(
    client: Client, stranger: Any, cast: dict[str, Any]
) -> None:
    client.force_login(stranger)
    html = client.get(reverse("shares:list")).content.decode()
    assert "Acme Corp" not in html
    assert "No working links." in html


def test_a_stranger_cannot_share_the_owners_credentials_through_the_form(
    client: Client, stranger: Any, cast: dict[str, Any]
) -> None:
    client.force_login(stranger)
    response = client.post(
        reverse("shares:create"),
        {
            "what": "credentials",
            "credentials": [str(cast["credential"].pk)],
            "audience": "Stolen",
            "expiry": "30d",
        },
    )
    assert response.status_code == 200
    assert ShareLink.objects.filter(owner=stranger).count() == 0
    offered = [value for value, _ in response.context["form"].fields["credentials"].choices]
    assert str(cast["credential"].pk) not in offered


def test_the_preselected_credential_of_a_stranger_is_not_offered(
    client: Client, stranger: Any, cast: dict[str, Any]
) -> None:
    client.force_login(stranger)
    credential: Credential = cast["credential"]
    response = client.get(reverse("shares:create"), {"credential": credential.pk})
    assert response.status_code == 200
    assert credential.title not in response.content.decode()


@pytest.mark.parametrize("name", POST_ONLY)
def test_changes_refuse_get(client: Client, owner: User, cast: dict[str, Any], name: str) -> None:
    client.force_login(owner)
    assert client.get(_share(name)(cast)).status_code == 405


@pytest.mark.parametrize("name", ["credential_share", "credential_linkedin"])
def test_credential_actions_refuse_get(
    client: Client, owner: User, cast: dict[str, Any], name: str
) -> None:
    client.force_login(owner)
    assert client.get(_credential(name)(cast)).status_code == 405
    assert ShareLink.objects.count() == 1


def test_changes_need_the_csrf_token(owner: User, cast: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(_share("revoke")(cast))
    assert response.status_code == 403
    cast["share"].refresh_from_db()
    assert cast["share"].revoked_at is None
