"""Arabic in Chromium: the learner's pages and the employer's page mirrored right to left, at a
phone's width and a desk's, with no accessibility violations and nothing scrolling sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from accounts.services import user_language_set
from sharing.services import share_create
from tests.e2e.test_employer_requests import (
    assert_accessible,
    assert_fits,
    learner,
    signed_in,
    sized,
    width,
)
from wallet.models import Credential

__all__ = ["learner", "sized", "width"]


def test_the_learner_reads_arabic_right_to_left(sized, satchel, learner, width):
    context, page = sized
    user_language_set(user=learner, language="ar")
    credential = Credential.objects.get(owner=learner)
    signed_in(context, satchel, learner)

    for path in ("/", f"/credentials/{credential.pk}/", "/shares/new/", "/account/"):
        page.goto(f"{satchel}{path}")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        assert_accessible(page)
        assert_fits(page, width)
    expect(page.get_by_role("heading", name="الحساب", exact=True)).to_be_visible()


def test_the_employer_page_is_in_the_employers_language(browser, satchel, learner, width):
    credential = Credential.objects.get(owner=learner)
    _share, token = share_create(
        owner=learner, audience="Acme", credential_ids=[credential.pk], display_name="Robin"
    )
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="ar", bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto(f"{satchel}/s/{token}")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("heading", name="شهادات شاركها Robin")).to_be_visible()
        assert_accessible(page)
        assert_fits(page, width)
    finally:
        context.close()
