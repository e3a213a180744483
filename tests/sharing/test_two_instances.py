"""Two app servers over one database and one cache: a link that ends through one is refused by
the other on its very next request, however warm the other's own memory is.

Two Django test clients in one process would share every in-process cache, so they cannot stand
for two servers. Each "server" here is the request path run with its own in-process state:
its own store of rendered pages (`sharing.public_views.rendered_pages`, the one in-process
cache that holds what a link shows), swapped in for each of its requests. The database and
the Django cache are the shared ones, as PostgreSQL and Redis are in production. Clearing the
store between requests would be weaker: the danger is a server whose store is still warm with
the page, so each server keeps its own, and the test checks the page is really in there.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sharing import public_views
from sharing.public_views import PAGE_CACHE_SECONDS, PAGE_CACHE_SIZE
from sharing.services import share_create
from tests.sharing.conftest import SOON
from wallet.verification.caching import BoundedCache

pytestmark = pytest.mark.usefixtures("frozen")


class Server:
    """One app server's in-process state: its own store of rendered pages."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pages: BoundedCache[tuple[Any, ...], bytes] = BoundedCache(
            PAGE_CACHE_SIZE, seconds=PAGE_CACHE_SECONDS, clock=time.monotonic
        )
        self._monkeypatch = monkeypatch

    @contextmanager
    def serving(self) -> Iterator[None]:
        """The requests made inside are this server's."""
        self._monkeypatch.setattr(public_views, "rendered_pages", self.pages)
        yield


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> tuple[Server, Server]:
    return Server(monkeypatch), Server(monkeypatch)


def _open(token: str) -> int:
    response = Client().get(f"/s/{token}", HTTP_USER_AGENT="Firefox/126.0")
    return response.status_code


def test_a_link_revoked_through_one_server_is_refused_by_the_other_at_once(
    client, owner, shared, servers
):
    share, token, _credentials = shared
    first, second = servers
    with first.serving():
        assert _open(token) == 200
    assert len(first.pages) == 1  # the page is warm on the first

    client.force_login(owner)
    with second.serving():
        revoked = client.post(reverse("shares:revoke", args=[share.pk]))
    assert revoked.status_code == 302

    with first.serving():
        assert _open(token) == 410
    with second.serving():
        assert _open(token) == 410


def test_a_link_used_up_through_one_server_is_refused_by_the_other(owner, add, issuer, servers):
    _share, token = share_create(
        owner=owner,
        audience="Acme Corp",
        credential_ids=[add(issuer.ob3()).pk],
        max_views=2,
        now=SOON,
    )
    first, second = servers
    with first.serving():
        assert _open(token) == 200
    assert len(first.pages) == 1
    with second.serving():
        assert _open(token) == 200  # the last view, taken through the second server

    with first.serving():
        assert _open(token) == 410
