"""The OpenID4VCI 1.0 steps read the specification's own examples (openid/OpenID4VCI
`1.0/examples/`: credential_offer_by_reference.json, credential_offer_multiple_credentials.json,
credential_metadata_ldp_vc.json, credential_response_ldp_vc.txt, the SD-JWT VC configuration of
credential_issuer_metadata_sd_jwt_long.json and credential_response_sd_jwt_vc.txt), and the
metadata location
of section 12.2.2 with and without a path."""

from __future__ import annotations

import pytest

from config.protocol_client import Answer
from intake.protocols import openid4vci
from intake.protocols.openid4vci import IssuanceError

# 1.0/examples/credential_offer_by_reference.json
OFFER_BY_REFERENCE = {
    "credential_issuer": "https://credential-issuer.example.com",
    "credential_configuration_ids": ["UniversityDegree_LDP_VC"],
    "grants": {
        "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
            "pre-authorized_code": "adhjhdjajkdkhjhdj",
            "tx_code": {},
        }
    },
}

# 1.0/examples/credential_offer_multiple_credentials.json
OFFER_MULTIPLE = {
    "credential_issuer": "https://credential-issuer.example.com",
    "credential_configuration_ids": ["UniversityDegreeCredential", "org.iso.18013.5.1.mDL"],
    "grants": {
        "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
            "pre-authorized_code": "oaKazRN8I0IbtZ0C7JuMn5",
            "tx_code": {
                "length": 4,
                "input_mode": "numeric",
                "description": "Please provide the one-time code that was sent via e-mail",
            },
        }
    },
    "issuer_redirect_uri": "https://credential-issuer.example.com/redirect",
}

# 1.0/examples/credential_metadata_ldp_vc.json (the configuration, its claims left out)
LDP_VC_CONFIGURATION = {
    "format": "ldp_vc",
    "cryptographic_binding_methods_supported": ["did:example"],
    "credential_signing_alg_values_supported": ["Ed25519Signature2018"],
    "credential_definition": {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential", "UniversityDegreeCredential"],
    },
    "credential_metadata": {
        "display": [
            {
                "name": "University Credential",
                "locale": "en-US",
                "logo": {
                    "uri": "https://university.example.edu/public/logo.png",
                    "alt_text": "a square logo of a university",
                },
                "background_color": "#12107c",
                "text_color": "#FFFFFF",
            }
        ]
    },
}

# 1.0/examples/credential_response_ldp_vc.txt (the body)
RESPONSE_LDP_VC = {
    "credentials": [
        {
            "credential": {
                "@context": [
                    "https://www.w3.org/2018/credentials/v1",
                    "https://www.w3.org/2018/credentials/examples/v1",
                ],
                "id": "http://example.edu/credentials/3732",
                "type": ["VerifiableCredential", "UniversityDegreeCredential"],
                "issuer": "https://example.edu/issuers/565049",
                "issuanceDate": "2010-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
                    "degree": {"type": "BachelorDegree", "name": "Bachelor of Science and Arts"},
                },
            }
        }
    ]
}


def test_an_offer_by_reference_with_an_empty_tx_code_asks_for_a_numeric_code():
    offer = openid4vci.read_credential_offer(OFFER_BY_REFERENCE)
    assert offer.credential_issuer == "https://credential-issuer.example.com"
    assert offer.configuration_ids == ["UniversityDegree_LDP_VC"]
    assert offer.pre_authorized_code == "adhjhdjajkdkhjhdj"
    assert offer.tx_code == openid4vci.TxCode(input_mode="numeric", length=None, description="")
    assert not offer.authorization_code


def test_an_offer_of_several_credentials_with_a_described_tx_code():
    offer = openid4vci.read_credential_offer(OFFER_MULTIPLE)
    assert offer.configuration_ids == ["UniversityDegreeCredential", "org.iso.18013.5.1.mDL"]
    assert offer.tx_code is not None and offer.tx_code.length == 4
    assert offer.tx_code.description.startswith("Please provide")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"credential_issuer": "ftp://x.example"}, "not a web address"),
        ({"credential_issuer": "https://x.example/?a=b"}, "query"),
        ({"credential_configuration_ids": []}, "which credentials"),
        ({"credential_configuration_ids": "one"}, "which credentials"),
        ({"grants": {"urn:example:unknown": {}}}, "no grant"),
        ({"grants": []}, "not readable"),
    ],
)
def test_an_offer_that_does_not_read_is_refused_with_a_sentence(change, message):
    with pytest.raises(IssuanceError, match=message):
        openid4vci.read_credential_offer({**OFFER_BY_REFERENCE, **change})


