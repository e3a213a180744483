"""The cast (an owner with a verified email, a stranger), a test issuer whose fetcher replaces
the network, and a factory for credential rows that need no verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress

from accounts.models import HolderKey, User
from tests.support.issuer import EARNER_DID_LABEL, EARNER_EMAIL, NOW, TestIssuer
from tests.support.keys import ed25519_key
from wallet.models import Credential
from wallet.verification.keys import did_key_from_public_key


@pytest.fixture
def issuer(app_fetcher) -> TestIssuer:
    """The test issuer; every fetch the app makes is served by its MapFetcher."""
    test_issuer = TestIssuer()
    app_fetcher(lambda: test_issuer.fetcher)
    return test_issuer


def make_user(email: str, *, verified: bool = True) -> User:
    user = User.objects.create_user(email=email, password=None)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def hold_did(user: User, did: str) -> HolderKey:
    """Record `did` as one of the user's holder DIDs (the key material is not used here)."""
    return HolderKey.objects.create(
        user=user,
        did=did,
        public_key_multibase=did.removeprefix("did:key:"),
        private_key_encrypted="not used by these tests",
        created_at=NOW,
    )


@pytest.fixture
def owner(db: None) -> User:
    """The earner the test issuer issues to: their email is verified and they hold its DID."""
    user = make_user(EARNER_EMAIL)
    hold_did(user, did_key_from_public_key(ed25519_key(EARNER_DID_LABEL).public_key()))
    return user


@pytest.fixture
def stranger(db: None) -> User:
    return make_user("stranger@example.org")


@pytest.fixture
def now() -> Any:
    return NOW


@pytest.fixture
def make_credential(db: None) -> Callable[..., Credential]:
    """A stored credential row with chosen derived fields (no bytes verified)."""
    serial = iter(range(1, 1_000_000))

    def make(owner: User, **fields: Any) -> Credential:
        number = next(serial)
        original = json.dumps({"id": f"urn:test:{number}"}).encode()
        values: dict[str, Any] = {
            "owner": owner,
            "original": original,
            "media_type": "application/json",
            "sha256": hashlib.sha256(original).hexdigest(),
            "container": "json",
            "source": "upload",
            "format": "ob3",
            "credential_id": f"urn:test:{number}",
            "issuer_id": "did:example:issuer",
            "dedupe_key": f"test:{number}",
            "title": f"Credential {number}",
            "verdict": "verified",
            "created_at": NOW,
            "updated_at": NOW,
            "checked_at": NOW,
        }
        values.update(fields)
        return Credential.objects.create(**values)

    return make
