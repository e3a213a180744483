"""The development server's fetcher: the demo origin served, everything else guarded."""

from __future__ import annotations

import pytest

from config.outbound import make_fetcher
from devtools import demo
from wallet.verification.fetch import FetchRefused


def test_the_development_fetcher_serves_the_demo_origin_and_guards_everything_else(
    settings,
) -> None:
    settings.SATCHEL_FETCHER = "devtools.fetchers.demo_fetcher"

    fetcher = make_fetcher()

    assert fetcher.fetch(demo.STATUS_LIST_URL).status == 200
    with pytest.raises(FetchRefused, match="public internet"):
        fetcher.fetch("https://10.0.0.1/status/1")