def test_an_offer_without_grants_means_the_authorization_code_flow():
    offer = openid4vci.read_credential_offer({**OFFER_BY_REFERENCE, "grants": {}})
    assert offer.authorization_code and not offer.pre_authorized


def test_the_ldp_vc_configuration_of_the_example_reads_with_its_display():
    configuration = openid4vci._configuration("UniversityDegree_LDP_VC", LDP_VC_CONFIGURATION)
    assert configuration.supported and configuration.format == "ldp_vc"
    assert configuration.name == "University Credential"
    assert configuration.logo == "https://university.example.edu/public/logo.png"
    assert configuration.types == ["VerifiableCredential", "UniversityDegreeCredential"]
    assert openid4vci.proof_type_for(configuration) == openid4vci.JWT


def test_the_example_credential_response_carries_its_credential():
    issued = openid4vci._read_issued(Answer(url="https://x", status=200, data=RESPONSE_LDP_VC))
    assert issued.credentials[0]["id"] == "http://example.edu/credentials/3732"
    assert not issued.transaction_id


def test_a_deferred_response_carries_its_transaction_id():
    answer = Answer(
        url="https://x", status=202, data={"transaction_id": "8xLOxBtZp8", "interval": 3600}
    )
    issued = openid4vci._read_issued(answer)
    assert issued.transaction_id == "8xLOxBtZp8" and issued.interval == 3600


@pytest.mark.parametrize(
    "error, kind",
    [
        ("invalid_proof", "proof_refused"),
        ("invalid_nonce", "proof_refused"),
        ("unknown_credential_configuration", "unsupported"),
        ("credential_request_denied", "denied"),
    ],
)
def test_credential_errors_read_as_sentences(error, kind):
    with pytest.raises(IssuanceError) as raised:
        openid4vci._read_issued(Answer(url="https://x", status=400, data={"error": error}))
    assert raised.value.kind == kind


def test_a_stale_nonce_is_its_own_error():
    with pytest.raises(openid4vci.StaleNonce):
        openid4vci._read_issued(
            Answer(url="https://x", status=400, data={"error": "invalid_nonce"})
        )


@pytest.mark.parametrize(
    "issuer, expected",
    [
        ("https://issuer.example", "https://issuer.example/.well-known/openid-credential-issuer"),
        ("https://issuer.example/", "https://issuer.example/.well-known/openid-credential-issuer"),
        (
            "https://issuer.example/tenant/1",
            "https://issuer.example/.well-known/openid-credential-issuer/tenant/1",
        ),
    ],
)
def test_the_metadata_location_puts_the_well_known_segment_before_the_path(issuer, expected):
    assert openid4vci.well_known_url(issuer, "openid-credential-issuer") == expected


def test_pkce_uses_s256_of_a_verifier_of_at_least_43_characters():
    import base64
    import hashlib

    pkce = openid4vci.new_pkce()
    assert 43 <= len(pkce.verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(pkce.verifier.encode()).digest()).rstrip(b"=")
    assert pkce.challenge == digest.decode()


def test_the_proof_jwt_claims_carry_no_iss_for_anonymous_access():
    payload = openid4vci.proof_jwt_payload(
        credential_issuer="https://i.example", nonce="n", issued_at=5
    )
    assert payload == {"aud": "https://i.example", "iat": 5, "nonce": "n"}


