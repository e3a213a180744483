"""Satchel as an LTI 1.3 tool: a learner opens "My credentials" in their course and lands in
their own Satchel.

1EdTech Security Framework 1.0, section 5.1.1 (OpenID Connect third-party initiated login)
and 5.1.3 (authentication response validation); LTI 1.3 Core, section 5 (the launch
message and its claims); LTI Deep Linking 2.0, section 4 (the tool's response). Each step
is a function named after the step:

1. `login_initiation`: the platform sends `iss`, `login_hint`, `target_link_uri` (and maybe
   `client_id`, `lti_message_hint`, `lti_deployment_id`); a registered platform gets an
   authentication request back (`scope=openid`, `response_type=id_token`,
   `response_mode=form_post`, `prompt=none`, a fresh `state` and `nonce`), every other is
   refused. The state is bound to this browser by a cookie.
2. `authentication_response`: the platform posts `id_token` and `state`; the state must be
   one this tool issued to this browser, unused and recent; the id_token is checked against
   the platform's key set (fetched through the outbound door): RS256 signature, `iss`,
   `aud` (and `azp`), `exp`, `iat`, `nonce`; then the LTI claims: version, message type,
   deployment, target.
3. `deep_linking_response`: for an LtiDeepLinkingRequest, the tool signs the content items
   the instructor chose (LtiDeepLinkingResponse) with its own key, published as a JWKS.

Linking the platform's `sub` to a Satchel account needs the learner's consent on their
first launch (`lti_account_link`); later launches sign them in at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from accounts import crypto
from accounts.models import LtiAccount, LtiLogin, LtiPlatform, LtiToolKey, User
from config.protocol_client import ProtocolClient, RemoteError

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
LOGIN_LIFETIME = timedelta(minutes=10)
CLOCK_SKEW = 60  # seconds an iat may lie in the future
JWKS_CACHE_SECONDS = 3600
# Where a launch may land: the record and the import page, by the paths of their pages.
TARGETS = {"/": "record", "/import/": "import"}


class LtiError(Exception):
    """A launch that is refused; the sentence is safe to show."""


@dataclass(frozen=True)
class Launch:
    """What a validated launch says."""

    platform: LtiPlatform
    message_type: str
    sub: str
    name: str
    email: str
    target: str  # a key of TARGETS' values: "record" or "import"
    deployment_id: str
    deep_linking: dict[str, Any]


# --- 1. login initiation ----------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    browser_secret: str  # for the cookie that binds the state to this browser


def login_initiation(*, params: dict[str, str], redirect_uri: str, now: datetime) -> LoginRedirect:
    issuer = params.get("iss", "")
    login_hint = params.get("login_hint", "")
    target = params.get("target_link_uri", "")
    if not issuer or not login_hint or not target:
        raise LtiError(
            gettext("The platform's login request lacks iss, login_hint or target_link_uri.")
        )
    platform = _registered(issuer, params.get("client_id", ""))
    deployment = params.get("lti_deployment_id", "")
    if deployment and deployment not in platform.deployment_ids:
        raise LtiError(gettext("This deployment of Satchel is not registered."))
    _target_of(target)
    # Logins never finished (the learner closed the tab) are of no use past their lifetime.
    LtiLogin.objects.filter(created_at__lt=now - 10 * LOGIN_LIFETIME).delete()
    browser = secrets.token_urlsafe(32)
    login = LtiLogin.objects.create(
        platform=platform,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        browser=_hash(browser),
        created_at=now,
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": login.state,
        "nonce": login.nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return LoginRedirect(f"{platform.auth_login_url}{separator}{urlencode(query)}", browser)


def _registered(issuer: str, client_id: str) -> LtiPlatform:
    platforms = LtiPlatform.objects.filter(issuer=issuer)
    if client_id:
        platforms = platforms.filter(client_id=client_id)
    found = list(platforms[:2])
    if len(found) != 1:
        raise LtiError(gettext("This platform is not registered with Satchel."))
    return found[0]


# --- 2. authentication response -------------------------------------------------------------


def authentication_response(
    *, id_token: str, state: str, browser_secret: str, now: datetime
) -> Launch:
    with transaction.atomic():
        login = (
            LtiLogin.objects.select_for_update()
            .select_related("platform")
            .filter(state=state)
            .first()
        )
        if login is None or login.used_at is not None or not browser_secret:
            raise LtiError(gettext("This launch does not match a sign-in started here."))
        if not secrets.compare_digest(login.browser, _hash(browser_secret)):
            raise LtiError(gettext("This launch does not match a sign-in started here."))
        if now - login.created_at > LOGIN_LIFETIME:
            raise LtiError(gettext("This launch took too long: start it again from the course."))
        login.used_at = now
        login.save(update_fields=["used_at"])
    platform = login.platform
    claims = _validated_claims(id_token, platform, login.nonce, now)
    return _launch_of(claims, platform)


def _validated_claims(
    token: str, platform: LtiPlatform, nonce: str, now: datetime
) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, _platform_keys(platform), algorithms=["RS256"])
    except LookupError:
        # A key id the cached set lacks: the platform may have rotated its keys.
        cache.delete(_jwks_key(platform))
        try:
            decoded = jwt.decode(token, _platform_keys(platform), algorithms=["RS256"])
        except (JoseError, LookupError, ValueError) as exc:
            raise LtiError(gettext("The launch is not signed by the platform's key.")) from exc
    except (JoseError, ValueError) as exc:
        raise LtiError(gettext("The launch is not signed by the platform's key.")) from exc
    claims = decoded.claims
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    stamp = int(now.timestamp())
    if claims.get("iss") != platform.issuer:
        raise LtiError(gettext("The launch names another issuer than its platform."))
    if platform.client_id not in audiences:
        raise LtiError(gettext("The launch is meant for another tool (aud)."))
    if len(audiences) > 1 and claims.get("azp") != platform.client_id:
        raise LtiError(gettext("The launch is meant for another tool (azp)."))
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= stamp:
        raise LtiError(gettext("The launch has expired."))
    if not isinstance(claims.get("iat"), int) or claims["iat"] > stamp + CLOCK_SKEW:
        raise LtiError(gettext("The launch is dated in the future."))
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
        claims["nonce"], nonce
    ):
        raise LtiError(gettext("The launch does not carry the nonce this sign-in was given."))
    return claims


def _launch_of(claims: dict[str, Any], platform: LtiPlatform) -> Launch:
    if claims.get(LTI + "version") != "1.3.0":
        raise LtiError(gettext("Only LTI 1.3 launches are accepted."))
    message_type = claims.get(LTI + "message_type")
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise LtiError(gettext("Satchel answers resource link and deep linking launches only."))
    deployment = claims.get(LTI + "deployment_id")
    if not isinstance(deployment, str) or deployment not in platform.deployment_ids:
        raise LtiError(gettext("This deployment of Satchel is not registered."))
    sub = claims.get("sub")
    if message_type == RESOURCE_LINK:
        link = claims.get(LTI + "resource_link")
        if not isinstance(link, dict) or not link.get("id"):
            raise LtiError(gettext("The launch names no resource link."))
        if not isinstance(sub, str) or not sub:
            raise LtiError(gettext("An anonymous launch cannot open anyone's Satchel."))
    settings_claim = claims.get(DL + "deep_linking_settings")
    if message_type == DEEP_LINKING and not (
        isinstance(settings_claim, dict)
        and isinstance(settings_claim.get("deep_link_return_url"), str)
        and settings_claim["deep_link_return_url"].startswith("https://")
    ):
        raise LtiError(gettext("The deep linking request has no https return address."))
    return Launch(
        platform=platform,
        message_type=message_type,
        sub=sub if isinstance(sub, str) else "",
        name=str(claims.get("name") or "")[:200],
        email=str(claims.get("email") or "")[:254],
        target=_target_of(str(claims.get(LTI + "target_link_uri") or "")),
        deployment_id=deployment,
        deep_linking=settings_claim if isinstance(settings_claim, dict) else {},
    )


def _target_of(url: str) -> str:
    """The page a target_link_uri names: only Satchel's own record or import page."""
    parts = urlsplit(url)
    origin = urlsplit(settings.SATCHEL_PUBLIC_ORIGIN)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
        raise LtiError(gettext("The launch points outside Satchel."))
    return TARGETS.get(parts.path or "/", "record")


