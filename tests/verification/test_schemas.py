"""JSON Schema checks: credentialSchema (vendored, fetched into the caller's cache, or not
checked), OB 2.0 extensions against their context's obi:validation schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from wallet.verification import schemas
from wallet.verification.fetch import MapFetcher
from wallet.verification.limits import Limits
from wallet.verification.report import Status, Verdict

SCHEMA_URL = "https://schemas.example/badge.json"
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "type": "object",
    "required": ["credentialSubject"],
    "properties": {
        "credentialSubject": {
            "type": "object",
            "required": ["achievement"],
            "properties": {"achievement": {"type": "object", "required": ["name"]}},
        }
    },
}


def credential(achievement: dict, url: str = SCHEMA_URL) -> dict:
    return {
        "credentialSchema": [{"id": url, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialSubject": {"achievement": achievement},
    }


def check(document, fetcher=None, cache=None):
    return schemas.check_credential_schemas(
        document, fetcher=fetcher or MapFetcher(), cache=cache, limits=Limits()
    )


def test_a_credential_that_follows_its_fetched_schema_passes_and_the_schema_is_cached():
    fetcher = MapFetcher({SCHEMA_URL: json.dumps(SCHEMA)})
    cache: dict[str, str] = {}
    checks = check(credential({"name": "Welding"}), fetcher, cache)
    assert [c.code for c in checks] == ["schema.valid"]
    assert SCHEMA_URL in cache
    check(credential({"name": "Again"}), fetcher, cache)
    assert fetcher.requests == [SCHEMA_URL]  # the second verification used the cache


def test_a_violation_is_malformed_and_names_the_path_and_the_rule():
    fetcher = MapFetcher({SCHEMA_URL: json.dumps(SCHEMA)})
    [found] = check(credential({"description": "no name"}), fetcher, {})
    assert found.code == "schema.violation"
    assert found.implies is Verdict.MALFORMED
    assert "credential.credentialSubject.achievement" in found.message
    assert "'name' is a required property" in found.message
    assert "rule 'required'" in found.message


def test_without_a_cache_an_unknown_schema_is_not_fetched_and_not_checked():
    fetcher = MapFetcher({SCHEMA_URL: json.dumps(SCHEMA)})
    [found] = check(credential({}), fetcher, None)
    assert (found.code, found.status) == ("schema.not_checked", Status.SKIPPED)
    assert fetcher.requests == []


def test_an_unreachable_schema_is_a_warning_not_a_failure():
    fetcher = MapFetcher(unreachable={SCHEMA_URL})
    [found] = check(credential({}), fetcher, {})
    assert (found.code, found.status) == ("schema.unavailable", Status.WARNING)


def test_a_schema_that_is_not_a_schema_is_a_warning():
    fetcher = MapFetcher({SCHEMA_URL: '{"type": 12}'})
    [found] = check(credential({}), fetcher, {})
    assert found.code == "schema.unavailable"


def test_each_schema_is_compiled_once():
    text = json.dumps(SCHEMA)
    schemas._compiled.cache_clear()
    for _ in range(3):
        schemas.violations({"credentialSubject": {"achievement": {}}}, text)
    info = schemas._compiled.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_vendored_schemas_are_pinned_by_their_checksum():
    import hashlib
    from pathlib import Path

    folder = Path(schemas.__file__).parent
    entries = json.loads((folder / "manifest.json").read_text())
    assert entries
    for entry in entries:
        assert hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]


EXAMPLE_CONTEXT = "https://w3id.org/openbadges/extensions/exampleExtension/context.json"


def ob2(extension: dict) -> dict:
    return {
        "assertion": {"id": "https://issuer.example/a/1", "extensions:exampleExtension": extension},
        "badge": {},
        "issuer": {},
    }


def extension(**values) -> dict:
    return {
        "@context": EXAMPLE_CONTEXT,
        "type": ["Extension", "extensions:ExampleExtension"],
        **values,
    }


def test_an_ob2_extension_is_checked_against_its_vendored_schema_without_fetching():
    fetcher = MapFetcher()
    checks = schemas.check_ob2_extensions(
        ob2(extension(exampleProperty="I'm a property")),
        fetcher=fetcher,
        cache=None,
        limits=Limits(),
    )
    assert [c.code for c in checks] == ["schema.extension_valid"]
    assert fetcher.requests == []


def test_an_ob2_extension_that_breaks_its_schema_is_malformed():
    [found] = schemas.check_ob2_extensions(
        ob2(extension(exampleProperty=42)), fetcher=MapFetcher(), cache=None, limits=Limits()
    )
    assert found.code == "schema.violation"
    assert "assertion.extensions:exampleExtension.exampleProperty" in found.message
    assert "rule 'type'" in found.message


def test_the_pipeline_reports_an_ob2_extension_and_a_non_http_issuer_id():
    from wallet.verification import VerifyOptions, verify_document

    badge_url, issuer_url = "https://issuer.example/badge", "https://issuer.example/issuer"
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/a/1",
        "recipient": {"type": "email", "hashed": False, "identity": "a@example.com"},
        "badge": badge_url,
        "issuedOn": "2020-01-01T00:00:00Z",
        "verification": {"type": "hosted"},
        "extensions:exampleExtension": extension(exampleProperty=7),
    }
    badge = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": badge_url,
        "name": "B",
        "description": "d",
        "image": "https://issuer.example/i.png",
        "criteria": {"narrative": "n"},
        "issuer": issuer_url,
    }
    issuer = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": "urn:uuid:5f2c9a1e-0000-4000-8000-000000000001",
        "name": "I",
        "url": "https://issuer.example",
        "email": "i@example.com",
    }
    fetcher = MapFetcher(
        {
            assertion["id"]: json.dumps(assertion),
            badge_url: json.dumps(badge),
            issuer_url: json.dumps(issuer),
        }
    )
    report = verify_document(
        assertion, options=VerifyOptions(now=datetime(2025, 1, 1, tzinfo=UTC), fetcher=fetcher)
    )
    codes = [c.code for c in report.checks]
    assert "schema.violation" in codes
    assert "ob2.issuer_id_not_http" in codes
    assert report.verdict is Verdict.MALFORMED
