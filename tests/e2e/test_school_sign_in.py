"""Signing in and connecting with a school's OpenID Connect provider, in Chromium.

Chromium applies the page's CSP form-action to the redirect that answers a form, so the
"Continue" button only works if the sign-in page allows the provider's origin: the Django
test client cannot see that, a browser can.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import Page, expect

from accounts.models import User

PROVIDER_NAME = "Springfield University"
PASSWORD = "correct horse battery staple 7"


def sign_in_at_the_school(page: Page, school) -> None:
    expect(page.get_by_role("heading", name="Springfield University sign-in")).to_be_visible()
    assert page.url.startswith(f"{school.origin}/")
    page.get_by_label("Username").fill(school.student.email)
    page.get_by_label("Password").fill(school.student.password)
    page.get_by_role("button", name="Sign in to Springfield").click()


def csp_reports(console: list[str]) -> list[str]:
    return [message for message in console if "Content Security Policy" in message]


def test_a_student_signs_in_with_their_school(page: Page, satchel, school, browser_console):
    page.goto(f"{satchel}/accounts/login/")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()

    page.get_by_role("button", name="Continue").click()
    sign_in_at_the_school(page, school)

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url == f"{satchel}/"
    assert csp_reports(browser_console) == []
    user = User.objects.get(email=school.student.email)
    assert SocialAccount.objects.filter(user=user, provider="school").exists()


def test_a_learner_connects_their_school_sign_in(page: Page, satchel, school, browser_console):
    learner = User.objects.create_user(email="ada@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=learner, email=learner.email, primary=True, verified=True)
    page.goto(f"{satchel}/accounts/login/")
    page.get_by_label("Email").fill(learner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(f"{satchel}/accounts/3rdparty/")
    page.get_by_role("link", name=f"Connect {PROVIDER_NAME}").click()
    page.get_by_role("button", name="Continue").click()
    sign_in_at_the_school(page, school)

    expect(page.get_by_role("heading", name="Connected sign-ins")).to_be_visible()
    expect(page.get_by_label(f"{PROVIDER_NAME}: ")).to_have_count(1)
    assert csp_reports(browser_console) == []
    assert SocialAccount.objects.filter(user=learner, provider="school").exists()
