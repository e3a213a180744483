"""Every format the test issuer signs, in every variant, gets the right verdict end to end."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.support.issuer import JWT_ALGS, VARIANTS, TestIssuer
from wallet.verification import Verdict, verify_bytes

EXPECTED = {
    "valid": Verdict.VERIFIED,
    "tampered": Verdict.INVALID_SIGNATURE,
    "revoked": Verdict.REVOKED,
    "expired": Verdict.EXPIRED,
    "wrong_key": Verdict.INVALID_SIGNATURE,
}


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


def _as_bytes(credential: dict | str) -> bytes:
    return (credential if isinstance(credential, str) else json.dumps(credential)).encode()


FORMATS: dict[str, Callable[[TestIssuer, str], dict | str]] = {
    "ob3 eddsa-rdfc-2022": lambda i, v: i.ob3(v),
    "ob3 Ed25519Signature2020 (VC 1.1)": lambda i, v: i.ob3(v, suite="Ed25519Signature2020"),
    **{f"ob3 VC-JWT {alg}": (lambda a: lambda i, v: i.ob3_jwt(v, alg=a))(alg) for alg in JWT_ALGS},
    "clr 2.0": lambda i, v: i.clr(v),
    "ob2 signed": lambda i, v: i.ob2_signed(v),
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("form", list(FORMATS))
def test_each_signed_format_gets_the_verdict_its_variant_deserves(
    issuer: TestIssuer, form: str, variant: str
) -> None:
    credential = FORMATS[form](issuer, variant)

    report = verify_bytes(_as_bytes(credential), options=issuer.options())

    assert report.verdict is EXPECTED[variant], [c.to_dict() for c in report.failures]


@pytest.mark.parametrize("variant", ["valid", "revoked", "expired", "wrong_key"])
def test_a_hosted_ob2_assertion_gets_the_verdict_its_variant_deserves(
    issuer: TestIssuer, variant: str
) -> None:
    assertion = issuer.ob2_hosted(variant)

    report = verify_bytes(_as_bytes(assertion), options=issuer.options())

    assert report.format == "ob2-hosted"
    assert report.verdict is EXPECTED[variant]


def test_a_hosted_ob2_assertion_reports_its_badge_class_and_issuer(issuer: TestIssuer) -> None:
    report = verify_bytes(_as_bytes(issuer.ob2_hosted()), options=issuer.options())

    assert report.extras["badge"]["name"] == "Test Badge"
    assert report.extras["issuer"]["name"] == "Test Issuer"
    assert report.credential is not None and report.credential["type"] == "Assertion"


@pytest.mark.parametrize("image", ["png", "svg"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_a_baked_ob3_image_gets_the_verdict_of_the_credential_inside(
    issuer: TestIssuer, image: str, variant: str
) -> None:
    bake = issuer.baked_png if image == "png" else issuer.baked_svg

    report = verify_bytes(bake(issuer.ob3(variant)), options=issuer.options())

    assert report.container == image
    assert report.verdict is EXPECTED[variant]


@pytest.mark.parametrize("image", ["png", "svg"])
@pytest.mark.parametrize("variant", ["valid", "tampered"])
def test_a_baked_vc_jwt_is_verified_as_a_jwt(issuer: TestIssuer, image: str, variant: str) -> None:
    bake = issuer.baked_png if image == "png" else issuer.baked_svg

    report = verify_bytes(bake(issuer.ob3_jwt(variant, alg="ES256")), options=issuer.options())

    assert report.jwt is not None
    assert report.verdict is EXPECTED[variant]


@pytest.mark.parametrize("image", ["png", "svg"])
@pytest.mark.parametrize("variant", ["valid", "revoked"])
def test_a_baked_clr_is_verified_with_its_children(
    issuer: TestIssuer, image: str, variant: str
) -> None:
    bake = issuer.baked_png if image == "png" else issuer.baked_svg

    report = verify_bytes(bake(issuer.clr(variant), kind="clr"), options=issuer.options())

    assert report.format == "clr2"
    assert len(report.children) == 2
    assert report.verdict is EXPECTED[variant]


@pytest.mark.parametrize("image", ["png", "svg"])
@pytest.mark.parametrize("variant", ["valid", "revoked", "expired"])
def test_a_baked_ob2_image_is_verified_hosted_or_signed(
    issuer: TestIssuer, image: str, variant: str
) -> None:
    bake = issuer.baked_png if image == "png" else issuer.baked_svg

    hosted = verify_bytes(bake(issuer.ob2_hosted(variant), kind="ob2"), options=issuer.options())
    signed = verify_bytes(bake(issuer.ob2_signed(variant), kind="ob2"), options=issuer.options())

    assert (hosted.format, signed.format) == ("ob2-hosted", "ob2-signed")
    assert hosted.verdict is signed.verdict is EXPECTED[variant]


@pytest.mark.parametrize(
    ("variant", "verdict"),
    [
        ("valid", Verdict.VERIFIED),
        ("tampered", Verdict.INVALID_SIGNATURE),
        ("wrong_key", Verdict.INVALID_SIGNATURE),
        # A presentation has no status of its own: a revoked or expired credential inside is
        # reported on that credential, and warned about on the presentation.
        ("revoked", Verdict.VERIFIED_WITH_WARNINGS),
        ("expired", Verdict.VERIFIED_WITH_WARNINGS),
    ],
)
def test_a_presentation_gets_the_verdict_its_variant_deserves(
    issuer: TestIssuer, variant: str, verdict: Verdict
) -> None:
    presentation = issuer.presentation([issuer.ob3(), issuer.ob3_jwt()], variant=variant)
    options = issuer.options(challenge="challenge-1", domain="https://verifier.example")

    report = verify_bytes(_as_bytes(presentation), options=options)

    assert report.format == "vp"
    assert report.verdict is verdict
    if variant in ("revoked", "expired"):
        assert report.children[-1].verdict is EXPECTED[variant]
