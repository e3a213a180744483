"""Guessing tokens is slowed down per client, and never at the expense of a valid link."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("frozen")

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"
PROXY = "10.0.0.2"


def _get(client, path: str, address: str = "198.51.100.7", forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address, **headers)


@pytest.fixture
def limit(settings):
    settings.SATCHEL_SHARE_MISS_LIMIT = 5
    return 5


def test_misses_never_block_a_valid_token_of_the_same_client(client, shared, limit):
    _, token, _ = shared

    codes = [_get(client, f"/s/guess-{n}").status_code for n in range(limit + 1)]

    assert codes == [404] * limit + [429]
    assert _get(client, f"/s/{token}").status_code == 200
    assert _get(client, f"/s/{token}/presentation").status_code == 200


def test_behind_a_proxy_one_clients_misses_do_not_block_another(client, shared, limit, settings):
    settings.SATCHEL_TRUSTED_PROXY_COUNT = 1
    _, token, _ = shared

    for n in range(20):
        _get(client, f"/s/guess-{n}", PROXY, forwarded="203.0.113.66")

    assert _get(client, "/s/guess-x", PROXY, forwarded="203.0.113.66").status_code == 429
    assert _get(client, "/s/typo", PROXY, forwarded="192.0.2.10").status_code == 404
    assert _get(client, f"/s/{token}", PROXY, forwarded="192.0.2.10").status_code == 200
    assert _get(client, f"/s/{token}", PROXY, forwarded="203.0.113.66").status_code == 200


def test_a_client_cannot_escape_its_count_by_forging_forwarded_for(client, db, limit, settings):
    settings.SATCHEL_TRUSTED_PROXY_COUNT = 1
    codes = [
        # Our proxy appends the address it saw: the forged entry is never the last one.
        _get(client, f"/s/guess-{n}", PROXY, forwarded=f"192.0.2.{n}, 203.0.113.66").status_code
        for n in range(limit + 1)
    ]

    assert codes == [404] * limit + [429]


def test_without_trusted_proxies_forwarded_for_is_ignored(client, db, limit):
    codes = [
        _get(client, f"/s/guess-{n}", forwarded=f"192.0.2.{n}").status_code
        for n in range(limit + 1)
    ]

    assert codes == [404] * limit + [429]


def test_a_dead_link_is_not_a_miss(client, shared, owner, limit):
    from sharing.services import share_revoke

    share, token, _ = shared
    share_revoke(owner=owner, share_id=share.pk)

    codes = [_get(client, f"/s/{token}").status_code for _ in range(limit + 2)]

    assert codes == [410] * (limit + 2)
    assert _get(client, "/s/guess").status_code == 404


def test_an_ipv6_client_is_counted_by_its_network_not_each_address(client, db, limit):
    codes = [
        _get(client, f"/s/guess-{n}", f"2001:db8:1:2::{n + 1:x}").status_code
        for n in range(limit + 1)
    ]

    assert codes == [404] * limit + [429]
    assert _get(client, "/s/guess-x", "2001:db8:1:3::1").status_code == 404
