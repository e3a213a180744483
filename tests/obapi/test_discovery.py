"""getServiceDescription (OB 3.0 section 6.3): unprotected, an OpenAPI 3.0 document naming the
registration URL and the authorization code flow's endpoints and scopes."""

from __future__ import annotations

import pytest
from django.test import Client
from openapi_spec_validator import validate

from obapi.apis import CLR, OB


@pytest.mark.parametrize("spec", [OB, CLR], ids=["ob", "clr"])
def test_it_serves_a_valid_openapi_document_without_a_token(db: None, spec) -> None:
    answer = Client().get(f"{spec.base_path}/discovery")

    assert answer.status_code == 200
    document = answer.json()
    validate(document)
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == "https://satchel.example/oauth/register/"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://satchel.example/oauth/authorize/"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://satchel.example/oauth/token/"
    assert set(spec.scopes) <= set(flow["scopes"])
    assert {"/credentials", "/profile", "/discovery"} <= set(document["paths"])
    info = document["info"]
    assert info["title"] and info["version"]
    assert info["termsOfService"] and info["x-imssf-privacyPolicyUrl"]


def test_the_registration_and_endpoints_it_names_exist(db: None) -> None:
    client = Client()
    document = client.get("/ims/ob/v3p0/discovery").json()
    flow = document["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"]

    for url in (flow["tokenUrl"], document["servers"][0]["url"] + "/credentials"):
        path = url.removeprefix("https://satchel.example")
        assert client.get(path).status_code != 404


def test_it_refuses_other_methods_with_a_status_info(db: None) -> None:
    answer = Client().post("/ims/ob/v3p0/discovery")

    assert answer.status_code == 405
    assert (
        answer.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "not_allowed"
    )
