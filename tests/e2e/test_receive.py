"""Receiving from an issuer in Chromium, keyboard only, at a phone's width and a desk's: an
"Add to Satchel" link opens the consent page, the PIN is typed on the keyboard (a numeric
keypad on phones), the credential arrives, and the attempts list shows it; each page with no
accessibility violations and nothing wider than the window. The issuer is the loopback stub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from config.env import normalise_origin
from tests.e2e.test_employer_requests import assert_accessible, assert_fits, signed_in, sized, width
from tests.sharing.conftest import give_holder_key, make_user
from tests.support.issuer import EARNER_DID_LABEL, TestIssuer
from tests.support.issuing import StubIssuer, run_stub_issuer
from wallet.models import Credential

__all__ = ["sized", "width"]


@pytest.fixture
def stub(settings, app_fetcher) -> Iterator[StubIssuer]:
    issuer = TestIssuer()
    app_fetcher(lambda: issuer.fetcher)
    for running in run_stub_issuer(issuer):
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


def _tab_to(page, predicate: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    raise AssertionError(f"nothing reachable by Tab matches {predicate}")


def test_a_learner_receives_an_offer_by_keyboard(sized, satchel, db, width, stub):
    context, page = sized
    learner = make_user("robin@example.org")
    give_holder_key(learner, EARNER_DID_LABEL)
    signed_in(context, satchel, learner)

    query = stub.offer_link(tx_code="4821").split("?", 1)[1]
    page.goto(f"{satchel}/receive?{query}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside Test College")
    pin = page.get_by_label("Transaction code (PIN)")
    expect(pin).to_have_attribute("inputmode", "numeric")
    assert_accessible(page)
    assert_fits(page, width)

    _tab_to(page, "() => document.activeElement.id === 'tx-code'")
    page.keyboard.type("4821")
    _tab_to(page, "() => document.activeElement.textContent.trim() === 'Accept'")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Offer from Riverside")
    expect(page.get_by_text("Received", exact=True).first).to_be_visible()
    assert Credential.objects.filter(owner=learner).count() == 1
    assert_accessible(page)
    assert_fits(page, width)

    page.goto(f"{satchel}/receive")
    expect(page.get_by_role("link", name="Riverside Test College")).to_be_visible()
    assert_accessible(page)
    assert_fits(page, width)
