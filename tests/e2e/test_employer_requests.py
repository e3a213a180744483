"""Employer request links in Chromium, keyboard only, at a phone's width and a desk's: the
employer's form, the learner's matching page, the employer's results page. Each page is
checked with axe-core (tests/e2e/axe, installed by `make e2e`): no violations."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from accounts.services import holder_key_create
from intake.services.arrival import credential_import
from tests.e2e.checks import WIDTHS, assert_accessible, assert_fits, signed_in
from tests.support.issuer import TestIssuer
from wallet import verifier


@pytest.fixture(params=sorted(WIDTHS))
def width(request) -> int:
    return WIDTHS[request.param]


@pytest.fixture
def sized(browser: Browser, width: int, request):
    # axe is injected as an inline script, which the pages' CSP rightly refuses.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield context, page
    context.close()


def keyboard_fill(page: Page, label: str, text: str) -> None:
    """Tab until the field named `label` has the focus, then type."""
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e && e.labels && e.labels[0] ? e.labels[0].textContent.trim() : ''; }"
        )
        if focused.startswith(label):
            page.keyboard.type(text)
            return
    raise AssertionError(f"no field labelled {label!r} reachable by Tab")


def make_employer_request(page: Page, satchel: str) -> tuple[str, str]:
    page.goto(f"{satchel}/request")
    assert_accessible(page)
    keyboard_fill(page, "Your name", "Dana Hiring")
    keyboard_fill(page, "Organisation", "Acme Health")
    keyboard_fill(page, "Credentials you would like", "Test achievement")
    page.keyboard.press("Tab")
    for _ in range(12):  # on to the submit button, then press it
        if page.evaluate("() => document.activeElement.tagName") == "BUTTON":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your request is ready")).to_be_visible()
    assert_accessible(page)
    return (
        page.locator("#request-url").input_value(),
        page.locator("#results-url").input_value(),
    )


@pytest.fixture
def learner(app_fetcher) -> User:
    issuer = TestIssuer()
    app_fetcher(lambda: issuer.fetcher)
    user = User.objects.create_user(email="robin@example.org", password=None)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    holder_key_create(user=user)
    options = verifier.make_verify_options(owner=user, fetcher=issuer.fetcher)
    outcome = credential_import(
        owner=user, data=json.dumps(issuer.ob3()).encode(), source="upload", options=options
    )
    assert outcome.credential is not None
    return user


def test_an_employer_asks_and_a_learner_answers_by_keyboard(sized, satchel, learner, width):
    context, page = sized
    request_url, results_url = make_employer_request(page, satchel)
    request_path = request_url.split("/request/", 1)[1]
    results_path = results_url.split("/request/results/", 1)[1]

    page.goto(f"{satchel}/request/results/{results_path}")
    expect(page.get_by_text("No answer yet")).to_be_visible()
    assert_accessible(page)

    signed_in(context, satchel, learner)
    page.goto(f"{satchel}/request/{request_path}")
    expect(page.get_by_role("heading", name="Request from Dana Hiring")).to_be_visible()
    expect(page.get_by_text("1 credential in your record seems to match.")).to_be_visible()
    assert_accessible(page)
    assert_fits(page, width)

    checkbox = page.get_by_role("checkbox", name="Test Achievement")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    page.get_by_role("button", name="Send what I ticked").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sent. Dana Hiring sees what you picked")).to_be_visible()

    context.clear_cookies()
    page.goto(f"{satchel}/request/results/{results_path}")
    expect(page.get_by_role("heading", name="Test Achievement")).to_be_visible()
    assert_accessible(page)
    assert_fits(page, width)
