"""The link inbox says what each kind of link is, from the specifications' own examples."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from intake.protocols import links
from intake.protocols.links import LinkError, classify, classify_query

# OpenID4VCI 1.0, section 4.1.2 and examples/credential_offer_multiple_credentials.json.
OFFER = {
    "credential_issuer": "https://credential-issuer.example.com",
    "credential_configuration_ids": ["UniversityDegreeCredential", "org.iso.18013.5.1.mDL"],
    "grants": {
        "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
            "pre-authorized_code": "oaKazRN8I0IbtZ0C7JuMn5",
            "tx_code": {"length": 4, "input_mode": "numeric"},
        }
    },
}
OFFER_URI = (
    "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM"
)


def test_an_offer_by_value_in_the_custom_scheme() -> None:
    link = classify("openid-credential-offer://?credential_offer=" + quote(json.dumps(OFFER)))
    assert link.kind == links.OFFER
    assert link.target == links.CredentialOffer(offer=OFFER)


def test_an_offer_by_reference_in_the_custom_scheme() -> None:
    link = classify("openid-credential-offer://?credential_offer_uri=" + quote(OFFER_URI, safe=""))
    assert link.target == links.CredentialOffer(offer_uri=OFFER_URI)


def test_an_offer_on_an_https_credential_offer_endpoint() -> None:
    link = classify("https://wallet.example/receive?credential_offer_uri=" + quote(OFFER_URI))
    assert link.kind == links.OFFER and link.target.offer_uri == OFFER_URI


def test_the_query_of_this_wallets_own_receive_page() -> None:
    link = classify_query("credential_offer=" + quote(json.dumps(OFFER)))
    assert link.target == links.CredentialOffer(offer=OFFER)


def test_an_interaction_url_and_the_interaction_scheme() -> None:
    url = "https://app.example/interactions/z8n38Dp7a?iuv=1"
    assert classify(url).target == links.Interaction(url=url)
    assert classify("interaction:" + url).target == links.Interaction(url=url)


def test_the_dcc_legacy_deep_link_and_its_https_form() -> None:
    query = (
        "issuer=issuer.example.com&auth_type=bearer&challenge=27485032"
        "&vc_request_url=https://issuer.example.com/exchange/993cce5e/27485032"
    )
    expected = links.LegacyRequest(
        vc_request_url="https://issuer.example.com/exchange/993cce5e/27485032",
        issuer="issuer.example.com",
        challenge="27485032",
        auth_type="bearer",
    )
    for prefix in (
        "dccrequest://request?",
        "org.dcconsortium://request?",
        "https://lcw.app/request.html?",
    ):
        link = classify(prefix + query)
        assert (link.kind, link.target) == (links.LEGACY, expected)


def test_a_chapi_style_request_names_its_exchange_and_origin() -> None:
    request = {
        "credentialRequestOrigin": "https://university.example",
        "protocols": {"vcapi": "https://saas.example/workflows/1/exchanges/2"},
    }
    link = classify("dccrequest://request?request=" + quote(json.dumps(request)))
    assert link.target == links.Exchange(
        url="https://saas.example/workflows/1/exchanges/2",
        request_origin="https://university.example",
    )


@pytest.mark.parametrize(
    "text",
    [
        "openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fv.example%2Fcb&request_uri=https%3A%2F%2Fv.example%2Fr",
        "https://verifier.example/authorize?client_id=x&request_uri=https%3A%2F%2Fv.example%2Fr",
        "https://verifier.example/authorize?response_type=vp_token&client_id=x&nonce=n",
    ],
)
def test_presentation_requests_are_told_apart_and_kept_whole(text: str) -> None:
    link = classify(text)
    assert link.kind == links.PRESENTATION
    assert link.target.query == text.partition("?")[2]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Paste or scan"),
        ("hello world", "spaces"),
        ("https://issuer.example/badge.json", "Import page"),
        ("mailto:someone@example.org", "not a link Satchel knows"),
        ("openid-credential-offer://?credential_offer=%7Bnot-json", "not valid JSON"),
        ("openid-credential-offer://?credential_offer=%5B%5D", "not a JSON object"),
        ("openid-credential-offer://?x=1", "carries no offer"),
        (
            "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https://a.example/o",
            "one or other",
        ),
        ("openid-credential-offer://?credential_offer_uri=file:///etc/passwd", "not a web address"),
        ("dccrequest://request?issuer=x", "no address"),
        ("dccrequest://request?vc_request_url=gopher://x.example/", "not a web address"),
        ("dccrequest://request?request=%7B%22protocols%22%3A%7B%7D%7D", "no protocol Satchel"),
        ("https://a.example/?credential_offer_uri=x&credential_offer_uri=y", "repeats"),
        ("interaction:ftp://a.example/", "not a web address"),
        ("https://a.example/?q=" + "x" * 9000, "too long"),
    ],
)
def test_what_is_not_a_link_it_can_act_on_is_refused_with_a_sentence(text: str, says: str) -> None:
    with pytest.raises(LinkError, match=says):
        classify(text)
