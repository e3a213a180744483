"""A JSON array file may list JWT credentials as strings beside JSON ones (other wallets'
exports): the pipeline verifies each as its own child of the bundle."""

from __future__ import annotations

import json

from tests.support.issuer import TestIssuer
from wallet.verification import verify_bytes
from wallet.verification.limits import Limits


def test_each_token_and_object_in_an_array_is_verified_on_its_own():
    issuer = TestIssuer()
    genuine, forged = issuer.ob3_jwt(), issuer.ob3_jwt("tampered")
    data = json.dumps([genuine, issuer.ob3(), forged]).encode()

    report = verify_bytes(data, options=issuer.options())

    assert report.format == "bundle"
    children = [(c.container, c.format, str(c.verdict)) for c in report.children]
    assert children == [
        ("jwt", "ob3", "verified"),
        ("json", "ob3", "verified"),
        ("jwt", "ob3", "invalid_signature"),
    ]
    assert [c.jwt for c in report.children] == [genuine, None, forged]


def test_an_array_of_tokens_beyond_the_nesting_cap_is_refused_whole():
    issuer = TestIssuer()
    data = json.dumps([issuer.ob3_jwt() for _ in range(3)]).encode()

    report = verify_bytes(data, options=issuer.options(limits=Limits(max_nested_credentials=2)))

    assert str(report.verdict) == "malformed"
    assert report.children == []
    assert [c.code for c in report.failures] == ["parse.too_large"]
