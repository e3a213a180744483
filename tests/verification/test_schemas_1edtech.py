"""1EdTech's OB 3.0 / CLR 2.0 JSON Schemas, vendored in wallet/verification/schemas/1edtech/:
pinned by SHA-256, answering to the purl.imsglobal.org `$id` each names, used for a
credential's `credentialSchema` without fetching, and violations reported as `malformed` with
the JSON path and the rule broken."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from tests.support.issuer import TestIssuer
from wallet.verification import schemas, verify_document
from wallet.verification.fetch import MapFetcher
from wallet.verification.limits import Limits
from wallet.verification.report import Status, Verdict

PACKAGE = Path(schemas.__file__).parent
FOLDER = PACKAGE / "1edtech"
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "1edtech-ob"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/"
OB_ACHIEVEMENT = OB + "ob_v3p0_achievementcredential_schema.json"
OB_ENDORSEMENT = OB + "ob_v3p0_endorsementcredential_schema.json"
CLR_CREDENTIAL = CLR + "clr_v2p0_clrcredential_schema.json"
EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


def entries() -> list[dict[str, str]]:
    manifest = json.loads((PACKAGE / "manifest.json").read_text("utf-8"))
    return [entry for entry in manifest if entry["file"].startswith("1edtech/")]


def vendor_script() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "vendor_schemas.py"
    spec = importlib.util.spec_from_file_location("vendor_schemas", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def with_schema(credential: dict[str, Any], url: str) -> dict[str, Any]:
    return {
        **credential,
        "credentialSchema": [{"id": url, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def signed_with_schema(issuer: TestIssuer, body: dict[str, Any]) -> dict[str, Any]:
    """`body` naming the official schema, signed; its contexts define the schema's type
    (1EdTech's extensions context does, as the specification asks)."""
    body = with_schema(body, OB_ACHIEVEMENT)
    body["@context"] = [*body["@context"], EXTENSIONS_CONTEXT]
    return issuer._di_sign(body, issuer.ed)


def check(credential: dict[str, Any], fetcher: MapFetcher | None = None) -> list[Any]:
    return schemas.check_credential_schemas(
        credential, fetcher=fetcher or MapFetcher(), cache={}, limits=Limits()
    )


# --- the vendored files ----------------------------------------------------------------------


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e["file"])
def test_each_1edtech_schema_is_pinned_and_answers_to_its_purl_id(entry: dict[str, str]) -> None:
    raw = (PACKAGE / entry["file"]).read_bytes()
    document = json.loads(raw)

    assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
    assert document["$id"] == entry["url"]
    assert entry["url"].startswith("https://purl.imsglobal.org/spec/")
    assert entry["source"]
    Draft201909Validator.check_schema(document)


def test_every_1edtech_file_is_in_the_manifest_and_the_credential_schemas_are_there() -> None:
    listed = {entry["file"] for entry in entries()}
    present = {f"1edtech/{p.name}" for p in FOLDER.glob("*.json")}

    assert present == listed
    urls = {entry["url"] for entry in entries()}
    assert {OB_ACHIEVEMENT, OB_ENDORSEMENT, CLR_CREDENTIAL} <= urls
    assert {OB_ACHIEVEMENT, OB_ENDORSEMENT, CLR_CREDENTIAL} <= schemas.KNOWN_SCHEMA_URLS


def test_the_derived_files_say_so_and_the_copied_ones_name_their_source() -> None:
    sources = {entry["url"]: entry["source"] for entry in entries()}

    assert sources[OB_ACHIEVEMENT].startswith("DERIVED")
    assert sources[OB_ENDORSEMENT].startswith("DERIVED")
    assert "conform-ed/conform-ed" in sources[CLR_CREDENTIAL]


