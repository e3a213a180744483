"""The presentation behind a link: signed per request, bound to a challenge, negotiable."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings

from sharing.models import ShareView
from sharing.services import share_revoke
from tests.support.issuer import NOW
from wallet.verification import verify_bytes
from wallet.verification.proofs import jose

pytestmark = pytest.mark.usefixtures("frozen")


def _verify(issuer, body: bytes, challenge: str):
    options = issuer.options(challenge=challenge, domain=settings.SATCHEL_PUBLIC_ORIGIN)
    return verify_bytes(body, options=options)


def test_the_presentation_is_bound_to_the_links_own_challenge_by_default(client, shared, issuer):
    share, token, _ = shared

    response = client.get(f"/s/{token}/presentation")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vp+ld+json"
    vp = json.loads(response.content)
    assert vp["proof"]["challenge"] == share.challenge
    assert vp["proof"]["domain"] == settings.SATCHEL_PUBLIC_ORIGIN
    report = _verify(issuer, response.content, share.challenge)
    assert report.verdict == "verified", report.to_dict()
    assert len(report.children) == 4


def test_a_verifier_can_ask_for_a_presentation_bound_to_its_own_challenge(client, shared, issuer):
    _, token, _ = shared

    response = client.get(f"/s/{token}/presentation?challenge=employer-nonce-42")

    assert json.loads(response.content)["proof"]["challenge"] == "employer-nonce-42"
    assert _verify(issuer, response.content, "employer-nonce-42").verdict == "verified"
    assert _verify(issuer, response.content, "another-nonce").verdict == "invalid_signature"


def test_an_overlong_challenge_is_refused(client, shared):
    _, token, _ = shared

    response = client.get(f"/s/{token}/presentation?challenge=" + "x" * 257)

    assert response.status_code == 400


def test_the_presentation_carries_the_links_expiry(client, shared):
    share, token, _ = shared

    vp = json.loads(client.get(f"/s/{token}/presentation").content)

    assert vp["proof"]["expires"] == share.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        ("application/vp+ld+json", "application/vp+ld+json"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/ld+json, application/json;q=0.5", "application/ld+json"),
    ],
)
def test_the_link_itself_answers_a_json_presentation_in_the_type_asked_for(
    client, shared, issuer, accept, answered
):
    share, token, _ = shared

    response = client.get(f"/s/{token}", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == answered
    assert _verify(issuer, response.content, share.challenge).verdict == "verified"
    # Logged as the download it was, not as an opening of the page.
    assert [v.kind for v in ShareView.objects.filter(share=share)] == ["presentation"]
    share.refresh_from_db()
    assert share.view_count == 0


def test_a_program_gets_its_errors_as_json(client, shared, owner):
    share, token, _ = shared
    unknown = client.get("/s/no-such-token", HTTP_ACCEPT="application/ld+json")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"
    assert unknown.json()["status"] == 404

    bad = client.get(f"/s/{token}/presentation?challenge=%01", HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("A challenge is at most")

    share_revoke(owner=owner, share_id=share.pk)
    ended = client.get(f"/s/{token}/presentation", HTTP_ACCEPT="application/vp+ld+json")
    assert ended.status_code == 410 and ended["Content-Type"] == "application/problem+json"
    page = client.get(f"/s/{token}", HTTP_ACCEPT="text/html")
    assert page.status_code == 410 and page["Content-Type"].startswith("text/html")


def test_a_browser_gets_the_page_even_though_it_accepts_anything(client, shared):
    _, token, _ = shared

    response = client.get(f"/s/{token}", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


def _jwt_parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload)


def _assert_verified_vp_jwt(issuer, token: str, challenge: str, owner) -> None:
    header, payload = _jwt_parts(token)
    holder = owner.holder_keys.get().did
    assert header["typ"] == "vp+jwt" and header["alg"] == "EdDSA"
    assert header["kid"].startswith(holder + "#")
    assert payload["type"] == ["VerifiablePresentation"]
    assert (payload["iss"], payload["nonce"], payload["aud"]) == (
        holder,
        challenge,
        settings.SATCHEL_PUBLIC_ORIGIN,
    )
    _, checks = jose.verify_jwt_credential(token, options=issuer.options())
    codes = {c.code for c in checks}
    assert {"proof.signature_valid", "key.controller_matches"} <= codes
    assert not [c for c in checks if c.status == "fail"]
    for entry in payload["verifiableCredential"]:
        if entry.get("type") == "EnvelopedVerifiableCredential":
            data = entry["id"].split(",", 1)[1].encode()
        else:
            data = json.dumps(entry).encode()
        assert verify_bytes(data, options=issuer.options()).verdict == "verified"


def test_the_jwt_presentation_verifies_with_the_holder_key(client, shared, issuer, owner):
    _, token, _ = shared

    response = client.get(f"/s/{token}/presentation?format=jwt&challenge=nonce-7")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vp+jwt"
    _assert_verified_vp_jwt(issuer, response.content.decode(), "nonce-7", owner)


def test_a_tampered_jwt_presentation_fails(client, shared, issuer):
    _, token, _ = shared
    jwt = client.get(f"/s/{token}/presentation?format=jwt").content.decode()
    header, _, signature = jwt.split(".")
    claims = _jwt_parts(jwt)[1]
    claims["verifiableCredential"] = claims["verifiableCredential"][:1]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    _, checks = jose.verify_jwt_credential(
        f"{header}.{forged_payload}.{signature}", options=issuer.options()
    )

    assert "proof.signature_invalid" in {c.code for c in checks if c.status == "fail"}


@pytest.mark.parametrize("path", ["", "/presentation"])
def test_asking_for_a_jwt_by_accept_header_works_too(client, shared, issuer, owner, path):
    share, token, _ = shared

    response = client.get(f"/s/{token}{path}", HTTP_ACCEPT="application/vp+jwt")

    assert response["Content-Type"] == "application/vp+jwt"
    _assert_verified_vp_jwt(issuer, response.content.decode(), share.challenge, owner)


def test_fetching_the_presentation_is_logged_but_not_counted_as_a_view(client, shared):
    share, token, _ = shared

    client.get(f"/s/{token}/presentation")

    share.refresh_from_db()
    assert share.view_count == 0
    assert list(share.views.values_list("kind", flat=True)) == ["presentation"]


def test_a_presentation_signed_now_is_dated_now(client, shared):
    _, token, _ = shared

    vp = json.loads(client.get(f"/s/{token}/presentation").content)

    assert vp["proof"]["created"] > NOW.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_whole_jwt_presentation_verifies_with_the_projects_verifier(client, shared, issuer):
    _, token, _ = shared
    jwt = client.get(f"/s/{token}/presentation?format=jwt&challenge=nonce-8").content

    report = _verify(issuer, jwt, "nonce-8")

    assert report.format == "vp"
    assert report.verdict == "verified", report.to_dict()
    assert len(report.children) == 4
    assert all(child.verdict == "verified" for child in report.children)
    assert _verify(issuer, jwt, "someone-elses-nonce").verdict == "invalid_signature"


def test_a_forged_whole_jwt_presentation_is_not_verified(client, shared, issuer):
    _, token, _ = shared
    jwt = client.get(f"/s/{token}/presentation?format=jwt&challenge=nonce-9").content.decode()
    header, _, signature = jwt.split(".")
    claims = _jwt_parts(jwt)[1]
    claims["verifiableCredential"] = claims["verifiableCredential"][:1]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    report = _verify(issuer, f"{header}.{forged}.{signature}".encode(), "nonce-9")

    assert report.verdict == "invalid_signature"
