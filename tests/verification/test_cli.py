"""`manage.py verify`: exit 0 when all verify, 1 when any does not, 2 on misuse."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.support.issuer import NOW, TestIssuer

AT = NOW.isoformat()


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


def _run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def _write(folder: Path, name: str, content: dict | str | bytes) -> str:
    path = folder / name
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def _url_map(folder: Path, issuer: TestIssuer) -> str:
    """The issuer's served resources as files, in the format of shared/interop/url-map.json."""
    served = folder / "served"
    served.mkdir()
    mapping = {}
    for n, (url, body) in enumerate(issuer.fetcher.entries.items()):
        _write(served, f"{n}.json", body if isinstance(body, str | bytes) else body.read_bytes())
        mapping[url] = f"served/{n}.json"
    return _write(folder, "url-map.json", {"map": mapping})


def test_it_exits_0_and_prints_the_verdict_when_every_credential_verifies(
    issuer: TestIssuer, tmp_path: Path
) -> None:
    # Ed25519Signature2020 on did:key with no status list: verifiable with nothing fetched.
    path = _write(tmp_path, "badge.json", issuer.ob3(suite="Ed25519Signature2020"))

    code, out = _run(path, "--at", AT)

    assert code == 0
    assert "Verified [verified] (ob3, json)" in out
    assert "proof.signature_valid" in out


def test_it_exits_1_when_any_credential_does_not_verify(issuer: TestIssuer, tmp_path: Path) -> None:
    good = _write(tmp_path, "good.json", issuer.ob3(suite="Ed25519Signature2020"))
    forged = _write(tmp_path, "forged.json", issuer.ob3("tampered", suite="Ed25519Signature2020"))

    code, out = _run(good, forged, "--at", AT)

    assert code == 1
    assert "Signature does not verify [invalid_signature]" in out


def test_it_resolves_through_a_url_map(issuer: TestIssuer, tmp_path: Path) -> None:
    url_map = _url_map(tmp_path, issuer)
    revoked = _write(tmp_path, "revoked.json", issuer.ob3("revoked"))
    rs256 = _write(tmp_path, "rs256.jwt", issuer.ob3_jwt(alg="RS256"))

    code_ok, _ = _run(rs256, "--url-map", url_map, "--at", AT)
    code_revoked, out = _run(revoked, "--url-map", url_map, "--at", AT)

    assert code_ok == 0
    assert code_revoked == 1
    assert "status.revoked" in out


def test_it_prints_a_json_list_of_reports(issuer: TestIssuer, tmp_path: Path) -> None:
    url_map = _url_map(tmp_path, issuer)
    paths = [
        _write(tmp_path, "a.json", issuer.ob3()),
        _write(tmp_path, "b.png", issuer.baked_png(issuer.ob3_jwt("expired"))),
    ]

    code, out = _run(*paths, "--json", "--url-map", url_map, "--at", AT)

    reports = json.loads(out)
    assert code == 1
    assert [(r["input"], r["verdict"]) for r in reports] == [
        (paths[0], "verified"),
        (paths[1], "expired"),
    ]
    assert reports[1]["container"] == "png"


def test_the_time_given_decides_expiry(issuer: TestIssuer, tmp_path: Path) -> None:
    url_map = _url_map(tmp_path, issuer)
    path = _write(tmp_path, "expiring.json", issuer.ob3("expired"))

    before, _ = _run(path, "--url-map", url_map, "--at", "2025-12-01T00:00:00Z")
    after, _ = _run(path, "--url-map", url_map, "--at", AT)

    assert (before, after) == (0, 1)


def test_the_earner_identifiers_are_checked(issuer: TestIssuer, tmp_path: Path) -> None:
    path = _write(tmp_path, "badge.json", issuer.ob3(suite="Ed25519Signature2020"))

    _, mine = _run(path, "--at", AT, "--did", issuer.earner_did)
    _, theirs = _run(path, "--at", AT, "--email", "someone@example.org")

    assert "recipient.match" in mine
    assert "recipient.no_match" in theirs