# 1.0/examples/credential_issuer_metadata_sd_jwt_long.json (the configuration, its claims left
# out)
SD_JWT_CONFIGURATION = {
    "format": "dc+sd-jwt",
    "scope": "SD_JWT_VC_example_in_OpenID4VCI",
    "credential_signing_alg_values_supported": ["ES256"],
    "cryptographic_binding_methods_supported": ["jwk"],
    "proof_types_supported": {
        "jwt": {
            "proof_signing_alg_values_supported": ["ES256"],
            "key_attestations_required": {
                "key_storage": ["iso_18045_moderate"],
                "user_authentication": ["iso_18045_moderate"],
            },
        }
    },
    "vct": "SD_JWT_VC_example_in_OpenID4VCI",
    "credential_metadata": {
        "display": [
            {
                "name": "IdentityCredential",
                "locale": "en-US",
                "logo": {
                    "uri": "https://university.example.edu/public/logo_credential.png",
                    "alt_text": "a square logo of a university credential",
                },
                "description": "A credential that signals the membership of a university",
                "background_color": "#12107c",
                "text_color": "#FFFFFF",
            }
        ]
    },
}

# 1.0/examples/credential_response_sd_jwt_vc.txt (the body; the SD-JWT unfolded)
SD_JWT_CREDENTIAL = (
    "eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImRjK3NkLWp3d"
    "CIsICJraWQiOiAiZG9jLXNpZ25lci0wNS0yNS0yMDIyIn0.eyJfc2QiOiBbI"
    "jA5dktySk1PbHlUV00wc2pwdV9wZE9CVkJRMk0xeTNLaHBINTE1blhrcFkiL"
    "CAiMnJzakdiYUMwa3k4bVQwcEpyUGlvV1RxMF9kYXcxc1g3NnBvVWxnQ3diS"
    "SIsICJFa084ZGhXMGRIRUpidlVIbEVfVkNldUM5dVJFTE9pZUxaaGg3WGJVV"
    "HRBIiwgIklsRHpJS2VpWmREd3BxcEs2WmZieXBoRnZ6NUZnbldhLXNONndxU"
    "VhDaXciLCAiSnpZakg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWhabzdGN"
    "0VQWWxTRSIsICJQb3JGYnBLdVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQ"
    "TJCQTRvN2NJIiwgIlRHZjRvTGJnd2Q1SlFhSHlLVlFaVTlVZEdFMHc1cnREc"
    "3JaemZVYW9tTG8iLCAiamRyVEU4WWNiWTRFaWZ1Z2loaUFlX0JQZWt4SlFaS"
    "UNlaVVRd1k5UXF4SSIsICJqc3U5eVZ1bHdRUWxoRmxNXzNKbHpNYVNGemdsa"
    "FFHMERwZmF5UXdMVUs0Il0sICJpc3MiOiAiaHR0cHM6Ly9leGFtcGxlLmNvb"
    "S9pc3N1ZXIiLCAiaWF0IjogMTY4MzAwMDAwMCwgImV4cCI6IDE4ODMwMDAwM"
    "DAsICJ2Y3QiOiAiaHR0cHM6Ly9jcmVkZW50aWFscy5leGFtcGxlLmNvbS9pZ"
    "GVudGl0eV9jcmVkZW50aWFsIiwgIl9zZF9hbGciOiAic2hhLTI1NiIsICJjb"
    "mYiOiB7Imp3ayI6IHsia3R5IjogIkVDIiwgImNydiI6ICJQLTI1NiIsICJ4I"
    "jogIlRDQUVSMTladnUzT0hGNGo0VzR2ZlNWb0hJUDFJTGlsRGxzN3ZDZUdlb"
    "WMiLCAieSI6ICJaeGppV1diWk1RR0hWV0tWUTRoYlNJaXJzVmZ1ZWNDRTZ0N"
    "GpUOUYySFpRIn19fQ.dVjA0sh4xGD32uPqc9h4WHiEL3A08kiKNE08IIrtn3"
    "PJvljLU7n19LBTtuzPFZoc_GoPuS97SIDbz96K8pkZew~WyIyR0xDNDJzS1F"
    "2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd~WyJlbHVWNU"
    "9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd~WyI2S"
    "Wo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhb"
    "XBsZS5jb20iXQ~WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX2"
    "51bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ~WyJRZ19PNjR6cUF4ZTQxMmE"
    "xMDhpcm9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyB"
    "NYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkF"
    "ueXN0YXRlIiwgImNvdW50cnkiOiAiVVMifV0~WyJBSngtMDk1VlBycFR0TjR"
    "RTU9xUk9BIiwgImJpcnRoZGF0ZSIsICIxOTQwLTAxLTAxIl0~WyJQYzMzSk0"
    "yTGNoY1VfbEhnZ3ZfdWZRIiwgImlzX292ZXJfMTgiLCB0cnVlXQ~WyJHMDJO"
    "U3JRZmpGWFE3SW8wOXN5YWpBIiwgImlzX292ZXJfMjEiLCB0cnVlXQ~WyJsa"
    "2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgImlzX292ZXJfNjUiLCB0cnVlXQ~"
)
RESPONSE_SD_JWT_VC = {"credentials": [{"credential": SD_JWT_CREDENTIAL}]}


