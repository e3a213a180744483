"""1EdTech's JSON Schemas for the OB 3.0 and CLR 2.0 APIs (vendored with the verifier's in
wallet/verification/schemas/1edtech/, pinned by SHA-256 in that package's manifest), and a
test middleware that validates every answer of Satchel's host API against them.

Which schema answers for which response (OB 3.0 section 6 and appendix B; CLR 2.0 the same):
- getCredentials (200): GetOpenBadgeCredentialsResponse / GetClrCredentialsResponse;
- upsertCredential (200/201): the credential as sent, an AchievementCredential / ClrCredential
  object, or a compact JWS (text/plain), checked as the response's `compactJwsString` item;
- getProfile / putProfile (200): the Profile class of the same schema;
- every error (4xx/5xx): Imsx_StatusInfo.
The discovery document is an OpenAPI document: tests/obapi/test_discovery.py checks it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from jsonschema import Draft201909Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT201909

SCHEMAS_PACKAGE = Path(__file__).resolve().parents[2] / "wallet" / "verification" / "schemas"
FOLDER = SCHEMAS_PACKAGE / "1edtech"
DRAFT = "https://json-schema.org/draft/2019-09/schema"
SCHEMAS = {
    "ob": {
        "credentials": "ob_v3p0_getopenbadgecredentialsresponse_schema.json",
        "status": "ob_v3p0_imsx_statusinfo_schema.json",
        "credential": "AchievementCredential",
    },
    "clr": {
        "credentials": "clr_v2p0_getclrcredentialsresponse_schema.json",
        "status": "clr_v2p0_imsx_statusinfo_schema.json",
        "credential": "ClrCredential",
    },
}
PREFIXES = {"/ims/ob/v3p0/": "ob", "/ims/clr/v2p0/": "clr"}


def manifest() -> list[dict[str, str]]:
    """The 1EdTech entries of the verifier's schema manifest, `file` relative to FOLDER."""
    entries: list[dict[str, str]] = json.loads(
        (SCHEMAS_PACKAGE / "manifest.json").read_text("utf-8")
    )
    prefix = FOLDER.name + "/"
    return [
        {**entry, "file": entry["file"].removeprefix(prefix)}
        for entry in entries
        if entry["file"].startswith(prefix)
    ]


@cache
def _documents() -> dict[str, Any]:
    """Each vendored schema by file name, after checking it against its pinned digest."""
    documents = {}
    for entry in manifest():
        raw = (FOLDER / entry["file"]).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256"]:
            raise AssertionError(f"{entry['file']} does not match its manifest digest")
        documents[entry["file"]] = json.loads(raw)
    return documents


@cache
def _registry() -> Registry:
    resources = [
        (document["$id"], Resource.from_contents(document, default_specification=DRAFT201909))
        for document in _documents().values()
    ]
    return Registry().with_resources(resources)


def validator(file: str, definition: str = "") -> Draft201909Validator:
    """A validator for a whole vendored schema, or for one of its `$defs`."""
    document = _documents()[file]
    target = document["$id"] + (f"#/$defs/{definition}" if definition else "")
    return Draft201909Validator(
        {"$schema": DRAFT, "$ref": target},
        registry=_registry(),
        format_checker=Draft201909Validator.FORMAT_CHECKER,
    )


def problems(file: str, data: Any, definition: str = "") -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}"
        for error in validator(file, definition).iter_errors(data)
    ]


# --- the middleware ----------------------------------------------------------------------


def kind_of(request: HttpRequest, response: HttpResponse) -> tuple[str, str, str] | None:
    """(api, schema file, $defs name or "") for a host API response, or None for others."""
    api = next((a for p, a in PREFIXES.items() if request.path.startswith(p)), None)
    if api is None or request.path.endswith("/discovery"):
        return None
    names = SCHEMAS[api]
    if response.status_code >= 400:
        return api, names["status"], ""
    if request.path.endswith("/credentials"):
        if request.method == "GET":
            return api, names["credentials"], ""
        return api, names["credentials"], names["credential"]
    if request.path.endswith("/profile"):
        return api, names["credentials"], "Profile"
    return None


class SchemaCheckedApi:
    """Test middleware: a host API response that breaks its 1EdTech schema fails the test.
    `checked` records (method, path, status, schema) of each response it validated."""

    checked: list[tuple[str, str, int, str]] = []

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        kind = kind_of(request, response)
        if kind is None:
            return response
        api, file, definition = kind
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/plain"):
            # A VC-JWT sent back as it came: the response schema's compactJwsString item.
            data: Any = {"compactJwsString": [response.content.decode()]}
            file, definition = SCHEMAS[api]["credentials"], ""
        else:
            data = json.loads(response.content)
        found = problems(file, data, definition)
        if found:
            raise AssertionError(
                f"{request.method} {request.path} ({response.status_code}) breaks "
                f"{file}{'#' + definition if definition else ''}: {found[:3]}"
            )
        self.checked.append(
            (request.method or "", request.path, response.status_code, definition or file)
        )
        return response
