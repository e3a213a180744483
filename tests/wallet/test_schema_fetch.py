"""A credential's schemas the verifier keeps no copy of (`credentialSchema`) are fetched
through the app's fetcher the first time, kept in the shared cache, and checked as the
1EdTech validator checks them: a violation is malformed, naming the path and the rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from intake.services import arrival
from tests.support.issuer import NOW, TestIssuer
from wallet import verifier
from wallet.models import Credential, VerificationRun
from wallet.services.reverify import credential_reverify

pytestmark = pytest.mark.django_db

SCHEMA_URL = "https://issuer.example/schemas/badge.json"
# Defines the 1EdTechJsonSchemaValidator2019 type, as real credentials naming schemas use it.
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 3}},
}


def _badge(issuer: TestIssuer, **changes: Any) -> bytes:
    credential = issuer.achievement_credential(issuer.ed.did, status=False)
    credential["@context"].append(EXTENSIONS)
    credential["credentialSchema"] = [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}]
    credential.update(changes)
    return json.dumps(issuer._di_sign(credential, issuer.ed)).encode()


def _checks(credential: Credential) -> dict[str, str]:
    run = VerificationRun.objects.filter(credential=credential).latest("checked_at", "pk")
    return {c["code"]: c["message"] for c in run.report["checks"]}


def _import(owner, data: bytes) -> Credential:
    outcome = arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)
    assert outcome.credential is not None
    return outcome.credential


def test_a_schema_the_wallet_does_not_keep_is_fetched_once_and_checked(owner, issuer):
    issuer.fetcher.add(SCHEMA_URL, json.dumps(SCHEMA))

    credential = _import(owner, _badge(issuer))
    credential_reverify(credential=credential, now=NOW)

    assert "schema.valid" in _checks(credential)
    assert credential.verdict == "verified", _checks(credential)
    assert issuer.fetcher.requests.count(SCHEMA_URL) == 1
    assert verifier.SchemaCache()[SCHEMA_URL] == json.dumps(SCHEMA)


def test_a_credential_breaking_its_fetched_schema_is_malformed_with_the_path_and_rule(
    owner, issuer
):
    issuer.fetcher.add(SCHEMA_URL, json.dumps(SCHEMA))

    credential = _import(owner, _badge(issuer, name="X"))

    message = _checks(credential)["schema.violation"]
    assert credential.verdict == "malformed"
    assert "credential.name" in message and "minLength" in message


def test_a_schema_that_cannot_be_fetched_is_a_warning_not_a_failure(owner, issuer):
    credential = _import(owner, _badge(issuer))

    assert "schema.unavailable" in _checks(credential)
    assert credential.verdict == "verified_with_warnings"


def test_the_schema_cache_forgets_nothing_it_was_not_given():
    cache = verifier.SchemaCache()

    with pytest.raises(KeyError):
        cache["https://nowhere.example/schema.json"]
    cache["https://x.example/s.json"] = "{}"
    assert "https://x.example/s.json" in cache
    del cache["https://x.example/s.json"]
    assert "https://x.example/s.json" not in cache
    assert list(cache) == [] and len(cache) == 0
