"""OpenID for Verifiable Presentations 1.0, the wallet's side, step by step.

Specification: OpenID for Verifiable Presentations 1.0 incorporating errata set 1: section 5
(Authorization Request: by value, `request` by value, `request_uri` by reference, 5.10
`request_uri_method=post`), 5.9 (Client Identifier Prefixes: `redirect_uri` requests are
unsigned, and with the errata a request object for them by reference is an `alg: none` JWT;
`decentralized_identifier` requests are signed by a key of that DID), 6 (DCQL: `dcql.py`),
8 (Response: `vp_token` keyed by Credential Query id, 8.2 `direct_post`, 8.3 encrypted
responses and `direct_post.jwt`), 14.1 (replay: the presentation names the nonce and the
Client Identifier), and Appendix B.1.3 (`ldp_vp`: challenge = nonce, domain = client_id; JWT
presentations: `nonce` and `aud`).

Nothing here reads the database or the clock of its own: the caller passes the door (the
outbound fetcher), the key resolver and the time.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.utils.translation import gettext
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from sharing.protocols.dcql import DcqlError, DcqlQuery, parse_dcql_query
from wallet.verification.errors import VerificationInputError
from wallet.verification.fetch import FetchError, FetchRefused, FetchResult
from wallet.verification.proofs.jose import CompactJws, decode_compact

REDIRECT_URI = "redirect_uri"
DECENTRALIZED_IDENTIFIER = "decentralized_identifier"
SUPPORTED_PREFIXES = (REDIRECT_URI, DECENTRALIZED_IDENTIFIER)
KNOWN_PREFIXES = (
    *SUPPORTED_PREFIXES,
    "openid_federation",
    "verifier_attestation",
    "x509_san_dns",
    "x509_hash",
    "origin",
)
DIRECT_POST = "direct_post"
DIRECT_POST_JWT = "direct_post.jwt"
REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
REQUEST_OBJECT_MEDIA = "application/oauth-authz-req+jwt"
_URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
MAX_NONCE = 512
DEFAULT_ENC = "A128GCM"
# What the wallet tells a verifier about itself (section 10, Wallet Metadata).
WALLET_METADATA: dict[str, Any] = {
    "vp_formats_supported": {
        "ldp_vc": {
            "proof_type_values": ["DataIntegrityProof", "Ed25519Signature2020"],
            "cryptosuite_values": ["eddsa-rdfc-2022"],
        },
        "jwt_vc_json": {"alg_values": ["EdDSA"]},
        # Appendix B.3.4: what SD-JWT VCs the wallet presents, and how it binds them.
        "dc+sd-jwt": {
            "sd-jwt_alg_values": ["ES256", "ES384", "EdDSA", "RS256"],
            "kb-jwt_alg_values": ["EdDSA", "ES256"],
        },
    },
    "client_id_prefixes_supported": list(SUPPORTED_PREFIXES),
    "request_object_signing_alg_values_supported": ["EdDSA", "ES256", "ES384", "RS256"],
    "response_types_supported": ["vp_token"],
    "response_modes_supported": [DIRECT_POST, DIRECT_POST_JWT],
}


class RequestError(ValueError):
    """The request cannot be answered. `message` is for the learner; `code` is the OAuth
    error code a verifier would be told (section 8.5)."""

    def __init__(self, message: str, *, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.code = code


class Sender(Protocol):
    """The outbound door as this protocol needs it (`config.outbound.GuardedFetcher`)."""

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult: ...


# Resolves a verification method (a DID URL) to a public key, or raises.
KeyResolver = Callable[[str], Any]
# Checks a JWS's signature with a key: True, False, or raises for an unusable pair.
SignatureCheck = Callable[[CompactJws, Any], bool]


# --- section 5: the Authorization Request --------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated request: what the consent page shows and what the response needs."""

    client_id: str
    prefix: str
    response_mode: str
    response_uri: str
    nonce: str
    dcql_query: dict[str, Any]
    state: str = ""
    client_metadata: dict[str, Any] = field(default_factory=dict)
    signed: bool = False

    @property
    def dcql(self) -> DcqlQuery:
        return parse_dcql_query(self.dcql_query)

    @property
    def verifier_origin(self) -> str:
        return origin_of(self.response_uri)

    @property
    def verifier_name(self) -> str:
        """How the verifier names itself (RFC 7591 `client_name`), else its identifier."""
        name = self.client_metadata.get("client_name")
        if isinstance(name, str) and name.strip():
            return name.strip()[:200]
        return self.client_id.split(":", 1)[1][:200]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        return cls(**data)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def parse_qsl_safe(query: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(query, keep_blank_values=True, max_num_fields=50)
    except ValueError:
        raise RequestError(gettext("The request link has too many parameters.")) from None


def read_authorization_request(query: str) -> dict[str, str]:
    """The parameters of an `openid4vp://` link or an https link with the same query."""
    params: dict[str, str] = {}
    for key, value in parse_qsl_safe(query):
        if key in params:
            raise RequestError(
                gettext("The request link repeats its “%(key)s” parameter.") % {"key": key}
            )
        params[key] = value
    if not params.get("client_id"):
        raise RequestError(gettext("The request names no verifier (no client_id)."))
    return params


def client_identifier_prefix(client_id: str) -> str:
    """Section 5.9.1: the prefix is what precedes the first colon, if it is a known one."""
    prefix = client_id.split(":", 1)[0] if ":" in client_id else ""
    if prefix not in KNOWN_PREFIXES:
        raise RequestError(
            gettext(
                "The verifier identifies itself in a way Satchel cannot check (a pre-registered "
                "verifier, or an unknown Client Identifier Prefix)."
            ),
            code="invalid_client",
        )
    if prefix not in SUPPORTED_PREFIXES:
        raise RequestError(
            gettext(
                "Satchel cannot check verifiers identified by %(prefix)s; it accepts "
                "those that give their answer address (redirect_uri:) or sign with a DID "
                "(decentralized_identifier:)."
            )
            % {"prefix": prefix},
            code="invalid_request",
        )
    return prefix


def obtain_request_object(
    params: Mapping[str, str], *, door: Sender, wallet_nonce: str | None = None
) -> tuple[dict[str, Any], str | None]:
    """Section 5: the request's parameters, from the link itself, from `request` (by value) or
    from `request_uri` (fetched once, by GET or, with `request_uri_method=post`, by POST with
    the wallet's metadata and a `wallet_nonce`). Returns (claims or parameters, the JWT when
    there was one)."""
    if "request" in params and "request_uri" in params:
        raise RequestError(gettext("The request is both by value and by reference."))
    if "request" in params:
        return _read_request_object(params["request"]), params["request"]
    if "request_uri" not in params:
        if "request_uri_method" in params:
            raise RequestError(gettext("request_uri_method comes only with a request_uri."))
        return dict(params), None
    method = params.get("request_uri_method", "get")
    if method not in ("get", "post"):
        raise RequestError(
            gettext("The request asks to be fetched in a way OpenID4VP does not define."),
            code="invalid_request_uri_method",
        )
    body = _fetch_request_uri(params["request_uri"], method, door, wallet_nonce)
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        # An unsigned request object served as JSON: the raw form of what the errata give
        # as an `alg: none` JWT; like that one, it is allowed only with redirect_uri:.
        try:
            claims = json.loads(text)
        except (ValueError, RecursionError):
            raise RequestError(gettext("The verifier's request is not valid JSON.")) from None
        if not isinstance(claims, dict):
            raise RequestError(gettext("The verifier's request is not a JSON object."))
        return claims, None
    return _read_request_object(text), text


def _fetch_request_uri(url: str, method: str, door: Sender, wallet_nonce: str | None) -> bytes:
    headers = {"Accept": f"{REQUEST_OBJECT_MEDIA}, application/json"}
    body = None
    if method == "post":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        fields = {"wallet_metadata": json.dumps(WALLET_METADATA)}
        if wallet_nonce:
            fields["wallet_nonce"] = wallet_nonce
        body = urlencode(fields).encode()
    try:
        result = door.send(method.upper(), url, headers=headers, body=body)
    except FetchRefused as exc:
        raise RequestError(
            gettext("Satchel will not fetch the verifier's request: %(exc)s") % {"exc": exc}
        ) from exc
    except FetchError as exc:
        raise RequestError(gettext("The verifier's request could not be fetched.")) from exc
    if not result.ok:
        # Section 5.10.2: any error response ends the process.
        raise RequestError(
            gettext(
                "The verifier did not give its request (it answered %(status)s); it may "
                "already have been used or have expired."
            )
            % {"status": result.status}
        )
    return result.body


def _read_request_object(text: str) -> dict[str, Any]:
    try:
        jws = _decode_jwt(text)
        claims = jws.payload_json()
    except VerificationInputError:
        raise RequestError(
            gettext("The verifier's request object is not a readable JWT.")
        ) from None
    if not isinstance(claims, dict):
        raise RequestError(gettext("The verifier's request object is not a JSON object."))
    return claims


def _decode_jwt(text: str) -> CompactJws:
    # An unsigned (alg none) request object has an empty third part; it decodes the same way,
    # and verify_client decides whether an unsigned request is acceptable.
    try:
        return decode_compact(text)
    except VerificationInputError:
        raise RequestError(
            gettext("The verifier's request object is not a readable JWT.")
        ) from None


def verify_client(
    *,
    link_client_id: str,
    claims: Mapping[str, Any],
    jwt: str | None,
    resolve_key: KeyResolver,
    check_signature: SignatureCheck,
    now_timestamp: float,
    wallet_nonce: str | None = None,
) -> str:
    """Sections 5.9.3 and 5.10.1: who the verifier is, and that the request is its own.

    `redirect_uri:` requests are unsigned (link parameters, raw JSON, or an `alg: none`
    request object); `decentralized_identifier:` requests are a JWT signed by a key of that
    DID, named by `kid`. The `client_id` of the link and of the request object must be the
    same. Returns the prefix."""
    client_id = claims.get("client_id")
    if not isinstance(client_id, str) or client_id != link_client_id:
        raise RequestError(
            gettext("The request object names another verifier than the link does."),
            code="invalid_client",
        )
    prefix = client_identifier_prefix(client_id)
    header: dict[str, Any] = {}
    if jwt is not None:
        jws = _decode_jwt(jwt)
        header = jws.header
        if header.get("typ") != REQUEST_OBJECT_TYP:
            raise RequestError(gettext("The verifier's request object is not typed as one."))
        alg = header.get("alg")
        if prefix == REDIRECT_URI and alg != "none":
            raise RequestError(
                gettext(
                    "The verifier signed a request it identifies by its answer address, which "
                    "cannot be checked against any key."
                ),
                code="invalid_request",
            )
        if prefix == DECENTRALIZED_IDENTIFIER:
            _check_did_signature(client_id, jws, resolve_key, check_signature)
        expires = claims.get("exp")
        if isinstance(expires, int | float) and expires <= now_timestamp:
            raise RequestError(gettext("The verifier's request has expired."))
    elif prefix == DECENTRALIZED_IDENTIFIER:
        raise RequestError(
            gettext("The verifier names a DID but did not sign its request with it."),
            code="invalid_request",
        )
    if wallet_nonce is not None and claims.get("wallet_nonce") != wallet_nonce:
        raise RequestError(gettext("The verifier's request does not answer the wallet's nonce."))
    return prefix


def _check_did_signature(
    client_id: str, jws: CompactJws, resolve_key: KeyResolver, check_signature: SignatureCheck
) -> None:
    did = client_id.split(":", 1)[1]
    kid = jws.header.get("kid")
    if jws.alg in ("", "none"):
        raise RequestError(gettext("The verifier names a DID but its request is unsigned."))
    if not isinstance(kid, str) or kid.split("#", 1)[0] != did:
        raise RequestError(
            gettext("The request is signed with a key that is not the verifier's DID's."),
            code="invalid_client",
        )
    try:
        key = resolve_key(kid)
        valid = check_signature(jws, key)
    except Exception as exc:  # resolution and algorithm errors read the same to the learner
        raise RequestError(
            gettext("The verifier's signature on its request could not be checked."),
            code="invalid_client",
        ) from exc
    if not valid:
        raise RequestError(
            gettext("The verifier's signature on its request does not match its DID."),
            code="invalid_client",
        )


def _json_parameter(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            raise RequestError(
                gettext("The request's %(name)s is not valid JSON.") % {"name": name}
            ) from None
    return value


def validate_authorization_request(
    claims: Mapping[str, Any], *, prefix: str
) -> AuthorizationRequest:
    """Sections 5.1, 5.2, 5.9.3 and 8.2: the parameters this wallet needs, each checked."""
    if claims.get("response_type") != "vp_token":
        raise RequestError(gettext("The request does not ask for a presentation (response_type)."))
    if "transaction_data" in claims:
        raise RequestError(
            gettext("The request asks to authorise a transaction, which Satchel does not do."),
            code="invalid_transaction_data",
        )
    mode = claims.get("response_mode")
    if mode not in (DIRECT_POST, DIRECT_POST_JWT):
        raise RequestError(
            gettext(
                "The verifier wants the answer sent back through the browser; Satchel sends it "
                "to the verifier directly (direct_post)."
            ),
            code="invalid_request",
        )
    if "redirect_uri" in claims:
        raise RequestError(gettext("A direct_post request must not name a redirect_uri."))
    response_uri = claims.get("response_uri")
    if not isinstance(response_uri, str) or urlsplit(response_uri).scheme not in ("https", "http"):
        raise RequestError(gettext("The request names no web address to send the answer to."))
    client_id = str(claims["client_id"])
    if prefix == REDIRECT_URI and client_id.split(":", 1)[1] != response_uri:
        raise RequestError(
            gettext(
                "The verifier's identity (its answer address) is not where it asks for the answer."
            ),
            code="invalid_client",
        )
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not _URL_SAFE.match(nonce) or len(nonce) > MAX_NONCE:
        raise RequestError(gettext("The request carries no usable nonce."))
    state = claims.get("state", "")
    if state and (not isinstance(state, str) or not _URL_SAFE.match(state) or len(state) > 2048):
        raise RequestError(gettext("The request's state is not valid."))
    has_dcql, has_scope = "dcql_query" in claims, bool(claims.get("scope"))
    if has_dcql and has_scope:
        raise RequestError(gettext("The request asks with both a DCQL query and a scope."))
    if not has_dcql:
        raise RequestError(
            gettext(
                "The request does not say what it asks for in a way Satchel reads (a DCQL query)."
            ),
            code="invalid_scope" if has_scope else "invalid_request",
        )
    dcql_query = _json_parameter(claims["dcql_query"], gettext("DCQL query"))
    try:
        parse_dcql_query(dcql_query)
    except DcqlError as exc:
        raise RequestError(
            gettext("The request's DCQL query is not valid: %(exc)s") % {"exc": exc}
        ) from exc
    metadata = _json_parameter(claims.get("client_metadata") or {}, gettext("client metadata"))
    if not isinstance(metadata, dict):
        raise RequestError(gettext("The request's client metadata is not a JSON object."))
    return AuthorizationRequest(
        client_id=client_id,
        prefix=prefix,
        response_mode=str(mode),
        response_uri=response_uri,
        nonce=nonce,
        state=state or "",
        dcql_query=dcql_query,
        client_metadata=metadata,
        signed=prefix == DECENTRALIZED_IDENTIFIER,
    )


def new_wallet_nonce() -> str:
    return secrets.token_urlsafe(16)


# --- section 8: the Authorization Response -------------------------------------------------


def presentation_suite(request: AuthorizationRequest) -> str:
    """Appendix B.1.3.2.2: the Data Integrity suite the verifier accepts for `ldp_vp`,
    eddsa-rdfc-2022 unless it lists only Ed25519Signature2020."""
    formats = request.client_metadata.get("vp_formats_supported")
    wanted: Any = {}
    if isinstance(formats, dict):
        wanted = formats.get("ldp_vp") or formats.get("ldp_vc") or {}
    if not isinstance(wanted, dict):
        return "eddsa-rdfc-2022"
    suites = wanted.get("cryptosuite_values")
    types = wanted.get("proof_type_values")
    if isinstance(suites, list) and suites and "eddsa-rdfc-2022" not in suites:
        if isinstance(types, list) and "Ed25519Signature2020" in types:
            return "Ed25519Signature2020"
        raise RequestError(
            gettext("The verifier accepts no signature Satchel's holder key makes."),
            code="vp_formats_not_supported",
        )
    if isinstance(types, list) and types and "DataIntegrityProof" not in types:
        if "Ed25519Signature2020" in types:
            return "Ed25519Signature2020"
        raise RequestError(
            gettext("The verifier accepts no signature Satchel's holder key makes."),
            code="vp_formats_not_supported",
        )
    return "eddsa-rdfc-2022"


def jwt_presentation_payload(
    *, holder: str, tokens: list[str], request: AuthorizationRequest, issued_at: int
) -> dict[str, Any]:
    """Appendix B.1.3.1.3: a JWT presentation whose `nonce` is the request's and whose `aud`
    is the full Client Identifier (section 14.1.2)."""
    return {
        "iss": holder,
        "aud": request.client_id,
        "nonce": request.nonce,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + 600,
        "jti": f"urn:uuid:{secrets.token_hex(16)}",
        "vp": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "holder": holder,
            "verifiableCredential": tokens,
        },
    }


def encrypt_response(payload: Mapping[str, Any], request: AuthorizationRequest) -> str:
    """Section 8.3: an unsigned JWT encrypted to a key of the verifier's `jwks`, with the
    key's `alg` and an `enc` it lists (A128GCM by default), naming the key by its `kid`."""
    keys = request.client_metadata.get("jwks", {})
    keys = keys.get("keys") if isinstance(keys, dict) else None
    encs = request.client_metadata.get("encrypted_response_enc_values_supported") or [DEFAULT_ENC]
    if not isinstance(keys, list) or not keys:
        raise RequestError(
            gettext("The verifier asks for an encrypted answer but gives no key to encrypt it to."),
            code="invalid_request",
        )
    plaintext = json.dumps(payload, separators=(",", ":")).encode()
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get("use", "enc") != "enc" or "alg" not in jwk:
            continue
        for enc in encs:
            header = {"alg": jwk["alg"], "enc": enc}
            if isinstance(jwk.get("kid"), str):
                header["kid"] = jwk["kid"]
            try:
                return jwe.encrypt_compact(header, plaintext, import_key(jwk))
            except (JoseError, ValueError, TypeError, KeyError):
                continue
    raise RequestError(
        gettext("The verifier's encryption keys are none Satchel can encrypt to."),
        code="vp_formats_not_supported",
    )


def response_fields(
    vp_token: Mapping[str, list[Any]], request: AuthorizationRequest
) -> dict[str, str]:
    """Sections 8.1 and 8.2: the form fields of the answer (encrypted for direct_post.jwt)."""
    payload: dict[str, Any] = {"vp_token": dict(vp_token)}
    if request.state:
        payload["state"] = request.state
    if request.response_mode == DIRECT_POST_JWT:
        return {"response": encrypt_response(payload, request)}
    fields = {"vp_token": json.dumps(payload["vp_token"], separators=(",", ":"))}
    if request.state:
        fields["state"] = request.state
    return fields


def error_fields(
    error: str, request: AuthorizationRequest, description: str = ""
) -> dict[str, str]:
    """Section 8.5: an error answer (never encrypted: section 8.3.1 allows that)."""
    fields = {"error": error}
    if description:
        fields["error_description"] = description
    if request.state:
        fields["state"] = request.state
    return fields


@dataclass(frozen=True)
class Delivered:
    redirect_uri: str = ""


def send_authorization_response(
    fields: Mapping[str, str], request: AuthorizationRequest, *, door: Sender
) -> Delivered:
    """Section 8.2: POST the form to the response URI; a `redirect_uri` in its JSON answer
    is where the learner's browser goes next."""
    try:
        result = door.send(
            "POST",
            request.response_uri,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=urlencode(dict(fields)).encode(),
        )
    except FetchRefused as exc:
        raise RequestError(
            gettext("Satchel will not send to the verifier's address: %(exc)s") % {"exc": exc}
        ) from exc
    except FetchError as exc:
        raise RequestError(
            gettext("The verifier could not be reached to send the answer.")
        ) from exc
    if not result.ok:
        raise RequestError(
            gettext("The verifier did not accept the answer (it answered %(status)s).")
            % {"status": result.status}
        )
    try:
        answer = json.loads(result.body) if result.body.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        answer = {}
    redirect = answer.get("redirect_uri") if isinstance(answer, dict) else None
    if isinstance(redirect, str) and urlsplit(redirect).scheme in ("https", "http"):
        return Delivered(redirect_uri=redirect)
    return Delivered()