def test_the_extraction_reproduces_1edtechs_published_clr_files() -> None:
    """The mechanical extraction that derives the OB 3.0 files, applied to the CLR response
    schema, gives 1EdTech's published ClrCredential schema byte for byte (and its
    EndorsementCredential one, given the published order of its definitions)."""
    script = vendor_script()
    response = (FOLDER / "clr_v2p0_getclrcredentialsresponse_schema.json").read_text("utf-8")
    published = (FOLDER / "clr_v2p0_clrcredential_schema.json").read_text("utf-8")
    assert script.derive(response, "ClrCredential", CLR_CREDENTIAL) == published

    endorsement = (FOLDER / "clr_v2p0_endorsementcredential_schema.json").read_text("utf-8")
    order = list(json.loads(endorsement)["$defs"])
    url = CLR + "clr_v2p0_endorsementcredential_schema.json"
    assert script.derive(response, "EndorsementCredential", url, order) == endorsement


def test_the_ob_response_definition_is_1edtechs_published_achievement_credential_schema():
    """1EdTech publishes AchievementCredential under CLR 2.0 too: it is the OB 3.0 response
    schema's definition, but for the order of the definitions and of Context's two branches
    (as CLR writes it). That is what the derived OB 3.0 file is made of."""
    script = vendor_script()
    ob = json.loads((FOLDER / "ob_v3p0_getopenbadgecredentialsresponse_schema.json").read_text())
    clr = json.loads((FOLDER / "clr_v2p0_getclrcredentialsresponse_schema.json").read_text())
    published = (FOLDER / "clr_v2p0_achievementcredential_schema.json").read_text("utf-8")
    ob["$defs"]["Context"] = clr["$defs"]["Context"]
    order = list(json.loads(published)["$defs"])
    url = CLR + "clr_v2p0_achievementcredential_schema.json"

    assert script.derive(json.dumps(ob), "AchievementCredential", url, order) == published


@pytest.mark.parametrize("name", ["AchievementCredential", "EndorsementCredential"])
def test_the_derived_ob_files_are_what_the_script_derives(name: str) -> None:
    script = vendor_script()
    file = f"ob_v3p0_{name.lower()}_schema.json"
    response = (FOLDER / "ob_v3p0_getopenbadgecredentialsresponse_schema.json").read_text("utf-8")

    assert script.derive(response, name, OB + file) == (FOLDER / file).read_text("utf-8")


# --- credentials checked against them ------------------------------------------------------


def test_an_ob3_credential_that_follows_the_official_schema_passes_without_fetching(issuer):
    fetcher = MapFetcher()
    [found] = check(with_schema(issuer.ob3(), OB_ACHIEVEMENT), fetcher)

    assert (found.code, found.status) == ("schema.valid", Status.PASS)
    assert fetcher.requests == []


def test_1edtechs_own_ob3_and_clr2_examples_pass():
    ob3 = json.loads((VECTORS / "obv3p0-unsigned-credential.json").read_text("utf-8"))
    clr = json.loads((VECTORS / "clrv2p0-signed-credential.json").read_text("utf-8"))
    assert clr["credentialSchema"][0]["id"] == CLR_CREDENTIAL
    fetcher = MapFetcher()

    assert [c.code for c in check(with_schema(ob3, OB_ACHIEVEMENT), fetcher)] == ["schema.valid"]
    assert [c.code for c in check(clr, fetcher)] == ["schema.valid"]
    assert fetcher.requests == []


def test_a_clr_credential_that_follows_the_official_schema_passes(issuer):
    [found] = check(with_schema(issuer.clr(), CLR_CREDENTIAL))

    assert found.code == "schema.valid"


def test_an_achievement_without_its_name_is_malformed_with_the_path_and_the_rule(issuer):
    credential = with_schema(issuer.ob3(), OB_ACHIEVEMENT)
    del credential["credentialSubject"]["achievement"]["name"]

    [found] = check(credential)

    assert found.code == "schema.violation"
    assert found.implies is Verdict.MALFORMED
    assert "at credential.credentialSubject.achievement: 'name' is a required property" in (
        found.message
    )
    assert "(rule 'required')" in found.message


