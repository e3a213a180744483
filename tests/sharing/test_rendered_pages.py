"""The per-process store of rendered share pages: bounded in size and in time."""

from __future__ import annotations

import time

from sharing.public_views import PAGE_CACHE_SECONDS, PAGE_CACHE_SIZE, rendered_pages
from wallet.verification.caching import BoundedCache


def test_rendered_pages_are_kept_in_the_one_bounded_cache_sized_by_the_page_limits():
    assert isinstance(rendered_pages, BoundedCache)
    assert (rendered_pages.size, rendered_pages.seconds) == (PAGE_CACHE_SIZE, PAGE_CACHE_SECONDS)
    assert rendered_pages.clock is time.monotonic
