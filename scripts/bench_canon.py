"""Time canonize() on one credential: cold (first call in the process) and warm.

Usage: .venv/bin/python scripts/bench_canon.py PATH/TO/credential.json [runs]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wallet.verification.canon import canonize, check_no_dropped_terms


def _ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:.1f} ms"


def main() -> None:
    path = Path(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    document = json.loads(path.read_text(encoding="utf-8"))
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    print(f"{path.name}: {len(path.read_bytes())} bytes")
    start = time.perf_counter()
    canonize(unsecured)
    print(f"canonize cold (contexts parsed and processed): {_ms(start)}")
    start = time.perf_counter()
    for _ in range(runs):
        canonize(unsecured)
    print(f"canonize warm: {(time.perf_counter() - start) * 1000 / runs:.2f} ms per call")
    start = time.perf_counter()
    for _ in range(runs):
        check_no_dropped_terms(document)
    print(f"check_no_dropped_terms warm: {(time.perf_counter() - start) * 1000 / runs:.2f} ms")
    cache: dict[str, str] = {}
    canonize(unsecured, cache=cache)
    start = time.perf_counter()
    for _ in range(runs):
        canonize(unsecured, cache=cache)
    print(f"canonize cache hit: {(time.perf_counter() - start) * 1000 / runs:.3f} ms per call")


if __name__ == "__main__":
    main()
