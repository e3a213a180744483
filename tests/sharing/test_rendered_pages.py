"""The per-process store of rendered share pages: bounded in size and in time."""

from __future__ import annotations

from sharing.public_views import _RenderedPages


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_stored_page_is_returned_until_it_expires():
    clock = _Clock()
    pages = _RenderedPages(size=4, seconds=60, clock=clock)
    pages.put(("a",), b"page a")

    clock.now += 59
    assert pages.get(("a",)) == b"page a"
    clock.now += 1
    assert pages.get(("a",)) is None


def test_it_never_holds_more_than_its_size_and_drops_the_least_recently_used():
    pages = _RenderedPages(size=2, seconds=60, clock=_Clock())
    pages.put(("a",), b"a")
    pages.put(("b",), b"b")
    pages.get(("a",))

    pages.put(("c",), b"c")

    assert pages.get(("b",)) is None
    assert (pages.get(("a",)), pages.get(("c",))) == (b"a", b"c")
    assert len(pages._pages) == 2


def test_a_different_key_never_returns_another_pages_body():
    pages = _RenderedPages(size=4, seconds=60, clock=_Clock())
    pages.put((1, "v1"), b"old")

    assert pages.get((1, "v2")) is None
