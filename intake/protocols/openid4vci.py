"""OpenID for Verifiable Credential Issuance 1.0, the wallet's side, step by step.

Specification: OpenID4VCI 1.0 (final): section 4.1 "Credential Offer" (by value, or by
reference through `credential_offer_uri`, fetched once), 12.2 "Credential Issuer Metadata"
(`/.well-known/openid-credential-issuer` inserted between host and path; its
`credential_issuer` must be the offer's), 12.3 and RFC 8414 (authorization server metadata),
5 "Authorization Endpoint" (authorization code with PKCE S256 per RFC 7636,
`authorization_details` of type `openid_credential`, `issuer_state`, pushed authorization
requests per RFC 9126 when the server requires them), 6 "Token Endpoint" (the
pre-authorized code grant with its `tx_code`; 6.3 the errors), 7 "Nonce Endpoint", 8
"Credential Endpoint" (a `credential_configuration_id` or `credential_identifier` with
`proofs`; 8.3.1.2 the errors, `invalid_nonce` answered by one retry with a fresh nonce, and
the drafts' `invalid_proof` carrying a `c_nonce` by one retry over that nonce), 9
"Deferred Credential Endpoint", 11 "Notification Endpoint", and Appendix F.1 (the `jwt` key
proof: `typ` `openid4vci-proof+jwt`, `kid`, `aud`, `iat`, `nonce`) and F.2 (`di_vp`: a
presentation with purpose authentication, `challenge` the nonce, `domain` the issuer).

Formats (Appendix A): `ldp_vc`, `jwt_vc_json`, and SD-JWT VCs, `dc+sd-jwt` (A.3, with the
configuration's `vct`) and the older `vc+sd-jwt` that issuers of the drafts still name. An
SD-JWT VC is bound to the key the proof carries: the `jwt` proof then names the holder key
by `jwk` (what `cnf.jwk` will hold) unless the issuer binds to DIDs
(`cryptographic_binding_methods_supported`: did:key, or did:jwk when it names that and not
did:key), and the receiving service checks that the issued `cnf` is the learner's key before
anything is stored. The proof is EdDSA (the Ed25519 holder key) when the issuer takes it;
for an SD-JWT VC whose issuer takes only ES256, it is ES256 by the learner's P-256 key.

Every call goes through `config.protocol_client` (the one outbound door). Signing is the
caller's: it passes functions that sign with the holder key, so no key reaches this module.
Every failure is an `IssuanceError` whose message is a sentence for the learner and whose
`kind` says which sentence it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.utils.translation import gettext
from django.utils.translation import gettext as _

from config.protocol_client import Answer, ProtocolClient, RemoteError
from wallet.wording import Said

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"
PROOF_TYP = "openid4vci-proof+jwt"
LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
DC_SD_JWT = "dc+sd-jwt"
VC_SD_JWT = "vc+sd-jwt"  # the drafts' name for the same format
SD_JWT_FORMATS = (DC_SD_JWT, VC_SD_JWT)
FORMATS = (LDP_VC, JWT_VC_JSON, *SD_JWT_FORMATS)
# The holder key is Ed25519: the JWS names it EdDSA (RFC 8037) or Ed25519 (RFC 9864).
HOLDER_JWS_ALGS = ("EdDSA", "Ed25519")
# Its P-256 companion signs ES256; only an SD-JWT VC is bound to it (`cnf`), since a W3C
# credential names its subject by the DID the learner's presentations are signed with.
ES256 = "ES256"
HOLDER_DI_SUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")
MAX_CONFIGURATIONS = 20

# What went wrong, each with its sentence (the `kind` of an IssuanceError).
WRONG_CODE = "wrong_code"
OFFER_USED = "offer_used"
PROOF_REFUSED = "proof_refused"
UNREACHABLE = "unreachable"
UNSUPPORTED = "unsupported"
REFUSED_ADDRESS = "refused_address"
INVALID = "invalid"
DENIED = "denied"


class IssuanceError(ValueError):
    """The issuance cannot go on; the message is for the learner."""

    def __init__(self, message: str, *, kind: str = INVALID) -> None:
        super().__init__(message)
        self.kind = kind


# --- 4.1 Credential Offer ---------------------------------------------------------------------


@dataclass(frozen=True)
class TxCode:
    """4.1.1: the transaction code the learner must type (sent to them another way)."""

    input_mode: str = "numeric"
    length: int | None = None
    description: str = ""


@dataclass(frozen=True)
class Offer:
    credential_issuer: str
    configuration_ids: list[str]
    pre_authorized_code: str = ""
    tx_code: TxCode | None = None
    issuer_state: str = ""
    authorization_server: str = ""
    authorization_code: bool = False

    @property
    def pre_authorized(self) -> bool:
        return bool(self.pre_authorized_code)


def _https_url(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise IssuanceError(gettext("The offer names no %(what)s.") % {"what": what})
    try:
        parts = urlsplit(value)
    except ValueError:
        raise IssuanceError(
            gettext("The %(what)s in the offer is not a web address.") % {"what": what}
        ) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise IssuanceError(
            gettext("The %(what)s in the offer is not a web address.") % {"what": what}
        )
    if parts.query or parts.fragment:
        raise IssuanceError(
            gettext("The %(what)s in the offer carries a query or fragment.") % {"what": what}
        )
    return value


def fetch_credential_offer(offer_uri: str, *, client: ProtocolClient) -> dict[str, Any]:
    """4.1.3: the offer by reference, fetched once (an issuer may serve it only once)."""
    answer = _call(client.get_json, offer_uri)
    if answer.status in (404, 410):
        raise IssuanceError(
            gettext("The offer has expired or was already used: ask the issuer for a new one."),
            kind=OFFER_USED,
        )
    if not answer.ok:
        raise IssuanceError(
            gettext("The issuer did not hand over the offer (it answered %(status)s).")
            % {"status": answer.status}
        )
    return _object(answer, "offer")


def read_credential_offer(offer: Mapping[str, Any]) -> Offer:
    """4.1.1: the offer's parameters, checked."""
    issuer = _https_url(offer.get("credential_issuer"), "credential issuer")
    ids = offer.get("credential_configuration_ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_CONFIGURATIONS
        or not all(isinstance(i, str) and i for i in ids)
    ):
        raise IssuanceError(gettext("The offer does not say which credentials it offers."))
    grants = offer.get("grants", {})
    if not isinstance(grants, dict):
        raise IssuanceError(gettext("The offer's grants are not readable."))
    pre = grants.get(PRE_AUTHORIZED_GRANT)
    code_grant = grants.get(AUTHORIZATION_CODE_GRANT)
    pre_code, tx_code, server, issuer_state = "", None, "", ""
    if isinstance(pre, dict):
        pre_code = _text(pre.get("pre-authorized_code"))
        if not pre_code:
            raise IssuanceError(gettext("The offer's pre-authorized code is missing."))
        if "tx_code" in pre:
            tx_code = _tx_code(pre["tx_code"])
        server = _text(pre.get("authorization_server"))
    if isinstance(code_grant, dict):
        state = code_grant.get("issuer_state")
        issuer_state = state if isinstance(state, str) else ""
        named = code_grant.get("authorization_server")
        server = server or (named if isinstance(named, str) else "")
    if not pre_code and not isinstance(code_grant, dict) and grants:
        raise IssuanceError(gettext("The offer names no grant Satchel can use."), kind=UNSUPPORTED)
    return Offer(
        credential_issuer=issuer,
        configuration_ids=list(dict.fromkeys(ids)),
        pre_authorized_code=pre_code,
        tx_code=tx_code,
        issuer_state=issuer_state,
        authorization_server=server,
        # 4.1.1: with no grants the wallet finds the grant types in the metadata.
        authorization_code=isinstance(code_grant, dict) or not grants,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _tx_code(value: Any) -> TxCode:
    if not isinstance(value, dict):
        raise IssuanceError(gettext("The offer's transaction code description is not readable."))
    mode = value.get("input_mode", "numeric")
    length = value.get("length")
    description = value.get("description", "")
    return TxCode(
        input_mode="text" if mode == "text" else "numeric",
        length=length if isinstance(length, int) and 0 < length <= 64 else None,
        description=description[:300] if isinstance(description, str) else "",
    )


# --- 12.2 Credential Issuer Metadata ----------------------------------------------------------


@dataclass(frozen=True)
class Configuration:
    """One entry of `credential_configurations_supported`, as much as the wallet uses."""

    id: str
    format: str
    name: str = ""
    description: str = ""
    logo: str = ""
    types: list[str] = field(default_factory=list)
    scope: str = ""
    proof_types: dict[str, list[str]] = field(default_factory=dict)
    # A.3.2: the SD-JWT VC type the issuer will put in `vct`.
    vct: str = ""
    # 12.2.4 `cryptographic_binding_methods_supported`: "jwk", "did:key", ...
    binding_methods: list[str] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return self.format in FORMATS

    @property
    def is_sd_jwt(self) -> bool:
        return self.format in SD_JWT_FORMATS

    @property
    def binds_to_jwk(self) -> bool:
        """Whether the key proof carries the holder key as a `jwk` (F.1) rather than naming
        it by its DID URL: when the issuer binds to JWKs and not to DIDs, and for an SD-JWT VC
        whose issuer does not say (its `cnf` is a JWK, RFC 7800)."""
        methods = self.binding_methods
        if any(m.startswith("did:") for m in methods):
            return False
        return "jwk" in methods or (self.is_sd_jwt and not methods)

    @property
    def binding_did_method(self) -> str:
        """The DID method a `kid` names the key with: did:key, or did:jwk for an SD-JWT VC
        whose issuer binds to did:jwk and not to did:key."""
        methods = self.binding_methods
        if self.is_sd_jwt and "did:jwk" in methods and "did:key" not in methods:
            return "did:jwk"
        return "did:key"


@dataclass(frozen=True)
class IssuerMetadata:
    credential_issuer: str
    credential_endpoint: str
    nonce_endpoint: str = ""
    deferred_credential_endpoint: str = ""
    notification_endpoint: str = ""
    authorization_servers: list[str] = field(default_factory=list)
    name: str = ""
    logo: str = ""
    configurations: dict[str, Configuration] = field(default_factory=dict)
    # Drafts before 1.0 put the token endpoint in the issuer's own metadata.
    token_endpoint: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IssuerMetadata:
        values = dict(data)
        values["configurations"] = {
            k: Configuration(**v) for k, v in values.get("configurations", {}).items()
        }
        return cls(**values)


def well_known_url(identifier: str, suffix: str) -> str:
    """12.2.2 (and RFC 8414 section 3): the well-known segment goes between the host and the
    identifier's path (`https://i.example/tenant` -> `https://i.example/.well-known/x/tenant`)."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{suffix}{path}", "", ""))


def _display(entries: Any) -> tuple[str, str, str]:
    """(name, description, logo URI) of the first display entry, English preferred."""
    if not isinstance(entries, list):
        return "", "", ""
    chosen = next(
        (d for d in entries if isinstance(d, dict) and str(d.get("locale", "")).startswith("en")),
        next((d for d in entries if isinstance(d, dict)), {}),
    )
    logo = chosen.get("logo")
    uri = logo.get("uri") if isinstance(logo, dict) else ""
    name, description = chosen.get("name"), chosen.get("description")
    return (
        name[:200] if isinstance(name, str) else "",
        description[:500] if isinstance(description, str) else "",
        uri if isinstance(uri, str) and uri.startswith(("https://", "http://")) else "",
    )


def _configuration(config_id: str, entry: Any) -> Configuration:
    if not isinstance(entry, dict):
        return Configuration(id=config_id, format="")
    metadata = entry.get("credential_metadata")
    shown = metadata.get("display") if isinstance(metadata, dict) else None
    name, description, logo = _display(shown if shown is not None else entry.get("display"))
    definition = entry.get("credential_definition")
    types = definition.get("type") if isinstance(definition, dict) else None
    proof_types: dict[str, list[str]] = {}
    supported = entry.get("proof_types_supported")
    if isinstance(supported, dict):
        for proof_type, detail in supported.items():
            algs = (
                detail.get("proof_signing_alg_values_supported")
                if isinstance(detail, dict)
                else None
            )
            proof_types[str(proof_type)] = [str(a) for a in algs] if isinstance(algs, list) else []
    fmt, scope, vct = entry.get("format"), entry.get("scope"), entry.get("vct")
    methods = entry.get("cryptographic_binding_methods_supported")
    return Configuration(
        id=config_id,
        format=fmt if isinstance(fmt, str) else "",
        name=name,
        description=description,
        logo=logo,
        types=[t for t in types if isinstance(t, str)] if isinstance(types, list) else [],
        scope=scope if isinstance(scope, str) else "",
        proof_types=proof_types,
        vct=vct[:500] if isinstance(vct, str) else "",
        binding_methods=[m for m in methods if isinstance(m, str)][:20]
        if isinstance(methods, list)
        else [],
    )


def fetch_issuer_metadata(credential_issuer: str, *, client: ProtocolClient) -> IssuerMetadata:
    """12.2.2: GET the metadata; its `credential_issuer` must be the offer's, exactly."""
    answer = _call(client.get_json, well_known_url(credential_issuer, "openid-credential-issuer"))
    if not answer.ok:
        raise IssuanceError(
            gettext("The issuer does not publish its OpenID4VCI metadata (it answered %(status)s).")
            % {"status": answer.status}
        )
    data = _object(answer, "metadata")
    if data.get("credential_issuer") != credential_issuer:
        raise IssuanceError(
            gettext(
                "The issuer's metadata names another issuer than the offer: it may be an "
                "impostor. Nothing was sent."
            )
        )
    endpoint = data.get("credential_endpoint")
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("https", "http"):
        raise IssuanceError(gettext("The issuer's metadata names no credential endpoint."))
    name, _description, logo = _display(data.get("display"))
    servers = data.get("authorization_servers")
    supported = data.get("credential_configurations_supported")
    configurations = (
        {str(k): _configuration(str(k), v) for k, v in list(supported.items())[:200]}
        if isinstance(supported, dict)
        else {}
    )
    return IssuerMetadata(
        credential_issuer=credential_issuer,
        credential_endpoint=endpoint,
        nonce_endpoint=_optional_url(data.get("nonce_endpoint")),
        deferred_credential_endpoint=_optional_url(data.get("deferred_credential_endpoint")),
        notification_endpoint=_optional_url(data.get("notification_endpoint")),
        authorization_servers=[s for s in servers if isinstance(s, str)]
        if isinstance(servers, list)
        else [],
        name=name,
        logo=logo,
        configurations=configurations,
        token_endpoint=_optional_url(data.get("token_endpoint")),
    )


def offered_configurations(offer: Offer, metadata: IssuerMetadata) -> list[Configuration]:
    """The offered configurations, as the metadata describes them; an id the metadata does
    not know is kept with no format (not supported)."""
    return [
        metadata.configurations.get(config_id, Configuration(id=config_id, format=""))
        for config_id in offer.configuration_ids
    ]


# --- 12.3 / RFC 8414 Authorization Server Metadata ----------------------------------------------


@dataclass(frozen=True)
class ServerMetadata:
    issuer: str
    token_endpoint: str
    authorization_endpoint: str = ""
    pushed_authorization_request_endpoint: str = ""
    require_pushed_authorization_requests: bool = False
    pre_authorized_grant_anonymous_access_supported: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ServerMetadata:
        return cls(**data)


def choose_authorization_server(offer: Offer, metadata: IssuerMetadata) -> str:
    """4.1.1 and 12.2.4: the server the offer names (when the metadata lists it), else the
    metadata's first, else the credential issuer itself."""
    if offer.authorization_server:
        if offer.authorization_server not in metadata.authorization_servers:
            raise IssuanceError(
                gettext("The offer names an authorization server its issuer does not list.")
            )
        return offer.authorization_server
    if metadata.authorization_servers:
        return metadata.authorization_servers[0]
    return metadata.credential_issuer


def fetch_authorization_server_metadata(
    issuer: str, *, client: ProtocolClient, fallback_token_endpoint: str = ""
) -> ServerMetadata:
    """RFC 8414 section 3, then OpenID Connect Discovery's location; `issuer` must match. An
    issuer that is its own server and publishes neither, but names a token endpoint in its
    credential issuer metadata (as drafts before 1.0 had it), is taken at its word."""
    data: dict[str, Any] | None = None
    for url in (
        well_known_url(issuer, "oauth-authorization-server"),
        issuer.rstrip("/") + "/.well-known/openid-configuration",
    ):
        answer = _call(client.get_json, url)
        if answer.ok and isinstance(answer.data, dict):
            data = answer.data
            break
    if data is None and fallback_token_endpoint:
        return ServerMetadata(issuer=issuer, token_endpoint=fallback_token_endpoint)
    if data is None:
        raise IssuanceError(gettext("The issuer's authorization server publishes no metadata."))
    if data.get("issuer") != issuer:
        raise IssuanceError(
            gettext("The authorization server's metadata names another server: nothing was sent.")
        )
    token = data.get("token_endpoint")
    if not isinstance(token, str) or urlsplit(token).scheme not in ("https", "http"):
        raise IssuanceError(gettext("The issuer's authorization server names no token endpoint."))
    return ServerMetadata(
        issuer=issuer,
        token_endpoint=token,
        authorization_endpoint=_optional_url(data.get("authorization_endpoint")),
        pushed_authorization_request_endpoint=_optional_url(
            data.get("pushed_authorization_request_endpoint")
        ),
        require_pushed_authorization_requests=data.get("require_pushed_authorization_requests")
        is True,
        pre_authorized_grant_anonymous_access_supported=data.get(
            "pre-authorized_grant_anonymous_access_supported"
        )
        is True,
    )


# --- 5 Authorization Endpoint (authorization code, PKCE, PAR) ------------------------------------


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def new_pkce() -> Pkce:
    """RFC 7636 section 4.1/4.2: a 43-character verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorization_details(configuration_ids: list[str]) -> str:
    """5.1.1: one `openid_credential` detail per configuration asked for."""
    return json.dumps(
        [
            {"type": "openid_credential", "credential_configuration_id": c}
            for c in configuration_ids
        ],
        separators=(",", ":"),
    )


def authorization_request_url(
    *,
    server: ServerMetadata,
    offer: Offer,
    client_id: str,
    redirect_uri: str,
    state: str,
    pkce: Pkce,
    client: ProtocolClient,
) -> str:
    """5.1: where to send the learner's browser. With a pushed authorization request
    (RFC 9126) when the server requires one, otherwise the parameters in the query."""
    if not server.authorization_endpoint:
        raise IssuanceError(
            gettext("The issuer wants you to sign in but names no place to do so."),
            kind=UNSUPPORTED,
        )
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "authorization_details": authorization_details(offer.configuration_ids),
    }
    if offer.issuer_state:
        params["issuer_state"] = offer.issuer_state
    if server.require_pushed_authorization_requests or (
        server.pushed_authorization_request_endpoint
        and len(urlencode(params)) > 1500  # long requests travel better pushed
    ):
        if not server.pushed_authorization_request_endpoint:
            raise IssuanceError(
                gettext("The issuer requires pushed requests but names no endpoint.")
            )
        answer = _call(client.post_form, server.pushed_authorization_request_endpoint, params)
        data = answer.data if isinstance(answer.data, dict) else {}
        request_uri = data.get("request_uri")
        if answer.status not in (200, 201) or not isinstance(request_uri, str):
            raise _token_error(answer, tx_code_sent=False)
        params = {"client_id": client_id, "request_uri": request_uri}
    return _with_query(server.authorization_endpoint, params)


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


# --- 6 Token Endpoint --------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    credential_identifiers: dict[str, list[str]] = field(default_factory=dict)
    # Drafts before 1.0 handed the first nonce out with the token; 1.0 has the nonce endpoint.
    c_nonce: str = ""

    @property
    def authorization(self) -> str:
        kind = "DPoP" if self.token_type.lower() == "dpop" else "Bearer"
        return f"{kind} {self.access_token}"


def request_token_pre_authorized(
    *, server: ServerMetadata, pre_authorized_code: str, tx_code: str, client: ProtocolClient
) -> Token:
    """6.1: the pre-authorized code grant, anonymous (no client_id), with the learner's
    transaction code when the offer asked for one."""
    fields = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": pre_authorized_code}
    if tx_code:
        fields["tx_code"] = tx_code
    answer = _call(client.post_form, server.token_endpoint, fields)
    return _read_token(answer, tx_code_sent=bool(tx_code))


def request_token_authorization_code(
    *,
    server: ServerMetadata,
    code: str,
    pkce_verifier: str,
    client_id: str,
    redirect_uri: str,
    client: ProtocolClient,
) -> Token:
    """6.1 with RFC 6749 section 4.1.3 and RFC 7636 section 4.5."""
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": pkce_verifier,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
    }
    answer = _call(client.post_form, server.token_endpoint, fields)
    return _read_token(answer, tx_code_sent=False)


def _read_token(answer: Answer, *, tx_code_sent: bool) -> Token:
    if not answer.ok:
        raise _token_error(answer, tx_code_sent=tx_code_sent)
    data = _object(answer, "token response")
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise IssuanceError(gettext("The issuer's token response carries no access token."))
    token_type = _text(data.get("token_type")) or "Bearer"
    identifiers: dict[str, list[str]] = {}
    for detail in data.get("authorization_details") or []:
        if not isinstance(detail, dict):
            continue
        config_id = detail.get("credential_configuration_id")
        ids = detail.get("credential_identifiers")
        if isinstance(config_id, str) and isinstance(ids, list):
            identifiers[config_id] = [i for i in ids if isinstance(i, str)]
    return Token(access_token, token_type, identifiers, _text(data.get("c_nonce")))


def _token_error(answer: Answer, *, tx_code_sent: bool) -> IssuanceError:
    """6.3: what a refused token request means for the learner."""
    if answer.error == "invalid_grant":
        if tx_code_sent:
            return IssuanceError(
                gettext(
                    "The issuer did not accept the transaction code (PIN). Check it and try again; "
                    "if it keeps failing, the offer may have expired or been used already."
                ),
                kind=WRONG_CODE,
            )
        return IssuanceError(
            gettext("The offer has expired or was already used: ask the issuer for a new one."),
            kind=OFFER_USED,
        )
    if answer.error == "invalid_request" and tx_code_sent:
        return IssuanceError(
            gettext("The issuer did not expect a transaction code."), kind=WRONG_CODE
        )
    if answer.error == "invalid_request":
        return IssuanceError(
            gettext("The issuer needs a transaction code (PIN) for this offer."), kind=WRONG_CODE
        )
    if answer.error in ("invalid_client", "unauthorized_client"):
        return IssuanceError(
            gettext("The issuer does not let this wallet collect the credential."), kind=DENIED
        )
    return IssuanceError(
        gettext("The issuer refused to go on (it answered %(status)s).")
        % {"status": answer.status},
        kind=DENIED,
    )


# --- 7 Nonce Endpoint ---------------------------------------------------------------------------


def request_nonce(nonce_endpoint: str, *, client: ProtocolClient) -> str:
    """7.1/7.2: POST with no body; `c_nonce` comes back."""
    answer = _call(client.post_form, nonce_endpoint, {})
    data = answer.data if isinstance(answer.data, dict) else {}
    nonce = data.get("c_nonce")
    if not answer.ok or not isinstance(nonce, str) or not nonce:
        raise IssuanceError(gettext("The issuer did not hand out a nonce for the key proof."))
    return nonce


# --- Appendix F key proofs -------------------------------------------------------------------


JWT, DI_VP = "jwt", "di_vp"


def proof_type_for(configuration: Configuration) -> str:
    """Appendix F: a `jwt` proof unless the issuer takes only `di_vp`; refused when the
    issuer takes neither with a key the learner holds (see `proof_alg`)."""
    return proof_kind(configuration)[0]


def proof_alg(configuration: Configuration) -> str:
    """The JWS algorithm of the `jwt` proof: EdDSA (the Ed25519 holder key) when the issuer
    takes it or says nothing; ES256 (the P-256 key) for an SD-JWT VC whose issuer takes that
    and not EdDSA."""
    return proof_kind(configuration)[1]


def proof_kind(configuration: Configuration) -> tuple[str, str]:
    """(proof type, JWS algorithm): `jwt` EdDSA, then `jwt` ES256 for an SD-JWT VC, then
    `di_vp` (its algorithm empty); IssuanceError when the holder keys can make none."""
    offered = configuration.proof_types
    if not offered:
        return JWT, HOLDER_JWS_ALGS[0]
    jwt_algs = offered.get(JWT)
    if jwt_algs is not None:
        if not jwt_algs:
            return JWT, HOLDER_JWS_ALGS[0]
        if set(jwt_algs) & set(HOLDER_JWS_ALGS):
            return JWT, HOLDER_JWS_ALGS[0]
        if configuration.is_sd_jwt and ES256 in jwt_algs:
            return JWT, ES256
    di_suites = offered.get(DI_VP)
    if di_suites is not None and (not di_suites or set(di_suites) & set(HOLDER_DI_SUITES)):
        return DI_VP, ""
    raise IssuanceError(
        _("The issuer wants a key proof of a kind Satchel's holder key cannot make."),
        kind=UNSUPPORTED,
    )


def provable(configuration: Configuration) -> bool:
    """Whether the holder key can make a key proof the issuer takes for `configuration`
    (known when the offer is opened, before any single-use code is spent)."""
    try:
        proof_kind(configuration)
    except IssuanceError:
        return False
    return True


def di_vp_suite(configuration: Configuration) -> str:
    offered = configuration.proof_types.get(DI_VP) or []
    return next((s for s in offered if s in HOLDER_DI_SUITES), HOLDER_DI_SUITES[0])


def proof_jwt_payload(*, credential_issuer: str, nonce: str, issued_at: int) -> dict[str, Any]:
    """F.1: `aud` the issuer, `iat`, `nonce`; no `iss` (anonymous pre-authorized access)."""
    payload: dict[str, Any] = {"aud": credential_issuer, "iat": issued_at}
    if nonce:
        payload["nonce"] = nonce
    return payload


# --- 8 Credential Endpoint, 9 Deferred, 11 Notification ---------------------------------------


@dataclass(frozen=True)
class Issued:
    credentials: list[Any] = field(default_factory=list)
    transaction_id: str = ""
    interval: int = 0
    notification_id: str = ""


class StaleNonce(IssuanceError):
    """8.3.1.2 `invalid_nonce`: the proof must be made again over a fresh nonce. The drafts
    before 1.0 answered `invalid_proof` with the nonce to use (`c_nonce`) instead."""

    def __init__(self, message: str, *, kind: str = PROOF_REFUSED, c_nonce: str = "") -> None:
        super().__init__(message, kind=kind)
        self.c_nonce = c_nonce


def request_credential(
    *,
    metadata: IssuerMetadata,
    token: Token,
    configuration_id: str,
    proofs: Mapping[str, list[Any]],
    client: ProtocolClient,
) -> Issued:
    """8.2: ask for one configuration (by its identifier from the token, when it gave one)."""
    body: dict[str, Any] = {"proofs": dict(proofs)}
    identifiers = token.credential_identifiers.get(configuration_id)
    if identifiers:
        body["credential_identifier"] = identifiers[0]
    else:
        body["credential_configuration_id"] = configuration_id
    answer = _call(
        client.post_json,
        metadata.credential_endpoint,
        body,
        headers={"Authorization": token.authorization},
    )
    return _read_issued(answer)


def request_deferred_credential(
    *, metadata: IssuerMetadata, token: Token, transaction_id: str, client: ProtocolClient
) -> Issued:
    """9.1: ask again for a credential the issuer is still preparing."""
    if not metadata.deferred_credential_endpoint:
        raise IssuanceError(
            gettext("The issuer deferred the credential but names no place to collect it.")
        )
    answer = _call(
        client.post_json,
        metadata.deferred_credential_endpoint,
        {"transaction_id": transaction_id},
        headers={"Authorization": token.authorization},
    )
    if answer.error == "invalid_transaction_id":
        raise IssuanceError(
            gettext("The issuer no longer knows this credential: ask for a new offer."),
            kind=OFFER_USED,
        )
    issued = _read_issued(answer)
    if issued.transaction_id or answer.status == 202:
        return Issued(transaction_id=transaction_id, interval=issued.interval)
    return issued


def _read_issued(answer: Answer) -> Issued:
    """8.3 (and 9.2): credentials now, or a `transaction_id` to come back with later."""
    if not answer.ok:
        raise _credential_error(answer)
    data = _object(answer, "credential response")
    transaction_id = data.get("transaction_id")
    interval = data.get("interval")
    interval = interval if isinstance(interval, int) and interval > 0 else 0
    notification_id = data.get("notification_id")
    notification_id = notification_id if isinstance(notification_id, str) else ""
    if isinstance(transaction_id, str) and transaction_id and "credentials" not in data:
        return Issued(transaction_id=transaction_id, interval=interval)
    found = data.get("credentials")
    if found is None and isinstance(data.get("credential"), dict | str):
        found = [{"credential": data["credential"]}]  # drafts before 1.0: one, unwrapped
    if not isinstance(found, list) or not found:
        raise IssuanceError(gettext("The issuer's answer carries no credential."))
    credentials = []
    for entry in found[:50]:
        credential = entry.get("credential") if isinstance(entry, dict) else None
        if not isinstance(credential, dict | str) or not credential:
            raise IssuanceError(
                gettext("The issuer's answer carries a credential Satchel cannot read.")
            )
        credentials.append(credential)
    return Issued(credentials=credentials, notification_id=notification_id)


def _credential_error(answer: Answer) -> IssuanceError:
    """8.3.1.2: the credential endpoint's errors, as sentences."""
    error = answer.error
    if error == "invalid_nonce":
        return StaleNonce("The issuer's nonce went stale.", kind=PROOF_REFUSED)
    data = answer.data if isinstance(answer.data, dict) else {}
    c_nonce = data.get("c_nonce")
    if error == "invalid_proof" and isinstance(c_nonce, str) and c_nonce:
        return StaleNonce(
            _("The issuer refused the proof that the credential is bound to your key."),
            kind=PROOF_REFUSED,
            c_nonce=c_nonce[:500],
        )
    if error == "invalid_proof":
        return IssuanceError(
            gettext("The issuer refused the proof that the credential is bound to your key."),
            kind=PROOF_REFUSED,
        )
    if error in ("unknown_credential_configuration", "unknown_credential_identifier"):
        return IssuanceError(
            gettext(
                "The issuer does not issue the credential it offered in a format Satchel takes."
            ),
            kind=UNSUPPORTED,
        )
    if error == "credential_request_denied" or answer.status in (401, 403):
        return IssuanceError(
            gettext(
                "The issuer refused to issue the credential (the offer may have expired or "
                "been used)."
            ),
            kind=DENIED,
        )
    return IssuanceError(
        gettext("The issuer could not issue the credential (it answered %(status)s).")
        % {"status": answer.status},
        kind=DENIED,
    )


def send_notification(
    *,
    metadata: IssuerMetadata,
    token: Token,
    notification_id: str,
    event: str,
    client: ProtocolClient,
) -> bool:
    """11.1: tell the issuer what became of the credential (`credential_accepted`,
    `credential_failure`, `credential_deleted`); True when it took note (204)."""
    if not metadata.notification_endpoint or not notification_id:
        return False
    try:
        answer = client.post_json(
            metadata.notification_endpoint,
            {"notification_id": notification_id, "event": event},
            headers={"Authorization": token.authorization},
        )
    except RemoteError:
        return False
    return answer.ok


# --- the door ------------------------------------------------------------------------------


def _call(method: Callable[..., Answer], url: str, *args: Any, **kwargs: Any) -> Answer:
    try:
        return method(url, *args, **kwargs)
    except RemoteError as exc:
        if exc.refused and "cap" in str(exc):
            raise IssuanceError(
                Said(
                    "The issuer's answer (%(host)s) is larger than Satchel accepts.",
                    host=_host(url),
                ),
                kind=INVALID,
            ) from exc
        if exc.refused:
            raise IssuanceError(
                Said(
                    "Satchel will not contact an address the offer names: %(host)s is not on "
                    "the public internet or not served over HTTPS.",
                    host=_host(url),
                ),
                kind=REFUSED_ADDRESS,
            ) from exc
        raise IssuanceError(
            Said("The issuer could not be reached (%(host)s). Try again later.", host=_host(url)),
            kind=UNREACHABLE,
        ) from exc


def _object(answer: Answer, what: str) -> dict[str, Any]:
    if not isinstance(answer.data, dict):
        raise IssuanceError(gettext("The issuer's %(what)s is not a JSON object.") % {"what": what})
    return answer.data


def _optional_url(value: Any) -> str:
    if isinstance(value, str) and urlsplit(value).scheme in ("https", "http"):
        return value
    return ""


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url[:80]
    except ValueError:
        return url[:80]
