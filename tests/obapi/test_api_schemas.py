"""The host API's answers against 1EdTech's own JSON Schemas for OB 3.0 and CLR 2.0 (vendored
in wallet/verification/schemas/1edtech/, pinned by SHA-256). Every test in tests/obapi runs
with the validating middleware (conftest `_schema_checked`); these tests prove the schemas
are the pinned files, that they catch what they should, and that each kind of answer was in
fact checked."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.test import Client
from jsonschema import Draft201909Validator

from intake.services.arrival import credential_import
from obapi import host
from tests.support import api_schemas
from tests.support.issuer import NOW

from .conftest import bearer

OB_RESPONSE = "ob_v3p0_getopenbadgecredentialsresponse_schema.json"
CLR_RESPONSE = "clr_v2p0_getclrcredentialsresponse_schema.json"
OB_STATUS = "ob_v3p0_imsx_statusinfo_schema.json"


@pytest.mark.parametrize("entry", api_schemas.manifest(), ids=lambda e: e["file"])
def test_each_schema_is_the_pinned_1edtech_file(entry: dict[str, str]) -> None:
    raw = (api_schemas.FOLDER / entry["file"]).read_bytes()
    document = json.loads(raw)

    assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
    assert document["$id"] == entry["url"]
    assert entry["url"].startswith("https://purl.imsglobal.org/spec/")
    Draft201909Validator.check_schema(document)


def test_every_file_in_the_folder_is_in_the_manifest() -> None:
    listed = {entry["file"] for entry in api_schemas.manifest()}
    present = {p.name for p in Path(api_schemas.FOLDER).glob("*.json")}

    assert present == listed


def test_the_schemas_reject_what_the_specification_forbids(issuer) -> None:
    credential = issuer.ob3()
    assert api_schemas.problems(OB_RESPONSE, {"credential": [credential]}) == []

    no_valid_from = {k: v for k, v in credential.items() if k != "validFrom"}
    assert api_schemas.problems(OB_RESPONSE, {"credential": [no_valid_from]})
    assert api_schemas.problems(OB_RESPONSE, {"credentials": [credential]})  # a wrong key
    assert api_schemas.problems(OB_RESPONSE, {"compactJwsString": ["not a jws"]})
    assert api_schemas.problems(OB_RESPONSE, {"id": "urn:x"}, "Profile")  # no type
    assert api_schemas.problems(OB_STATUS, {"imsx_codeMajor": "oops", "imsx_severity": "error"})
    clr = issuer.clr()
    assert api_schemas.problems(CLR_RESPONSE, {"credential": [clr]}) == []
    assert api_schemas.problems(CLR_RESPONSE, {"credential": [credential]})  # not a CLR


def test_a_response_that_breaks_its_schema_fails_the_test(owner, issuer, connect, monkeypatch):
    credential_import(owner=owner, data=json.dumps(issuer.ob3()).encode(), source="upload", now=NOW)
    tokens = connect(owner)
    monkeypatch.setattr(
        host, "credentials_payload", lambda credentials: {"credentials": ["not the shape"]}
    )

    with pytest.raises(AssertionError, match="breaks ob_v3p0_getopenbadgecredentialsresponse"):
        Client().get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"]))


def test_every_kind_of_answer_is_checked(owner, issuer, connect, _schema_checked) -> None:
    for data in (json.dumps(issuer.ob3()).encode(), json.dumps(issuer.clr()).encode()):
        credential_import(owner=owner, data=data, source="upload", now=NOW)
    token = bearer(connect(owner)["access_token"])
    client = Client()

    client.get("/ims/ob/v3p0/credentials", **token)
    client.get("/ims/clr/v2p0/credentials", **token)
    client.post(
        "/ims/ob/v3p0/credentials",
        json.dumps(issuer.ob3()),
        content_type="application/json",
        **token,
    )
    client.post("/ims/ob/v3p0/credentials", issuer.ob3_jwt(), content_type="text/plain", **token)
    client.post(
        "/ims/clr/v2p0/credentials",
        json.dumps(issuer.clr()),
        content_type="application/json",
        **token,
    )
    client.get("/ims/ob/v3p0/profile", **token)
    client.put(
        "/ims/clr/v2p0/profile",
        json.dumps({"type": "Profile", "name": "Ada"}),
        content_type="application/json",
        **token,
    )
    client.get("/ims/ob/v3p0/credentials?limit=0", **token)
    client.get("/ims/clr/v2p0/credentials")

    checked = {(method, path, status, schema) for method, path, status, schema in _schema_checked}
    assert checked == {
        ("GET", "/ims/ob/v3p0/credentials", 200, OB_RESPONSE),
        ("GET", "/ims/clr/v2p0/credentials", 200, CLR_RESPONSE),
        ("POST", "/ims/ob/v3p0/credentials", 201, "AchievementCredential"),
        ("POST", "/ims/ob/v3p0/credentials", 201, OB_RESPONSE),  # the JWS, as compactJwsString
        ("POST", "/ims/clr/v2p0/credentials", 201, "ClrCredential"),
        ("GET", "/ims/ob/v3p0/profile", 200, "Profile"),
        ("PUT", "/ims/clr/v2p0/profile", 200, "Profile"),
        ("GET", "/ims/ob/v3p0/credentials", 400, OB_STATUS),
        ("GET", "/ims/clr/v2p0/credentials", 401, "clr_v2p0_imsx_statusinfo_schema.json"),
    }
