"""Hostile input through the public entry point: whatever arrives, a Report comes back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.issuer import TestIssuer
from wallet.verification import Report, Verdict, verify_bytes, verify_document

_ISSUER: TestIssuer | None = None


def _issuer() -> TestIssuer:
    global _ISSUER
    if _ISSUER is None:
        _ISSUER = TestIssuer()
    return _ISSUER


_SEEDS: dict[str, Any] = {}


def _seed(kind: str) -> Any:
    if kind not in _SEEDS:
        issuer = _issuer()
        _SEEDS[kind] = {
            "ob3": lambda: issuer.ob3(),
            "clr": lambda: issuer.clr(),
            "vp": lambda: issuer.presentation([issuer.ob3(), issuer.ob3_jwt()]),
            "jwt": lambda: issuer.ob3_jwt(alg="ES256"),
            "ob2": lambda: issuer.ob2_signed(),
        }[kind]()
    return _SEEDS[kind]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["did:key:z6Mk", "https://", "data:application/vc+jwt,a.b.c", "urn:x"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(node))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def _assert_a_report(report: Any) -> None:
    assert isinstance(report, Report)
    assert isinstance(report.verdict, Verdict)
    json.dumps(report.to_dict())


SLOW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@SLOW
@given(kind=st.sampled_from(["ob3", "clr", "vp"]), data=st.data(), value=json_values)
def test_a_credential_with_any_value_anywhere_yields_a_report(
    kind: str, data: Any, value: Any
) -> None:
    document = _seed(kind)
    path = data.draw(st.sampled_from(_paths(document)))
    mutated = _replace(document, path, value)

    _assert_a_report(verify_bytes(json.dumps(mutated).encode(), options=_issuer().options()))
    if isinstance(mutated, dict):
        _assert_a_report(verify_document(mutated, options=_issuer().options()))


@SLOW
@given(kind=st.sampled_from(["ob3", "jwt", "ob2"]), data=st.data())
def test_flipped_bytes_yield_a_report(kind: str, data: Any) -> None:
    seed = _seed(kind)
    raw = bytearray(seed.encode() if isinstance(seed, str) else json.dumps(seed).encode())
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[index] = data.draw(st.integers(min_value=0, max_value=255))

    _assert_a_report(verify_bytes(bytes(raw), options=_issuer().options()))


@SLOW
@given(header=json_values, payload=json_values, signature=st.binary(max_size=80))
def test_a_token_of_arbitrary_parts_yields_a_report(
    header: Any, payload: Any, signature: bytes
) -> None:
    import base64

    def part(value: Any) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    token = ".".join((part(header), part(payload), part(signature)))

    _assert_a_report(verify_bytes(token.encode(), options=_issuer().options()))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 10,
        b"\x89PNG\r\n\x1a\n",
        b"<svg",
        b"[]",
        b"[1,2]",
        b"null",
        b"a.b.c",
        b"{" * 5000,
    ],
)
def test_degenerate_inputs_are_refused_with_a_report(data: bytes) -> None:
    report = verify_bytes(data, options=_issuer().options())

    _assert_a_report(report)
    assert not report.verdict.is_ok
