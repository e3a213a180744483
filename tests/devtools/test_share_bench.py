"""The share benchmark's arithmetic: windows combined, ratios per pair, the printed report."""

from __future__ import annotations

from devtools.bench import share_page


def _run(rate: float, requests: int, errors: int = 0) -> dict:
    return {
        "requests_per_second": rate,
        "requests": requests,
        "p50_ms": 1.0,
        "p99_ms": rate / 100,
        "non_2xx": errors,
        "socket_errors": 0,
    }


def test_windows_combine_into_totals_a_median_and_a_spread() -> None:
    combined = share_page._combined([_run(100, 200), _run(300, 600), _run(200, 400)])

    assert combined["requests"] == 1200
    assert combined["requests_per_second"] == 200.0  # 1,200 requests in 6 seconds
    assert combined["median_requests_per_second"] == 200
    assert combined["spread_requests_per_second"] == [100, 300]
    assert combined["p99_ms"] == 3.0  # the worst window's


def test_the_ratio_is_taken_per_pair_of_neighbouring_windows() -> None:
    pages = [_run(70, 1), _run(40, 1), _run(90, 1)]
    trivial = [_run(100, 1), _run(100, 1), _run(100, 1)]

    assert share_page._ratios(pages, trivial) == [0.7, 0.4, 0.9]


def test_the_report_gives_each_figure_beside_its_target_and_the_load() -> None:
    trivial = share_page._combined([_run(1000, 2000)])
    page = share_page._combined([_run(800, 1600)])
    sizes = {n: share_page._combined([_run(400 - n * 10, 800, errors=0)]) for n in (1, 3, 10)}
    result = {
        "shared_credentials": 10,
        "workers": 2,
        "connections": 8,
        "rounds": 1,
        "seconds": 2,
        "database": "sqlite",
        "cache": "process memory",
        "load": {"start": 1.5},
        "trivial": trivial,
        "share_page": page,
        "presentations_by_size": sizes,
        "ratio": 0.8,
        "ratio_spread": [0.8, 0.8],
        "target_ratio": 0.7,
        "meets_target": True,
        "errors": 0,
        "presentations_per_second": 370.0,
        "target_presentations": 300,
        "presentations_meet_target": True,
    }

    text = "\n".join(share_page.report(result))

    assert "load average (1 min): start 1.50" in text
    assert "median 0.80 over the windows (spread 0.80-0.80; target >= 0.7" in text
    assert "presentation, 10 credentials" in text
    assert "3 credentials: median 370 (target >= 300): ok" in text
