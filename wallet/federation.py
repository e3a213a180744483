"""OpenID Federation 1.0 trust lists, as the DCC's issuer registry publishes them: reading the
trust anchor's entity configuration and its subordinate statements about issuers.

- Entity configuration (section 3 and 9): a JWT of type `entity-statement+jwt` served at
  `{entity}/.well-known/openid-federation`, issued by the entity about itself (`iss` = `sub`)
  and signed by one of the keys in its own `jwks`; the trust anchor's names its fetch
  endpoint in `metadata.federation_entity.federation_fetch_endpoint`.
- Fetch subordinate statement (section 8.1): `GET {fetch endpoint}?sub={entity id}` answers
  a statement about `sub` signed by the anchor's keys (`iss` = the anchor), or 404
  `not_found` for an entity it does not list. The DCC's statements name the issuer in
  `metadata.federation_entity` (`organization_name`, `homepage_uri`).

Signatures are checked with joserfc; what a statement says is trusted only when it is signed
by a key of the entity configuration the caller read, is unexpired, and names the right
parties.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

STATEMENT_TYPE = "entity-statement+jwt"
MEDIA_TYPE = "application/entity-statement+jwt"
_ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"]


class FederationError(ValueError):
    """A statement that cannot be trusted or read."""


@dataclass(frozen=True)
class Anchor:
    entity_id: str
    keys: dict[str, Any]  # the JWKS, as published
    fetch_endpoint: str


@dataclass(frozen=True)
class Listing:
    name: str
    url: str


def _decode(token: str, keys: dict[str, Any]) -> dict[str, Any]:
    try:
        key_set = KeySet.import_key_set({"keys": keys["keys"]})
        decoded = jwt.decode(token.strip(), key_set, algorithms=_ALGORITHMS)
    except (JoseError, ValueError, TypeError, LookupError) as exc:
        raise FederationError("the statement is not signed by the trust anchor's keys") from exc
    if decoded.header.get("typ") != STATEMENT_TYPE:
        raise FederationError("not an entity statement (typ)")
    return decoded.claims


def _unverified_claims(token: str) -> dict[str, Any]:
    # Read only to find the keys the configuration is then checked against.
    try:
        claims = json.loads(extract_compact(token.strip().encode()).payload)
    except (JoseError, ValueError, TypeError) as exc:
        raise FederationError("not a JWT") from exc
    if not isinstance(claims, dict):
        raise FederationError("not a JWT of claims")
    return claims


def read_entity_configuration(token: str, *, url: str, now: int) -> Anchor:
    """The trust anchor's self-signed configuration, checked against its own keys."""
    claims = _unverified_claims(token)
    keys = claims.get("jwks")
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise FederationError("the entity configuration publishes no keys")
    claims = _decode(token, keys)
    entity = claims.get("iss")
    if not isinstance(entity, str) or claims.get("sub") != entity:
        raise FederationError("an entity configuration is issued by the entity about itself")
    if not url.startswith(entity.rstrip("/") + "/.well-known/openid-federation"):
        raise FederationError("the entity configuration names another entity")
    _unexpired(claims, now)
    metadata = claims.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    federation = metadata.get("federation_entity")
    endpoint = federation.get("federation_fetch_endpoint") if isinstance(federation, dict) else ""
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        raise FederationError("the trust anchor names no fetch endpoint")
    return Anchor(entity_id=entity, keys=keys, fetch_endpoint=endpoint)


def read_subordinate_statement(token: str, *, anchor: Anchor, subject: str, now: int) -> Listing:
    """What the anchor says of `subject`, checked against the anchor's keys."""
    claims = _decode(token, anchor.keys)
    if claims.get("iss") != anchor.entity_id:
        raise FederationError("the statement is not issued by the trust anchor")
    if claims.get("sub") != subject:
        raise FederationError("the statement is about another entity")
    _unexpired(claims, now)
    metadata = claims.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    entity = metadata.get("federation_entity")
    entity = entity if isinstance(entity, dict) else {}
    name = entity.get("organization_name")
    url = entity.get("homepage_uri")
    return Listing(
        name=name.strip()[:300] if isinstance(name, str) else "",
        url=url.strip()[:2000] if isinstance(url, str) and url.startswith("https://") else "",
    )


def _unexpired(claims: dict[str, Any], now: int) -> None:
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= now:
        raise FederationError("the statement has expired")
