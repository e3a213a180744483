"""Share links to selectively disclosable credentials: the learner chooses which claims the
link reveals, and the employer's page, the download, the presentation and the image serve
only that disclosed form (an SD-JWT with the chosen Disclosures, or a copy derived from an
ecdsa-sd-2023 base proof), never the original."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.services import holder_p256_key
from sharing.services import share_create
from tests.sharing.conftest import SOON
from tests.support.issuer import EARNER_DID_LABEL, NOW
from tests.support.keys import ed25519_key
from tests.support.sdjwt_issuer import SdJwtIssuer, ecdsa_sd_badge
from wallet.models import Credential
from wallet.verification import VerifyOptions, verify_document
from wallet.verification.keys import jwk_from_key
from wallet.verification.proofs import ecdsa_sd, jose
from wallet.verification.sdjwt import verify_sd_jwt

pytestmark = pytest.mark.usefixtures("frozen")

GRADE = ("credentialSubject", "result", 0, "value")
DESCRIPTION = ("credentialSubject", "achievement", "description")


@pytest.fixture
def sd_badge(add, issuer) -> Credential:
    holder = jwk_from_key(ed25519_key(EARNER_DID_LABEL).public_key())
    return add(SdJwtIssuer(issuer.fetcher).issue(holder_jwk=holder))


@pytest.fixture
def base_badge(add, issuer) -> Credential:
    return add(ecdsa_sd_badge(issuer))


def _share(owner, credential: Credential, paths) -> str:
    _share_link, token = share_create(
        owner=owner,
        audience="Acme",
        credential_ids=[credential.pk],
        disclosures={credential.pk: paths},
        now=NOW,
    )
    return token


def test_an_sd_jwt_link_serves_only_the_chosen_disclosures(client, owner, sd_badge, issuer):
    token = _share(owner, sd_badge, [("given_name",), ("address", "locality")])

    page = client.get(f"/s/{token}").content.decode()
    served = client.get(f"/s/{token}/credentials/{sd_badge.sha256[:20]}").content.decode()

    assert "Lovelace" not in page and "Data Analysis Fundamentals" not in page
    assert served != bytes(sd_badge.original).decode()
    result = verify_sd_jwt(served, options=VerifyOptions(now=SOON, fetcher=issuer.fetcher))
    assert all(c.status != "fail" for c in result.checks)
    assert set(result.claims) >= {"given_name", "address"}
    assert "family_name" not in result.claims and "name" not in result.claims
    assert result.claims["address"] == {"locality": "Utrecht"}


def test_a_base_proof_link_serves_a_derived_copy_that_verifies(client, owner, base_badge, issuer):
    token = _share(owner, base_badge, [DESCRIPTION])

    served = client.get(f"/s/{token}/credentials/{base_badge.sha256[:20]}")
    document = json.loads(served.content)
    page = client.get(f"/s/{token}").content.decode()

    assert ecdsa_sd.proof_kind(document["proof"]["proofValue"]) == "derived"
    assert "result" not in document["credentialSubject"]
    assert verify_document(document, options=issuer.options(now=SOON)).verdict.is_ok
    assert "Awarded for passing the test." in page
    assert "B+" not in page


def test_the_links_presentation_carries_the_derived_copy(client, owner, base_badge):
    token = _share(owner, base_badge, [GRADE])

    vp = json.loads(client.get(f"/s/{token}/presentation").content)

    (sent,) = vp["verifiableCredential"]
    assert ecdsa_sd.proof_kind(sent["proof"]["proofValue"]) == "derived"
    assert sent["credentialSubject"]["result"][0]["value"] == "B+"
    assert "description" not in sent["credentialSubject"]["achievement"]


def test_a_claim_the_credential_does_not_have_is_refused_and_no_link_made(owner, sd_badge):
    with pytest.raises(ValidationError):
        _share(owner, sd_badge, [("no_such_claim",)])


def test_claims_cannot_be_chosen_for_a_credential_that_does_not_allow_it(owner, add, issuer):
    badge = add(issuer.ob3())

    with pytest.raises(ValidationError, match="does not let you choose"):
        _share(owner, badge, [("name",)])


@pytest.mark.parametrize("action", ["share", "pdf", "linkedin"])
def test_the_one_click_links_ask_first_what_to_reveal(client, owner, sd_badge, action):
    client.force_login(owner)

    response = client.post(f"/shares/credentials/{sd_badge.pk}/{action}/")

    assert response.status_code == 302
    assert response["Location"] == f"/shares/new/?credential={sd_badge.pk}"
    assert not sd_badge.share_items.exists()


def test_the_share_form_offers_the_claims_and_makes_the_link_from_the_ticks(
    client, owner, sd_badge
):
    client.force_login(owner)
    form = client.get(f"/shares/new/?credential={sd_badge.pk}").content.decode()
    assert f'name="disclose-{sd_badge.pk}"' in form and "family name: Lovelace" in form

    response = client.post(
        f"/shares/new/?credential={sd_badge.pk}",
        {
            "what": "credentials",
            "credentials": [sd_badge.pk],
            "audience": "Acme",
            "expiry": "30d",
            f"choose-{sd_badge.pk}": "1",
            f"disclose-{sd_badge.pk}": ['["given_name"]'],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    item = sd_badge.share_items.get()
    assert item.disclosed.count("~") == 2  # the issuer's JWT, one Disclosure, no key binding


def test_the_api_makes_a_link_revealing_the_claims_it_names(owner, sd_badge):
    api = APIClient()
    api.force_authenticate(owner)

    response = api.post(
        "/api/shares/",
        {
            "audience": "Acme",
            "credential_ids": [sd_badge.pk],
            "disclosures": [{"credential_id": sd_badge.pk, "claims": [["given_name"]]}],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert sd_badge.share_items.get().disclosed.count("~") == 2


@pytest.mark.parametrize("claims", [[[True]], [[-1]], [[{"a": 1}]], [[]]])
def test_the_api_refuses_a_claim_that_is_not_a_path(owner, sd_badge, claims):
    api = APIClient()
    api.force_authenticate(owner)

    response = api.post(
        "/api/shares/",
        {
            "audience": "Acme",
            "credential_ids": [sd_badge.pk],
            "disclosures": [{"credential_id": sd_badge.pk, "claims": claims}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert not sd_badge.share_items.exists()


def test_an_answer_to_an_employer_request_reveals_only_the_claims_left_ticked(
    client, owner, base_badge
):
    from tests.sharing.test_employer_requests import _create

    token, results_token = _create(client)
    client.force_login(owner)
    page = client.get(f"/request/{token}").content.decode()
    assert f'name="disclose-{base_badge.pk}"' in page  # it matches, so its claims are offered

    answered = client.post(
        f"/request/{token}",
        {
            "action": "answer",
            "credentials": [base_badge.pk],
            "display_name": "Robin",
            "expiry": "7d",
            f"choose-{base_badge.pk}": "1",
            f"disclose-{base_badge.pk}": [json.dumps(list(DESCRIPTION))],
        },
    )

    assert answered.status_code == 302
    client.logout()
    vp = json.loads(
        client.get(
            f"/request/results/{results_token}", HTTP_ACCEPT="application/vp+ld+json"
        ).content
    )
    (sent,) = vp["verifiableCredential"]
    assert ecdsa_sd.proof_kind(sent["proof"]["proofValue"]) == "derived"
    assert "result" not in sent["credentialSubject"]


def _enveloped_sd_jwt(vp: dict) -> str:
    (sent,) = vp["verifiableCredential"]
    assert sent["type"] == "EnvelopedVerifiableCredential"
    assert sent["@context"] == "https://www.w3.org/ns/credentials/v2"
    media, _, token = sent["id"].removeprefix("data:").partition(",")
    assert media == "application/dc+sd-jwt"
    return token


def test_the_links_presentation_envelopes_the_sd_jwt_with_only_the_chosen_disclosures(
    client, owner, sd_badge, issuer
):
    share_token = _share(owner, sd_badge, [("given_name",)])

    response = client.get(f"/s/{share_token}/presentation?challenge=employer-7")

    vp = json.loads(response.content)
    sd_jwt = _enveloped_sd_jwt(vp)
    issuer_jwt, *disclosures, kb_jwt = sd_jwt.split("~")
    assert issuer_jwt == bytes(sd_badge.original).decode().split("~")[0]
    assert len(disclosures) == 1 and kb_jwt  # one Disclosure, then the holder's KB-JWT
    options = issuer.options(
        now=SOON, challenge="employer-7", domain=settings.SATCHEL_PUBLIC_ORIGIN
    )
    report = verify_document(vp, options=options)
    assert report.verdict == "verified", report.to_dict()
    (child,) = report.children
    assert (child.format, child.verdict) == ("sd-jwt-vc", "verified")
    assert child.credential is not None and child.credential["given_name"] == "Ada"
    assert not {"family_name", "name", "address"} & set(child.credential)
    assert "kb.valid" in {c.code for c in child.checks}


def test_the_enveloped_sd_jwt_is_bound_to_the_presentations_own_challenge(
    client, owner, sd_badge, issuer
):
    share_token = _share(owner, sd_badge, [("given_name",)])

    vp = json.loads(client.get(f"/s/{share_token}/presentation?challenge=one").content)

    sd_jwt = _enveloped_sd_jwt(vp)
    domain = settings.SATCHEL_PUBLIC_ORIGIN
    for challenge, fails in (("one", False), ("two", True)):
        options = VerifyOptions(
            now=SOON, fetcher=issuer.fetcher, challenge=challenge, domain=domain
        )
        result = verify_sd_jwt(sd_jwt, options=options)
        assert any(c.status == "fail" for c in result.checks) is fails


def test_the_jwt_presentation_envelopes_the_disclosed_sd_jwt_too(client, owner, sd_badge, issuer):
    share_token = _share(owner, sd_badge, [("address", "locality")])

    token = client.get(f"/s/{share_token}/presentation?format=jwt&challenge=c-9").content.decode()

    payload = jose.decode_compact(token).payload_json()
    sd_jwt = _enveloped_sd_jwt(payload)
    options = VerifyOptions(
        now=SOON, fetcher=issuer.fetcher, challenge="c-9", domain=settings.SATCHEL_PUBLIC_ORIGIN
    )
    result = verify_sd_jwt(sd_jwt, options=options)
    assert all(c.status != "fail" for c in result.checks), [c.code for c in result.checks]
    assert result.claims is not None and result.claims["address"] == {"locality": "Utrecht"}


def test_the_public_verifier_shows_the_links_sd_jwt_verified(client, owner, sd_badge, frozen):
    share_token = _share(owner, sd_badge, [("given_name",)])

    page = client.post("/verify", {"link": f"http://127.0.0.1:8000/s/{share_token}"})

    body = page.content.decode()
    assert page.status_code == 200
    assert "verdict-box--ok" in body
    assert "Lovelace" not in body


def test_a_downloaded_presentation_still_verifies_hours_later(client, owner, sd_badge, issuer):
    share_token = _share(owner, sd_badge, [("given_name",)])
    vp = json.loads(client.get(f"/s/{share_token}/presentation?challenge=c-3").content)

    later = SOON + timedelta(hours=3)
    options = issuer.options(now=later, challenge="c-3", domain=settings.SATCHEL_PUBLIC_ORIGIN)
    report = verify_document(vp, options=options)

    assert report.verdict == "verified", report.to_dict()
    assert report.children[0].verdict == "verified", report.children[0].to_dict()


def test_an_sd_jwt_bound_to_no_key_goes_in_without_key_binding_and_verifies(
    client, owner, add, issuer
):
    unbound = add(SdJwtIssuer(issuer.fetcher).issue(holder_jwk=None))
    share_token = _share(owner, unbound, [("given_name",)])

    vp = json.loads(client.get(f"/s/{share_token}/presentation?challenge=c-4").content)

    assert _enveloped_sd_jwt(vp).endswith("~"), "no KB-JWT: there is no key to bind it to"
    options = issuer.options(now=SOON, challenge="c-4", domain=settings.SATCHEL_PUBLIC_ORIGIN)
    report = verify_document(vp, options=options)
    assert report.verdict == "verified", report.to_dict()
    assert report.children[0].verdict == "verified_with_warnings"
    codes = {c.code for c in report.children[0].checks if c.status == "warning"}
    assert "kb.unbound_in_presentation" in codes


@pytest.mark.parametrize("fmt", ["json", "jwt"])
def test_an_sd_jwt_bound_to_the_p256_key_goes_in_with_an_es256_key_binding_jwt(
    client, owner, add, issuer, fmt
):
    # Received from an issuer that takes only ES256 key proofs, it is bound to the P-256 key.
    p256 = holder_p256_key(user=owner)
    holder = jwk_from_key(p256.private_key.public_key())
    badge = add(SdJwtIssuer(issuer.fetcher).issue(holder_jwk=holder))
    share_token = _share(owner, badge, [("given_name",)])

    served = client.get(f"/s/{share_token}/presentation?format={fmt}&challenge=c-5").content

    if fmt == "jwt":
        vp = jose.decode_compact(served.decode()).payload_json()
    else:
        vp = json.loads(served)
    kb_jwt = _enveloped_sd_jwt(vp).rsplit("~", 1)[1]
    assert jose.decode_compact(kb_jwt).header["alg"] == "ES256"
    options = issuer.options(now=SOON, challenge="c-5", domain=settings.SATCHEL_PUBLIC_ORIGIN)
    if fmt == "json":
        report = verify_document(vp, options=options)
        assert report.verdict == "verified", report.to_dict()
        (child,) = report.children
        assert child.verdict == "verified", child.to_dict()
        assert "kb.valid" in {c.code for c in child.checks}
    else:
        result = verify_sd_jwt(_enveloped_sd_jwt(vp), options=options)
        assert all(c.status != "fail" for c in result.checks), [c.code for c in result.checks]
        assert "kb.valid" in {c.code for c in result.checks}
