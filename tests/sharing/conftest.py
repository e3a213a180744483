"""The cast for sharing: an earner holding a real holder key (the DID the test issuer issues
to), a stranger, the test issuer serving every URL, and credentials imported for real."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core.cache import cache
from django.db import connection

from accounts import crypto
from accounts.models import HolderKey, User
from intake.services.arrival import credential_import
from sharing.presentations import prepared_presentations
from sharing.public_views import rendered_pages
from sharing.services import share_create
from tests.support.issuer import EARNER_DID_LABEL, EARNER_EMAIL, NOW, TestIssuer
from tests.support.keys import ed25519_key
from wallet import verifier
from wallet.models import Credential
from wallet.selectors import _converted_versions
from wallet.verification.keys import did_key_from_public_key

# Requests in these tests happen shortly after the credentials were imported and checked.
SOON = NOW + timedelta(minutes=5)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    rendered_pages.clear()
    prepared_presentations.clear()
    _converted_versions.cache_clear()
    yield
    cache.clear()
    rendered_pages.clear()
    prepared_presentations.clear()
    _converted_versions.cache_clear()


@pytest.fixture
def issuer(app_fetcher) -> TestIssuer:
    test_issuer = TestIssuer()
    app_fetcher(lambda: test_issuer.fetcher)
    return test_issuer


def make_user(email: str, *, display_name: str = "") -> User:
    user = User.objects.create_user(email=email, password=None, display_name=display_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def give_holder_key(user: User, seed: str) -> HolderKey:
    private = ed25519_key(seed)
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    did = did_key_from_public_key(private.public_key())
    return HolderKey.objects.create(
        user=user,
        did=did,
        public_key_multibase=did.removeprefix("did:key:"),
        private_key_encrypted=crypto.encrypt(raw),
        created_at=NOW,
    )


@pytest.fixture
def owner(db: None) -> User:
    user = make_user(EARNER_EMAIL, display_name="Robin Learner")
    give_holder_key(user, EARNER_DID_LABEL)
    return user


@pytest.fixture
def stranger(db: None) -> User:
    user = make_user("stranger@example.org")
    give_holder_key(user, "stranger")
    return user


@pytest.fixture
def add(owner: User, issuer: TestIssuer) -> Callable[..., Credential]:
    """Import bytes (or a document) into the owner's record, verified at NOW."""

    def add(data: bytes | str | dict[str, Any], *, user: User | None = None) -> Credential:
        if isinstance(data, dict):
            data = json.dumps(data)
        if isinstance(data, str):
            data = data.encode()
        user = user or owner
        options = verifier.make_verify_options(owner=user, now=NOW, fetcher=issuer.fetcher)
        outcome = credential_import(
            owner=user, data=data, source="upload", now=NOW, options=options
        )
        assert outcome.credential is not None, outcome.message
        return outcome.credential

    return add


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(SOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shared(owner: User, add: Callable[..., Credential], issuer: TestIssuer) -> Any:
    """A link to five credentials of several formats; returns (share, token, credentials)."""
    credentials = [
        add(issuer.ob3()),
        add(issuer.ob3_jwt()),
        add(issuer.baked_png(issuer.ob3())),
        add(issuer.ob3(suite="Ed25519Signature2020")),
        add(issuer.ob2_hosted()),
    ]
    share, token = share_create(
        owner=owner,
        audience="Acme Corp, data analyst application",
        credential_ids=[c.pk for c in credentials],
        display_name="Robin L.",
        now=NOW,
    )
    return share, token, credentials


@pytest.fixture
def make_hostile(owner: User) -> Credential:
    """A stored credential whose every displayed field is hostile markup."""
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    original = json.dumps({"id": "urn:hostile"}).encode()
    return Credential.objects.create(
        owner=owner,
        original=original,
        media_type="application/json",
        sha256="ab" * 32,
        container="json",
        source="upload",
        format="ob3",
        dedupe_key="hostile",
        title=hostile,
        description=hostile,
        issuer_name=hostile,
        issuer_id="javascript:alert(3)",
        alignments=[{"name": hostile, "url": "javascript:alert(4)"}],
        verdict="verified",
        checked_at=SOON,
        created_at=NOW,
        updated_at=NOW,
    )


def database_text() -> str:
    """Every row of every table as text: to prove a secret was never written anywhere."""
    rows: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the schema
            for row in cursor.fetchall():
                rows.append(
                    " ".join(
                        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                        for v in row
                    )
                )
    return "\n".join(rows)
