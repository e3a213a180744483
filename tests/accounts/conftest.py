"""The cast for account tests: an owner with a verified address, and a stranger."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import User

PASSWORD = "correct horse battery staple 7"
# Fixed Fernet keys (32 bytes, url-safe base64) so tests never depend on the developer's secrets.
KEY_A = "aDjHnTCxAq3x5YxqUc2oMSH6Mt6AHfGLmJUGqnBZrZ0="
KEY_B = "9lB-MsJkc0lLBz6Xl2iQs-7-GBx6JLPJ47hN0S6Ch4k="


@pytest.fixture(autouse=True)
def _isolated(settings):
    # Rate-limit counters and used-TOTP markers live in the cache: start every test clean.
    cache.clear()
    settings.SATCHEL_ENCRYPTION_KEYS = [KEY_A]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A fast hasher: these tests are about flows, not about password hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    cache.clear()


def make_user(email: str, *, verified: bool = True) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


@pytest.fixture
def owner(db) -> User:
    return make_user("ada@example.org")


@pytest.fixture
def stranger(db) -> User:
    return make_user("mallory@example.net")


def sign_in(client: Client, email: str, password: str = PASSWORD):
    """Sign in through the real form, so allauth records a fresh authentication."""
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.fixture
def owner_client(client: Client, owner: User) -> Client:
    response = sign_in(client, owner.email)
    assert response.status_code == 302, response.content
    return client


def link_in_last_email(path_prefix: str) -> str:
    """The path of the first link in the newest email that starts with path_prefix."""
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", body)
    assert match, f"no {path_prefix} link in: {body}"
    return match.group(1)
