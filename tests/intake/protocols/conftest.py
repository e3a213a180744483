"""The cast for receiving: the earner holding the real holder key the test issuer issues to,
a stranger, and a stub issuer on loopback that the outbound door is told to allow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accounts.models import User
from config.env import normalise_origin
from tests.sharing.conftest import give_holder_key, make_user
from tests.support.issuer import EARNER_DID_LABEL, EARNER_EMAIL, NOW, TestIssuer
from tests.support.issuing import StubIssuer, run_stub_issuer


@pytest.fixture
def owner(db: None) -> User:
    user = make_user(EARNER_EMAIL, display_name="Robin Learner")
    give_holder_key(user, EARNER_DID_LABEL)
    return user


@pytest.fixture
def issuer(app_fetcher) -> TestIssuer:
    test_issuer = TestIssuer()
    app_fetcher(lambda: test_issuer.fetcher)
    return test_issuer


@pytest.fixture
def stub(settings, issuer: TestIssuer) -> Iterator[StubIssuer]:
    for running in run_stub_issuer(issuer):
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


@pytest.fixture
def now():
    return NOW
