"""The Service Description Document (OB 3.0 section 6.3 getServiceDescription, appendix B.4).

An OpenAPI 3.0 document, served unprotected at `<base>/discovery`, profiled to what Satchel
implements: the credentials and profile endpoints, and in `components.securitySchemes.OAuth2ACG`
the registration URL (`x-imssf-registrationUrl`) and the authorization code flow's
authorization, token and refresh URLs with the API's scopes. `info` carries the resource
server's name, terms of service and privacy policy (B.4.3). The scheme also names the RFC 7009
revocation endpoint in `x-imssf-revocationUrl`: OB 3.0 defines no field for it, and Satchel's
own consumer (obapi.consumer) reads the same extension.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from obapi.apis import OFFLINE_ACCESS, ApiSpec

_SCOPE_WORDS = {
    "credential.readonly": "Permission to read the credentials of the authenticated entity.",
    "credential.upsert": "Permission to create or update credentials of the authenticated entity.",
    "profile.readonly": "Permission to read the profile of the authenticated entity.",
    "profile.update": "Permission to update the profile of the authenticated entity.",
}


def absolute(path: str) -> str:
    return settings.SATCHEL_PUBLIC_ORIGIN + path


def service_description(api: ApiSpec) -> dict[str, Any]:
    scopes = {api.scope(name): words for name, words in _SCOPE_WORDS.items()}
    scopes[OFFLINE_ACCESS] = "Permission to refresh access while the learner is away."
    token_url = absolute(reverse("oauth2_provider:token"))
    return {
        "openapi": "3.0.1",
        "info": {
            "title": "Satchel",
            "description": f"A learner's Satchel wallet as a {api.title} host.",
            "version": "1.0",
            "termsOfService": settings.SATCHEL_TERMS_URL,
            "x-imssf-privacyPolicyUrl": settings.SATCHEL_PRIVACY_URL,
        },
        "servers": [{"url": absolute(api.base_path), "description": "Satchel"}],
        "tags": [{"name": "Credentials"}, {"name": "Profile"}, {"name": "Discovery"}],
        "paths": _paths(api),
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant authorization",
                    "x-imssf-name": "Satchel",
                    "x-imssf-privacyPolicyUrl": settings.SATCHEL_PRIVACY_URL,
                    "x-imssf-registrationUrl": absolute(reverse("obapi:register")),
                    "x-imssf-termsOfServiceUrl": settings.SATCHEL_TERMS_URL,
                    "x-imssf-revocationUrl": absolute(reverse("oauth2_provider:revoke-token")),
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": absolute(reverse("obapi:authorize")),
                            "tokenUrl": token_url,
                            "refreshUrl": token_url,
                            "scopes": scopes,
                        }
                    },
                }
            },
            "schemas": _schemas(),
        },
    }


def _paths(api: ApiSpec) -> dict[str, Any]:
    errors = {
        str(code): {"description": words, "content": _json("Imsx_StatusInfo")}
        for code, words in (
            (400, "Bad request"),
            (401, "No valid access token"),
            (403, "The access token lacks the scope"),
            (404, "Not found"),
            (500, "Server error"),
        )
    }
    paging = [
        _query("limit", "The most credentials on one page.", {"type": "integer", "minimum": 1}),
        _query("offset", "How many to skip.", {"type": "integer", "minimum": 0}),
        _query("since", "Only those changed since.", {"type": "string", "format": "date-time"}),
    ]
    credential_body = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Credential"}},
        "application/vc+ld+json": {"schema": {"$ref": "#/components/schemas/Credential"}},
        "text/plain": {"schema": {"type": "string"}},
    }
    return {
        "/credentials": {
            "get": {
                "operationId": "getCredentials",
                "tags": ["Credentials"],
                "summary": "The credentials in the learner's record.",
                "parameters": paging,
                "security": [{"OAuth2ACG": [api.credential_readonly]}],
                "responses": {
                    "200": {
                        "description": "A page of credentials.",
                        "headers": {
                            "X-Total-Count": {"schema": {"type": "integer"}},
                            "Link": {"schema": {"type": "string"}},
                        },
                        "content": _json("GetCredentialsResponse"),
                    },
                    **errors,
                },
            },
            "post": {
                "operationId": "upsertCredential",
                "tags": ["Credentials"],
                "summary": "Add a credential to the learner's record (verified on arrival).",
                "requestBody": {"required": True, "content": credential_body},
                "security": [{"OAuth2ACG": [api.credential_upsert]}],
                "responses": {
                    "200": {"description": "Already held, or updated.", "content": credential_body},
                    "201": {"description": "Added.", "content": credential_body},
                    **errors,
                },
            },
        },
        "/profile": {
            "get": {
                "operationId": "getProfile",
                "tags": ["Profile"],
                "security": [{"OAuth2ACG": [api.profile_readonly]}],
                "responses": {"200": {"description": "The profile.", "content": _json("Profile")}},
            },
            "put": {
                "operationId": "putProfile",
                "tags": ["Profile"],
                "requestBody": {"required": True, "content": _json("Profile")},
                "security": [{"OAuth2ACG": [api.profile_update]}],
                "responses": {
                    "200": {"description": "The profile.", "content": _json("Profile")},
                    **errors,
                },
            },
        },
        "/discovery": {
            "get": {
                "operationId": "getServiceDescription",
                "tags": ["Discovery"],
                "responses": {"200": {"description": "This document."}},
            }
        },
    }


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _query(name: str, words: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": words, "schema": schema}


def _schemas() -> dict[str, Any]:
    open_object = {"type": "object", "additionalProperties": True}
    return {
        "Credential": open_object,
        "Profile": open_object,
        "GetCredentialsResponse": {
            "type": "object",
            "properties": {
                "credential": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Credential"},
                },
                "compactJwsString": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Imsx_StatusInfo": {
            "type": "object",
            "required": ["imsx_codeMajor", "imsx_severity"],
            "properties": {
                "imsx_codeMajor": {"type": "string"},
                "imsx_severity": {"type": "string"},
                "imsx_description": {"type": "string"},
                "imsx_codeMinor": {"type": "object"},
            },
        },
    }