def _jwks_key(platform: LtiPlatform) -> str:
    return f"lti:jwks:{platform.pk}:{hashlib.sha256(platform.jwks_url.encode()).hexdigest()}"


def _platform_keys(platform: LtiPlatform) -> KeySet:
    """The platform's public keys, through the outbound door, kept an hour."""
    key = _jwks_key(platform)
    data = cache.get(key)
    if data is None:
        try:
            answer = ProtocolClient(party="LTI platform").get_json(platform.jwks_url)
        except RemoteError as exc:
            raise LtiError(gettext("The platform's keys could not be fetched.")) from exc
        data = answer.data if answer.ok else None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise LtiError(gettext("The platform's keys could not be read."))
        cache.set(key, data, JWKS_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(
            {"keys": [k for k in data["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"]}
        )
    except (JoseError, ValueError, TypeError) as exc:
        raise LtiError(gettext("The platform's keys could not be read.")) from exc


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- linking accounts ---------------------------------------------------------------------


def lti_account_for(*, launch: Launch) -> User | None:
    """The Satchel account this platform account was linked to, if it was."""
    account = (
        LtiAccount.objects.select_related("user")
        .filter(platform=launch.platform, sub=launch.sub)
        .first()
    )
    return account.user if account is not None else None


def lti_account_link(
    *, user: User, platform_id: int, sub: str, name: str, now: datetime
) -> LtiAccount:
    """Link (the learner consented): a platform account opens one Satchel account only."""
    platform = LtiPlatform.objects.get(pk=platform_id)
    existing = LtiAccount.objects.filter(platform=platform, sub=sub).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise LtiError(
                gettext("That course account is already linked to another Satchel account.")
            )
        return existing
    try:
        with transaction.atomic():
            return LtiAccount.objects.create(
                platform=platform, sub=sub, user=user, name=name, created_at=now
            )
    except IntegrityError as exc:
        raise LtiError(
            gettext("That course account is already linked to another Satchel account.")
        ) from exc


# --- 3. deep linking response -------------------------------------------------------------


def tool_key() -> LtiToolKey:
    """The tool's signing key, made on first need (never at import time)."""
    key = LtiToolKey.objects.order_by("-created_at").first()
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    kid = uuid.uuid4().hex
    public = RSAKey.import_key(pem).as_dict(private=False)
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return LtiToolKey.objects.create(
        kid=kid,
        private_key_encrypted=crypto.encrypt(pem),
        public_jwk=public,
        created_at=timezone.now(),
    )


def tool_jwks() -> dict[str, Any]:
    return {"keys": [k.public_jwk for k in LtiToolKey.objects.order_by("-created_at")]}


def deep_linking_response(*, launch: Launch, items: list[dict[str, str]], now: datetime) -> str:
    """The signed LtiDeepLinkingResponse (Deep Linking 2.0, 4.2) carrying `items`."""
    key = tool_key()
    stamp = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": launch.platform.client_id,
        "aud": launch.platform.issuer,
        "iat": stamp,
        "exp": stamp + 600,
        "nonce": secrets.token_urlsafe(16),
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": launch.deployment_id,
        DL + "content_items": items,
    }
    if "data" in launch.deep_linking:
        claims[DL + "data"] = launch.deep_linking["data"]
    private = RSAKey.import_key(crypto.decrypt(key.private_key_encrypted))
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, private)


def content_items(*, accept_types: Any) -> list[dict[str, str]]:
    """What an instructor can add to a course: the record and the import page."""
    if isinstance(accept_types, list) and "ltiResourceLink" not in accept_types:
        raise LtiError(gettext("The platform does not accept LTI resource links here."))
    origin = settings.SATCHEL_PUBLIC_ORIGIN
    return [
        {"type": "ltiResourceLink", "title": "My credentials", "url": f"{origin}/"},
        {
            "type": "ltiResourceLink",
            "title": "Add a credential to Satchel",
            "url": f"{origin}/import/",
        },
    ]
