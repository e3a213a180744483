"""Satchel's selective disclosures checked by Digital Bazaar's verifier (`make crosscheck`).

Takes the base credential Digital Bazaar's ecdsa-sd-2023 cryptosuite issued
(tests/fixtures/independent/ecdsa-sd-2023-base.json), derives disclosures of it with
Satchel's `ecdsa_sd.derive`, writes them to var/crosscheck/, and runs crosscheck/verify_sd.mjs
(@digitalbazaar/ecdsa-sd-2023-cryptosuite) on them. A tampered disclosure must be refused.
Exits non-zero when any answer is not the expected one. Needs `npm ci` in crosscheck/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wallet.verification.proofs import ecdsa_sd  # noqa: E402

BASE = REPO / "tests" / "fixtures" / "independent" / "ecdsa-sd-2023-base.json"
OUT = REPO / "var" / "crosscheck"
DISCLOSURES = {
    "satchel-derived-subject.json": ["/credentialSubject/id", "/credentialSubject/result/1"],
    "satchel-derived-mandatory-only.json": [],
    "satchel-derived-everything.json": None,  # every disclosable pointer
}


def main() -> int:
    base = json.loads(BASE.read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    good: list[Path] = []
    for name, pointers in DISCLOSURES.items():
        chosen = ecdsa_sd.disclosable_pointers(base) if pointers is None else pointers
        derived = ecdsa_sd.derive(base, reveal=chosen)
        path = OUT / name
        path.write_text(json.dumps(derived, indent=2) + "\n")
        good.append(path)
    tampered = json.loads(good[0].read_text())
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    bad = OUT / "satchel-derived-tampered.json"
    bad.write_text(json.dumps(tampered, indent=2) + "\n")

    node = ["node", str(REPO / "crosscheck" / "verify_sd.mjs")]
    accepted = subprocess.run([*node, *map(str, good)], check=False, text=True)  # noqa: S603
    refused = subprocess.run(  # noqa: S603
        [*node, str(bad)], check=False, text=True, capture_output=True
    )
    print(refused.stdout, end="")
    ok = accepted.returncode == 0 and refused.returncode != 0
    print(
        f"crosscheck: {len(good)} Satchel disclosures "
        f"{'verified' if accepted.returncode == 0 else 'NOT all verified'} by Digital Bazaar; "
        f"tampered one {'refused' if refused.returncode else 'ACCEPTED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
