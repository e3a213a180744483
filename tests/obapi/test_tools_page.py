"""The learner's Connected tools page: every tool with what it may do and what it did, and
disconnecting one, which ends its tokens at once. Another learner's tool is a 404."""

from __future__ import annotations

from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from obapi.models import ToolAccess
from wallet.models import AuditEvent

from .conftest import bearer


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_it_lists_the_tool_with_its_scopes_and_access_log(owner, connect, tool) -> None:
    tokens = connect(owner)
    Client().get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"]))
    page = signed_in(owner).get("/account/tools/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Example Badge Platform" in html
    assert "credential.readonly" in html
    assert "Read credentials" in html
    assert "Connected" in html


def test_disconnecting_ends_every_token_at_once(owner, connect, tool) -> None:
    tokens = connect(owner)
    application_id = AccessToken.objects.get(user=owner).application_id
    answer = signed_in(owner).post(f"/account/tools/{application_id}/disconnect/")

    assert answer.status_code == 302
    assert not AccessToken.objects.filter(user=owner).exists()
    assert not RefreshToken.objects.filter(user=owner).exists()
    assert (
        Client().get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"])).status_code
        == 401
    )
    assert ToolAccess.objects.filter(action=ToolAccess.Action.DISCONNECTED).exists()
    assert AuditEvent.objects.filter(user=owner, action="tool.disconnected").exists()
    assert "Not connected" in signed_in(owner).get("/account/tools/").content.decode()


def test_another_learner_cannot_disconnect_or_see_it(owner, stranger, connect, tool) -> None:
    connect(owner)
    application_id = AccessToken.objects.get(user=owner).application_id

    assert (
        signed_in(stranger).post(f"/account/tools/{application_id}/disconnect/").status_code == 404
    )
    assert AccessToken.objects.filter(user=owner).exists()
    assert (
        "Example Badge Platform" not in signed_in(stranger).get("/account/tools/").content.decode()
    )


def test_disconnecting_other_learners_leaves_them_connected(owner, stranger, connect, tool) -> None:
    connect(owner)
    connect(stranger)
    application_id = AccessToken.objects.get(user=owner).application_id
    signed_in(owner).post(f"/account/tools/{application_id}/disconnect/")

    assert AccessToken.objects.filter(user=stranger).exists()


def test_the_page_is_for_signed_in_learners(db) -> None:
    assert Client().get("/account/tools/").status_code == 302


def test_a_refusal_in_the_access_log_reads_in_the_learner_s_language(owner, connect, tool) -> None:
    from django.utils import timezone, translation
    from oauth2_provider.models import Application

    from obapi.host import _refused
    from wallet.wording import Said

    connect(owner)
    # Written while the tool's (English) request was answered, shown later in Spanish.
    _refused(
        owner,
        Application.objects.get(client_id=tool.client_id),
        timezone.now(),
        Said("This is not a credential of the %(api)s API (%(format)s).", api="CLR", format="ob3"),
    )

    html = signed_in(owner).get("/account/tools/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    translation.activate("en")

    assert "Esta no es una credencial de la API CLR (ob3)." in html
    assert "This is not a credential of the" not in html
    assert "Envió una credencial que se rechazó" in html  # the action's label
