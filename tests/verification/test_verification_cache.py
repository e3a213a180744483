"""What the caches may and may not change: a cached verification reports exactly what a fresh
one does, and nothing about a changed credential is taken from the cache."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.issuer import NOW, TestIssuer
from wallet.verification import (
    Verdict,
    VerifyOptions,
    canon,
    pipeline,
    structure,
    verify_bytes,
    verify_document,
)
from wallet.verification.keys import resolve
from wallet.verification.proofs import dataintegrity


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


def _options(issuer: TestIssuer, cache: dict[str, str] | None) -> VerifyOptions:
    return VerifyOptions(now=NOW, fetcher=issuer.fetcher, canon_cache=cache)


def _report(issuer: TestIssuer, document: dict[str, Any], cache: dict[str, str] | None) -> Any:
    return verify_bytes(json.dumps(document).encode(), options=_options(issuer, cache)).to_dict()


@pytest.mark.parametrize("variant", ["valid", "tampered", "revoked", "expired", "wrong_key"])
def test_verifying_twice_with_a_shared_cache_reports_what_a_fresh_verification_does(
    issuer: TestIssuer, variant: str
) -> None:
    document = issuer.ob3(variant)
    cache: dict[str, str] = {}
    fresh = _report(issuer, document, None)
    assert _report(issuer, document, cache) == fresh
    assert cache
    assert _report(issuer, document, cache) == fresh


def _edits() -> dict[str, Any]:
    def name(d: dict[str, Any]) -> None:
        d["credentialSubject"]["achievement"]["name"] = "Forged Achievement"

    def created(d: dict[str, Any]) -> None:
        d["proof"]["created"] = "2020-01-01T00:00:00Z"

    def proof_value(d: dict[str, Any]) -> None:
        value = d["proof"]["proofValue"]
        d["proof"]["proofValue"] = value[:-2] + ("11" if value[-2:] != "11" else "22")

    def key(d: dict[str, Any]) -> None:
        d["proof"]["verificationMethod"] = TestIssuer().intruder.vm

    def context(d: dict[str, Any]) -> None:
        d["@context"] = [*d["@context"], {"name": "https://example.org/other-name"}]

    return {"name": name, "created": created, "proofValue": proof_value, "key": key, "ctx": context}


@pytest.mark.parametrize("edit", sorted(_edits()))
def test_a_credential_edited_after_its_good_twin_was_cached_still_fails(
    issuer: TestIssuer, edit: str
) -> None:
    good = issuer.ob3()
    cache: dict[str, str] = {}
    assert verify_document(good, options=_options(issuer, cache)).verdict.is_ok
    edited = copy.deepcopy(good)
    _edits()[edit](edited)
    cached = verify_document(edited, options=_options(issuer, cache))
    assert not cached.verdict.is_ok
    assert cached.to_dict() == verify_document(edited, options=_options(issuer, None)).to_dict()


def test_an_undefined_term_fails_after_the_clean_credential_was_cached(
    issuer: TestIssuer,
) -> None:
    good = issuer.ob3()
    cache: dict[str, str] = {}
    verify_document(good, options=_options(issuer, cache))
    with_extra = copy.deepcopy(good)
    with_extra["credentialSubject"]["achievement"]["favouriteColour"] = "blue"
    report = verify_document(with_extra, options=_options(issuer, cache))
    assert "jsonld.undefined_term" in {c.code for c in report.checks}
    assert report.verdict is Verdict.MALFORMED


def test_a_reordered_copy_reuses_the_entries_and_reports_the_same(issuer: TestIssuer) -> None:
    document = issuer.ob3()
    cache: dict[str, str] = {}
    first = verify_document(document, options=_options(issuer, cache)).to_dict()
    size = len(cache)
    reordered = json.loads(json.dumps(document, sort_keys=True))
    assert verify_document(reordered, options=_options(issuer, cache)).to_dict() == first
    assert len(cache) == size


def test_one_verification_expands_the_credential_once_and_the_proof_config_once(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both by the walk (pyld_adapter.walk_expansion): pyld's own expansion is not needed.
    document = issuer.ob3(status=False)
    walked: list[Any] = []
    real = canon._walked

    def counting(doc: dict[str, Any], **kwargs: Any) -> list[Any] | None:
        walked.append(sorted(doc))
        return real(doc, **kwargs)

    def no_expansion(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pyld expanded")

    monkeypatch.setattr(canon, "_walked", counting)
    monkeypatch.setattr(canon, "_expand", no_expansion)
    report = verify_document(document, options=_options(issuer, None))
    assert report.verdict is Verdict.VERIFIED
    assert len(walked) == 2
    assert "proof" in walked[0]  # the term check sees the whole credential
    assert "proofValue" not in walked[1] and "cryptosuite" in walked[1]


def test_a_cached_reverification_expands_nothing(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = issuer.ob3(status=False)
    cache: dict[str, str] = {}
    verify_document(document, options=_options(issuer, cache))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("expanded again")

    monkeypatch.setattr(canon, "_expand", refuse)
    assert verify_document(document, options=_options(issuer, cache)).verdict is Verdict.VERIFIED


def test_the_did_key_memo_does_not_remember_failures(issuer: TestIssuer) -> None:
    document = issuer.ob3()
    bad = "did:key:z6MkBROKEN"
    document["proof"]["verificationMethod"] = f"{bad}#z6MkBROKEN"
    document["issuer"]["id"] = bad
    for _ in range(2):
        report = verify_document(document, options=_options(issuer, {}))
        assert report.verdict is not Verdict.VERIFIED
        assert any(c.name == "key" for c in report.failures)
    assert resolve._did_key_material.cache_info().currsize >= 1


def test_bytes_edited_after_the_good_bytes_were_cached_still_fail(issuer: TestIssuer) -> None:
    good = json.dumps(issuer.ob3()).encode()
    cache: dict[str, str] = {}
    options = _options(issuer, cache)
    assert verify_bytes(good, options=options).verdict.is_ok
    assert verify_bytes(good, options=options).verdict.is_ok
    forged = good.replace(b'"Forged Achievement"', b"").replace(
        b'"name": "', b'"name": "Forged ', 1
    )
    assert forged != good
    report = verify_bytes(forged, options=options)
    assert report.verdict is Verdict.INVALID_SIGNATURE
    assert report.to_dict() == verify_bytes(forged, options=_options(issuer, None)).to_dict()


def test_the_same_credential_as_other_bytes_reports_the_same(issuer: TestIssuer) -> None:
    document = issuer.ob3()
    cache: dict[str, str] = {}
    compact = verify_bytes(json.dumps(document).encode(), options=_options(issuer, cache))
    spaced = verify_bytes(json.dumps(document, indent=2).encode(), options=_options(issuer, cache))
    assert spaced.to_dict() == compact.to_dict()
    assert compact.verdict is Verdict.VERIFIED


def test_a_cached_reverification_decodes_hashes_and_walks_nothing_again(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(issuer.ob3(status=False)).encode()
    cache: dict[str, str] = {}
    fresh = verify_bytes(data, options=_options(issuer, cache)).to_dict()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("done again")

    monkeypatch.setattr(dataintegrity, "_hash", refuse)
    monkeypatch.setattr(pipeline, "iter_endorsements", refuse)
    monkeypatch.setattr(structure, "check_credential", refuse)
    monkeypatch.setattr(dataintegrity, "multibase_decode", refuse)
    assert verify_bytes(data, options=_options(issuer, cache)).to_dict() == fresh


def test_an_endorsement_added_after_the_bare_credential_was_cached_is_checked(
    issuer: TestIssuer,
) -> None:
    document = issuer.ob3()
    cache: dict[str, str] = {}
    assert verify_bytes(json.dumps(document).encode(), options=_options(issuer, cache)).verdict
    endorsed = copy.deepcopy(document)
    endorsed["credentialSubject"]["achievement"]["endorsement"] = [issuer.ob3()]
    data = json.dumps(endorsed).encode()

    cached = verify_bytes(data, options=_options(issuer, cache))

    assert [c.code for c in cached.checks if c.name == "endorsement"] == ["endorsement.verified"]
    assert cached.to_dict() == verify_bytes(data, options=_options(issuer, None)).to_dict()


def test_the_signed_hashes_are_remembered_per_proof_and_content(issuer: TestIssuer) -> None:
    good = issuer.ob3(status=False)
    cache: dict[str, str] = {}
    verify_document(good, options=_options(issuer, cache))
    remembered = {key: value for key, value in cache.items() if key.startswith("hash-data:")}
    edited = copy.deepcopy(good)
    edited["name"] = "Another name"

    report = verify_document(edited, options=_options(issuer, cache))

    assert len(remembered) == 1
    assert report.verdict is Verdict.INVALID_SIGNATURE
    new = {k for k in cache if k.startswith("hash-data:")} - set(remembered)
    assert len(new) == 1


def test_a_remark_in_a_changed_credential_is_found_after_its_twin_was_cached(
    issuer: TestIssuer,
) -> None:
    document = issuer.ob3(status=False)
    cache: dict[str, str] = {}
    verify_bytes(json.dumps(document).encode(), options=_options(issuer, cache))
    assert any(key.startswith("well-formed:") for key in cache)
    untyped = copy.deepcopy(document)
    untyped["type"] = ["VerifiableCredential"]
    data = json.dumps(untyped).encode()

    cached = verify_bytes(data, options=_options(issuer, cache))

    assert "structure.ok" not in {c.code for c in cached.checks}
    assert cached.to_dict() == verify_bytes(data, options=_options(issuer, None)).to_dict()
