"""From a credential's page: share it alone in one click, or add it to a LinkedIn profile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from accounts.models import User
from sharing import selectors, services
from sharing.models import ShareLink
from tests.sharing.conftest import SOON
from wallet.models import Credential

pytestmark = pytest.mark.django_db

ONE_LINE = "{% load sharing_tags %}{% credential_share_actions credential %}"


@pytest.fixture
def credential(shared: Any) -> Credential:
    _share, _token, credentials = shared
    ShareLink.objects.all().delete()
    return credentials[0]


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def render_actions(credential: Credential) -> str:
    return Template(ONE_LINE).render(Context({"credential": credential, "csrf_token": "tok"}))


def test_one_click_shares_the_credential_alone_for_thirty_days(
    signed_in: Client, owner: User, credential: Credential, frozen: Any
) -> None:
    response = signed_in.post(
        reverse("shares:credential_share", kwargs={"credential_id": credential.pk})
    )
    share = ShareLink.objects.get()
    assert response["Location"] == reverse("shares:detail", kwargs={"share_id": share.pk})
    assert selectors.share_credentials(share=share) == [credential]
    assert share.expires_at == SOON + timedelta(days=30)
    assert share.audience == credential.title
    assert share.display_name == "Robin Learner"


def test_linkedin_gets_a_lasting_share_of_the_credential_and_its_details(
    signed_in: Client, credential: Credential, frozen: Any
) -> None:
    assert credential.verdict == "verified"
    response = signed_in.post(
        reverse("shares:credential_linkedin", kwargs={"credential_id": credential.pk})
    )
    share = ShareLink.objects.get()
    assert share.expires_at is None
    assert share.audience.startswith("LinkedIn profile: ")
    assert selectors.share_credentials(share=share) == [credential]
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("www.linkedin.com", "/profile/add")
    params = dict(parse_qsl(target.query))
    assert params["startTask"] == "CERTIFICATION_NAME"
    assert params["name"] == credential.title
    assert params["organizationName"] == credential.issuer_name
    assert params["certUrl"] == services.share_url(share)
    assert params["certId"] == credential.credential_id


def test_linkedin_is_refused_for_a_credential_that_does_not_verify(
    signed_in: Client, credential: Credential
) -> None:
    Credential.objects.filter(pk=credential.pk).update(verdict="revoked")
    response = signed_in.post(
        reverse("shares:credential_linkedin", kwargs={"credential_id": credential.pk})
    )
    assert response["Location"] == reverse(
        "wallet:credential", kwargs={"credential_id": credential.pk}
    )
    assert ShareLink.objects.count() == 0


def test_the_one_line_include_offers_sharing_a_pdf_and_linkedin_for_a_verified_credential(
    credential: Credential,
) -> None:
    html = render_actions(credential)
    assert reverse("shares:credential_share", kwargs={"credential_id": credential.pk}) in html
    assert reverse("shares:credential_pdf", kwargs={"credential_id": credential.pk}) in html
    assert reverse("shares:credential_linkedin", kwargs={"credential_id": credential.pk}) in html
    assert f"{reverse('shares:create')}?credential={credential.pk}" in html
    assert html.count('name="csrfmiddlewaretoken" value="tok"') == 3


@pytest.mark.parametrize("verdict", ["expired", "revoked", "invalid_signature", ""])
def test_the_one_line_include_hides_linkedin_for_a_credential_that_does_not_verify(
    credential: Credential, verdict: str
) -> None:
    credential.verdict = verdict
    html = render_actions(credential)
    assert f"credentials/{credential.pk}/linkedin/" not in html
    assert "Adding to LinkedIn is offered for credentials that verify." in html
    assert reverse("shares:credential_share", kwargs={"credential_id": credential.pk}) in html


def test_pressing_linkedin_again_reuses_the_same_lasting_link(
    signed_in: Client, owner: User, credential: Credential, frozen: Any
) -> None:
    url = reverse("shares:credential_linkedin", kwargs={"credential_id": credential.pk})
    first = signed_in.post(url)["Location"]
    assert signed_in.post(url)["Location"] == first
    assert ShareLink.objects.count() == 1

    services.share_revoke(owner=owner, share_id=ShareLink.objects.get().pk)
    third = signed_in.post(url)["Location"]
    assert third != first
    assert ShareLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_long_title_is_shortened_to_fit_the_links_name(
    signed_in: Client, credential: Credential, frozen: Any
) -> None:
    Credential.objects.filter(pk=credential.pk).update(title="Advanced " * 50)
    response = signed_in.post(
        reverse("shares:credential_share", kwargs={"credential_id": credential.pk})
    )
    assert response.status_code == 302
    audience = ShareLink.objects.get().audience
    assert len(audience) == services.AUDIENCE_MAX
    assert audience.startswith("Advanced Advanced") and audience.endswith("…")