@pytest.mark.parametrize(
    "args",
    [
        ["--at", "last tuesday"],
        ["--url-map", "/nonexistent/url-map.json"],
    ],
)
def test_it_exits_2_on_bad_options(issuer: TestIssuer, tmp_path: Path, args: list[str]) -> None:
    path = _write(tmp_path, "badge.json", issuer.ob3(suite="Ed25519Signature2020"))

    code, _ = _run(path, *args)

    assert code == 2


def test_it_exits_2_on_a_missing_file(tmp_path: Path) -> None:
    code, _ = _run(str(tmp_path / "nope.json"), "--at", AT)

    assert code == 2


def test_it_exits_2_on_an_unreadable_url_map(issuer: TestIssuer, tmp_path: Path) -> None:
    path = _write(tmp_path, "badge.json", issuer.ob3(suite="Ed25519Signature2020"))
    bad_map = _write(tmp_path, "map.json", "{not json")

    code, _ = _run(path, "--url-map", bad_map, "--at", AT)

    assert code == 2


# --- manage.py interop over a corpus laid out like shared/interop ---------------------------

MANIFEST_COLUMNS = (
    "local_path source_repo source_path source_commit format expected needs_network notes role"
)
MANIFEST_HEADER = "\t".join(MANIFEST_COLUMNS.split())


def _corpus(
    folder: Path, issuer: TestIssuer, rows: list[tuple[str, str, str, bytes | str]]
) -> Path:
    _url_map(folder, issuer)
    lines = [MANIFEST_HEADER]
    for name, fmt, expected, content in rows:
        _write(folder, name, content)
        lines.append(f"{name}\tx\tx\tx\t{fmt}\t{expected}\tno\t\tcredential")
    lines.append("schema.json\tx\tx\tx\tschema\tvalid\tno\t\tresource")
    _write(folder, "MANIFEST.tsv", "\n".join(lines) + "\n")
    return folder


def _interop(shared: Path, *extra: str) -> tuple[int, str]:
    out = StringIO()
    args = ["--shared", str(shared), "--at", AT, "--no-rdf-canon", *extra]
    try:
        call_command("interop", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_interop_passes_when_every_definite_row_matches(issuer: TestIssuer, tmp_path: Path) -> None:
    hosted = issuer.ob2_hosted()
    served_elsewhere = dict(hosted, id="https://issuer.example/ob2/assertions/self-served")
    shared = _corpus(
        tmp_path,
        issuer,
        [
            ("valid.json", "ob3-di", "valid", json.dumps(issuer.ob3())),
            ("revoked.json", "ob3-di", "revoked", json.dumps(issuer.ob3("revoked"))),
            ("forged.jwt", "ob3-jwt", "invalid-signature", issuer.ob3_jwt("tampered")),
            ("late.json", "ob3-di", "expired|malformed", json.dumps(issuer.ob3("expired"))),
            ("skipped.json", "ob3-di", "unknown", "not even json"),
            # Served only by the run's own convention: the row's id URL serves the row.
            ("hosted.json", "ob2-hosted", "valid", json.dumps(served_elsewhere)),
        ],
    )

    code, out = _interop(shared)

    assert code == 0, out
    assert "corpus: 5 rows checked, 5 OK, 0 MISMATCH, 0 OVERRIDDEN" in out
    assert "skipped.json" not in out


def test_interop_fails_on_a_mismatch_unless_a_cited_override_covers_it(
    issuer: TestIssuer, tmp_path: Path
) -> None:
    shared = _corpus(
        tmp_path, issuer, [("wrong.json", "ob3-di", "valid", json.dumps(issuer.ob3("revoked")))]
    )
    overrides = _write(
        tmp_path,
        "overrides.tsv",
        "local_path\texpected_by_us\tcitation\nwrong.json\trevoked\tBSL §3.2: bit set\n",
    )

    failing, out = _interop(shared)
    overridden, out_overridden = _interop(shared, "--overrides", overrides)

    assert failing == 1
    assert "MISMATCH" in out and "status.revoked" in out
    assert overridden == 0
    assert "0 MISMATCH, 1 OVERRIDDEN" in out_overridden
