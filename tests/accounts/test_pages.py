"""Every account page carries our CSP and needs nothing it forbids (no inline script or style)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from tests.accounts.conftest import PASSWORD, sign_in
from tests.support.oidc import running_provider

GUEST_PAGES = [
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
]
MEMBER_PAGES = [
    "/",
    "/account/",
    "/account/holder-key/rotate/",
    "/account/delete/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/3rdparty/",
    "/accounts/logout/",
]
# Script elements that hold data, not code: CSP does not run them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes:
            self.problems.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in attributes):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not attributes.get("src"):
            if attributes.get("type") not in DATA_SCRIPT_TYPES:
                self.problems.append("inline <script>")
        if tag in {"link", "script", "img"}:
            url = attributes.get("href") or attributes.get("src") or ""
            if url.startswith(("http:", "https:", "//")):
                self.problems.append(f"external asset {url}")


def assert_page_is_csp_clean(response) -> None:
    assert response.status_code == 200, response.get("Location")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "img-src 'self' data:" in policy  # the TOTP QR code is a data: URI
    finder = InlineFinder()
    finder.feed(response.content.decode())
    assert finder.problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", GUEST_PAGES)
def test_guest_pages_are_csp_clean(client, path):
    assert_page_is_csp_clean(client.get(path))


@pytest.mark.django_db
@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages_are_csp_clean(owner_client, path):
    response = owner_client.get(path)
    if response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/"):
        assert_page_is_csp_clean(owner_client.get(response["Location"]))
        owner_client.post(response["Location"], {"password": PASSWORD})
        response = owner_client.get(path)

    assert_page_is_csp_clean(response)


@pytest.mark.django_db
def test_the_page_shell_has_a_skip_link_main_navigation_and_a_post_sign_out(owner_client):
    html = owner_client.get("/account/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    for href in ('href="/"', 'href="/import/"', 'href="/shares/"', 'href="/account/"'):
        assert href in html
    assert '<a href="/account/" aria-current="page">Account</a>' in html
    assert 'method="post" action="/accounts/logout/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("process", ["login", "connect"])
def test_the_school_sign_in_confirmation_page_is_csp_clean(client, settings, process):
    with running_provider() as provider:
        settings.SOCIALACCOUNT_PROVIDERS = provider.settings()

        response = client.get(f"/accounts/oidc/school/login/?process={process}")

    assert_page_is_csp_clean(response)
    assert b'method="post"' in response.content


@pytest.mark.django_db
def test_the_two_factor_prompt_is_csp_clean(client, owner):
    TOTP.activate(owner, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    sign_in(client, owner.email)

    assert_page_is_csp_clean(client.get("/accounts/2fa/authenticate/"))
