"""Employer request links in Chromium, keyboard only, at a phone's width and a desk's: the
employer's form, the learner's matching page, the employer's results page. Each page is
checked with axe-core (tests/e2e/axe, installed by `make e2e`): no violations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from accounts.services import holder_key_create
from intake.services.arrival import credential_import
from tests.support.issuer import TestIssuer
from wallet import verifier

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": 390, "desk": 1280}


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in found]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


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


def assert_fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the window (no sideways scrolling on a phone)."""
    wide = page.evaluate(
        "(w) => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > w + 1)"
        ".map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))",
        width,
    )
    assert wide == [], wide[:5]


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


def signed_in(context, satchel: str, user: User) -> None:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": satchel}]
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