def test_the_sd_jwt_configuration_of_the_example_reads_with_its_vct_and_jwk_binding():
    configuration = openid4vci._configuration(
        "SD_JWT_VC_example_in_OpenID4VCI", SD_JWT_CONFIGURATION
    )
    assert configuration.supported and configuration.is_sd_jwt
    assert configuration.vct == "SD_JWT_VC_example_in_OpenID4VCI"
    assert configuration.name == "IdentityCredential"
    assert configuration.binding_methods == ["jwk"] and configuration.binds_to_jwk


def test_the_example_asks_for_es256_proofs_which_the_p256_holder_key_makes():
    configuration = openid4vci._configuration(
        "SD_JWT_VC_example_in_OpenID4VCI", SD_JWT_CONFIGURATION
    )
    assert openid4vci.provable(configuration)
    assert openid4vci.proof_kind(configuration) == ("jwt", "ES256")


def test_eddsa_is_preferred_when_the_issuer_takes_both():
    entry = {
        **SD_JWT_CONFIGURATION,
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": ["ES256", "EdDSA"]}
        },
    }
    assert openid4vci.proof_kind(openid4vci._configuration("x", entry)) == ("jwt", "EdDSA")


def test_a_w3c_credential_is_not_bound_to_the_p256_key():
    # Its subject would be the P-256 DID, not the DID the learner's presentations are signed
    # with: an ES256-only issuer of W3C credentials is still refused.
    entry = {
        **LDP_VC_CONFIGURATION,
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
    }
    configuration = openid4vci._configuration("x", entry)
    assert not openid4vci.provable(configuration)
    with pytest.raises(IssuanceError) as raised:
        openid4vci.proof_type_for(configuration)
    assert raised.value.kind == "unsupported"


@pytest.mark.parametrize(
    "methods, did_method",
    [(["did:jwk"], "did:jwk"), (["did:key", "did:jwk"], "did:key"), (["did:key"], "did:key")],
)
def test_an_sd_jwt_vc_issuer_binding_to_did_jwk_alone_gets_a_did_jwk(methods, did_method):
    entry = {**SD_JWT_CONFIGURATION, "cryptographic_binding_methods_supported": methods}
    assert openid4vci._configuration("x", entry).binding_did_method == did_method


@pytest.mark.parametrize(
    "methods, by_jwk",
    [([], True), (["jwk"], True), (["did:key"], False), (["jwk", "did:key"], False)],
)
def test_an_sd_jwt_vc_is_bound_by_jwk_unless_the_issuer_binds_to_dids(methods, by_jwk):
    entry = {**SD_JWT_CONFIGURATION, "cryptographic_binding_methods_supported": methods}
    assert openid4vci._configuration("x", entry).binds_to_jwk is by_jwk


def test_a_w3c_configuration_names_the_key_by_its_did_url_as_before():
    configuration = openid4vci._configuration("UniversityDegree_LDP_VC", LDP_VC_CONFIGURATION)
    assert not configuration.binds_to_jwk


def test_the_example_sd_jwt_credential_response_carries_the_sd_jwt_string():
    issued = openid4vci._read_issued(Answer(url="https://x", status=200, data=RESPONSE_SD_JWT_VC))
    (credential,) = issued.credentials
    assert credential == SD_JWT_CREDENTIAL
    assert credential.count("~") == 10 and credential.endswith("~")


def test_an_invalid_proof_of_the_drafts_names_the_nonce_to_retry_with():
    data = {"error": "invalid_proof", "c_nonce": "8YE9hCnyV2", "c_nonce_expires_in": 86400}
    with pytest.raises(openid4vci.StaleNonce) as raised:
        openid4vci._read_issued(Answer(url="https://x", status=400, data=data))
    assert raised.value.c_nonce == "8YE9hCnyV2" and raised.value.kind == "proof_refused"