def test_a_value_of_the_wrong_type_is_malformed_at_its_own_path(issuer):
    credential = with_schema(issuer.ob3(), OB_ACHIEVEMENT)
    credential["credentialSubject"]["creditsEarned"] = "three"

    [found] = check(credential)

    assert found.implies is Verdict.MALFORMED
    assert "at credential.credentialSubject.creditsEarned: 'three' is not of type 'number'" in (
        found.message
    )
    assert "(rule 'type')" in found.message


def test_a_vc_1_context_breaks_the_official_schema_at_its_first_entry(issuer):
    """Inside an alternative (oneOf), the deepest failure is the one named."""
    credential = with_schema(issuer.ob3(suite="Ed25519Signature2020"), OB_ACHIEVEMENT)

    [found] = check(credential)

    assert "at credential.@context[0]: 'https://www.w3.org/2018/credentials/v1' is not one" in (
        found.message
    )
    assert "(rule 'enum')" in found.message
    assert "'validFrom' is a required property (rule 'required')" in found.message


def test_a_clr_whose_achievement_breaks_its_schema_names_that_path(issuer):
    inner = issuer.ob3()
    clr = with_schema(issuer.clr(inner=[inner]), CLR_CREDENTIAL)
    del clr["credentialSubject"]["achievement"][0]["criteria"]

    [found] = check(clr)

    assert found.implies is Verdict.MALFORMED
    assert "at credential.credentialSubject.achievement[0]: 'criteria' is a required" in (
        found.message
    )


def test_the_pipeline_finds_a_signed_credential_malformed_and_fetches_no_schema():
    issuer = TestIssuer()
    body = issuer.achievement_credential(issuer.ed.did)
    del body["credentialSubject"]["achievement"]["name"]
    signed = signed_with_schema(issuer, body)

    report = verify_document(signed, options=issuer.options(schema_cache={}))

    assert report.verdict is Verdict.MALFORMED
    [violation] = [c for c in report.checks if c.code == "schema.violation"]
    assert "credential.credentialSubject.achievement" in violation.message
    assert OB_ACHIEVEMENT not in issuer.fetcher.requests


def test_the_pipeline_verifies_a_signed_credential_that_follows_it():
    issuer = TestIssuer()
    signed = signed_with_schema(issuer, issuer.achievement_credential(issuer.ed.did))

    report = verify_document(signed, options=issuer.options())

    assert report.verdict is Verdict.VERIFIED
    assert "schema.valid" in [c.code for c in report.checks]
    assert OB_ACHIEVEMENT not in issuer.fetcher.requests


def test_an_unknown_schema_still_goes_through_the_callers_fetcher(issuer):
    url = "https://issuer.example/schemas/extra.json"
    fetcher = MapFetcher({url: json.dumps({"type": "object", "required": ["extra"]})})
    credential = issuer.ob3()
    credential["credentialSchema"] = [
        {"id": OB_ACHIEVEMENT, "type": "1EdTechJsonSchemaValidator2019"},
        {"id": url, "type": "1EdTechJsonSchemaValidator2019"},
    ]
    cache: dict[str, str] = {}

    found = schemas.check_credential_schemas(
        credential, fetcher=fetcher, cache=cache, limits=Limits()
    )

    assert [c.code for c in found] == ["schema.valid", "schema.violation"]
    assert fetcher.requests == [url]
    assert list(cache) == [url]


def test_options_without_a_cache_still_check_the_vendored_schemas(issuer):
    credential = with_schema(issuer.ob3(), OB_ACHIEVEMENT)
    del credential["credentialSubject"]["achievement"]["name"]

    found = schemas.check_credential_schemas(credential, fetcher=None, cache=None, limits=Limits())

    assert [c.code for c in found] == ["schema.violation"]
