"""Presentations and CLR bundles, signed with the earner's holder key.

Issuer-signed credentials go in exactly as issued: each is read from its stored original
bytes (a JSON object as decoded, a JWT as its token, a baked image's payload) and never
edited or re-signed. The holder's signature wraps them and says only "I present these".
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PIL import Image, ImageDraw

from accounts.services import holder_signing_key
from wallet.models import Credential
from wallet.verification.errors import VerificationInputError
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input
from wallet.verification.parse.png import bake_png
from wallet.verification.proofs.dataintegrity import format_datetime, proofs_of, sign
from wallet.verification.proofs.jose import sign_jwt

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
# Defines 1EdTechJsonSchemaValidator2019, the type of the CLR's credentialSchema; without it
# the term would be dropped from the signed (canonical) form.
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
JWT_MEDIA_TYPE = "application/vc+jwt"
VP_JWT_MEDIA_TYPE = "application/vp+jwt"
VP_MEDIA_TYPE = "application/vp+ld+json"
# Only Data Integrity suites keep a credential verifiable when it is embedded as JSON.
_DI_PROOF_TYPES = frozenset({"DataIntegrityProof", "Ed25519Signature2020"})


class _BoundedCache(MutableMapping[str, str]):
    """Canonical N-Quads by document hash, least recently used out first, thread-safe.

    A presentation's unsecured document is the same for every challenge, so a fresh
    challenge only costs the canonical form of the small proof configuration.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> str:
        with self._lock:
            value = self._data[key]
            self._data.move_to_end(key)
            return value

    def __setitem__(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._data[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._data))

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


_CANON_CACHE = _BoundedCache(64)


# --- what goes in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A stored credential read for presenting: its VP entry, or why it cannot be one."""

    credential: Credential
    document: dict[str, Any] | None = None  # a JSON credential as issued
    token: str | None = None  # a JWT credential as issued
    reason: str = ""

    def vp_entry(self) -> dict[str, Any] | None:
        if self.document is not None:
            return self.document
        if self.token is not None:
            return {
                "@context": VC_V2,
                "id": f"data:{JWT_MEDIA_TYPE},{self.token}",
                "type": "EnvelopedVerifiableCredential",
            }
        return None


def is_presentable(credential: Credential) -> bool:
    """Whether the credential can go in a presentation at all (an OB 2.0 badge cannot)."""
    return not credential.format.startswith("ob2")


def read_entry(credential: Credential) -> Entry:
    """Read a credential's original bytes into what a presentation can carry."""
    if not is_presentable(credential):
        return Entry(
            credential,
            reason="An Open Badges 2.0 badge is not a verifiable credential; "
            "download it on its own.",
        )
    data = bytes(credential.original)
    try:
        # The original was accepted at import: only its own size bounds re-reading it.
        cap = len(data) + 1
        parsed = parse_input(data, limits=Limits(max_input_bytes=cap, max_svg_bytes=cap))
    except VerificationInputError:
        return Entry(credential, reason="Its original could not be read.")
    if parsed.token is not None:
        return Entry(credential, token=parsed.token)
    if isinstance(parsed.document, dict):
        return Entry(credential, document=parsed.document)
    return Entry(credential, reason="Its original holds no credential to present.")


def read_entries(credentials: Sequence[Credential]) -> list[Entry]:
    return [read_entry(credential) for credential in credentials]


# --- presentations ---------------------------------------------------------------------------


def unsigned_presentation(*, holder: str, entries: Sequence[Entry]) -> dict[str, Any]:
    """A W3C VC 2.0 presentation of the entries that are verifiable credentials."""
    return {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [e.vp_entry() for e in entries if e.vp_entry() is not None],
    }


def presentation_build(
    *,
    owner: Any,
    credentials: Sequence[Credential],
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> dict[str, Any]:
    """A presentation with an eddsa-rdfc-2022 proof (purpose authentication) by the holder.

    OB 2.0 badges are left out (they are not verifiable credentials).
    """
    key = holder_signing_key(user=owner)
    presentation = unsigned_presentation(holder=key.did, entries=read_entries(credentials))
    return sign(
        presentation,
        private_key=key.private_key,
        verification_method=key.verification_method,
        purpose="authentication",
        created=now,
        challenge=challenge,
        domain=domain,
        expires=expires,
        cache=_CANON_CACHE,
    )


def presentation_jwt(
    *,
    owner: Any,
    credentials: Sequence[Credential],
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> str:
    """The presentation secured as a JWT (VC-JOSE-COSE): the payload is the presentation.

    `iss` names the holder, `aud` the domain and `nonce` the challenge, as verifiers of
    JWT presentations expect; EdDSA, `kid` the holder's verification method.
    """
    key = holder_signing_key(user=owner)
    payload: dict[str, Any] = unsigned_presentation(
        holder=key.did, entries=read_entries(credentials)
    )
    payload |= {"iss": key.did, "aud": domain, "nonce": challenge, "iat": int(now.timestamp())}
    if expires is not None:
        payload["exp"] = int(expires.timestamp())
    return sign_jwt(payload, private_key=key.private_key, kid=key.verification_method, typ="vp+jwt")


# --- CLR bundles -----------------------------------------------------------------------------


@dataclass
class ClrBundle:
    document: dict[str, Any]
    included: list[Credential] = field(default_factory=list)
    excluded: list[tuple[Credential, str]] = field(default_factory=list)


def _clr_exclusion(entry: Entry) -> str:
    """Why a credential cannot sit inside a CLR as issued, or "" when it can."""
    credential = entry.credential
    if entry.reason:
        return entry.reason
    if entry.token is not None:
        return (
            "It is signed as a JWT, and a CLR can only carry credentials signed inside "
            "the JSON (Data Integrity)."
        )
    if credential.format == "clr2":
        return "A CLR cannot hold another CLR; add the credentials inside it instead."
    if credential.format != "ob3":
        return "Only Open Badges 3.0 achievement credentials can go in a CLR."
    contexts = (entry.document or {}).get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first != VC_V2:
        # JSON-LD refuses a VC 1.1 credential inside a VC 2.0 CLR (protected terms clash).
        return (
            "It uses the older VC 1.1 data model, which cannot be embedded in a CLR 2.0 "
            "bundle; share it in a presentation instead."
        )
    proofs = [p for p in proofs_of(entry.document or {}) if isinstance(p, dict)]
    if not any(p.get("type") in _DI_PROOF_TYPES for p in proofs):
        return "It carries no Data Integrity signature, so it would not verify inside a CLR."
    return ""


def _achievements(documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    for document in documents:
        subject = document.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(achievement, dict):
            continue
        key = str(achievement.get("id") or json.dumps(achievement, sort_keys=True))
        if key not in seen:
            seen.add(key)
            found.append(achievement)
    return found


def _holder_name(owner: Any) -> str:
    return (getattr(owner, "display_name", "") or "").strip() or "The learner"


def clr_bundle_build(
    *,
    owner: Any,
    credentials: Sequence[Credential],
    now: datetime,
    name: str | None = None,
) -> ClrBundle:
    """A learner-assembled CLR 2.0 (`partial: true`) signed by the holder's did:key.

    It carries the chosen OB 3.0 credentials exactly as issued; the others are listed in
    `excluded` with the reason. The holder's signature only attests who assembled it: every
    credential inside keeps its own issuer's signature.
    """
    key = holder_signing_key(user=owner)
    bundle = ClrBundle(document={})
    documents: list[dict[str, Any]] = []
    for entry in read_entries(credentials):
        reason = _clr_exclusion(entry)
        if reason:
            bundle.excluded.append((entry.credential, reason))
        else:
            bundle.included.append(entry.credential)
            documents.append(entry.document or {})
    holder_name = _holder_name(owner)
    when = format_datetime(now)
    clr: dict[str, Any] = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": key.did, "type": ["Profile"], "name": holder_name},
        "name": name or f"Learning record assembled by {holder_name}",
        "description": (
            f"Self-assembled by {holder_name} in Satchel on {now:%Y-%m-%d}. The learner's "
            "signature only says they put these credentials together; each credential inside "
            "is signed by its own issuer and verifies on its own."
        ),
        "partial": True,
        "validFrom": when,
        "credentialSubject": {
            "id": key.did,
            "type": ["ClrSubject"],
            "verifiableCredential": documents,
            "achievement": _achievements(documents),
        },
        "credentialSchema": [{"id": CLR_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    bundle.document = sign(
        clr,
        private_key=key.private_key,
        verification_method=key.verification_method,
        purpose="assertionMethod",
        created=now,
        cache=_CANON_CACHE,
    )
    return bundle


def clr_bundle_png(bundle: ClrBundle) -> bytes:
    """The bundle baked into a simple PNG (iTXt keyword `clrcredential`)."""
    size = 400
    image = Image.new("RGB", (size, size), (245, 247, 250))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((24, 24, size - 24, size - 24), radius=32, fill=(30, 90, 160))
    draw.rectangle((80, 120, size - 80, 136), fill=(255, 255, 255))
    draw.rectangle((80, 170, size - 120, 186), fill=(220, 232, 245))
    draw.rectangle((80, 220, size - 100, 236), fill=(220, 232, 245))
    draw.text((80, 270), "CLR", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    payload = json.dumps(bundle.document, ensure_ascii=False)
    return bake_png(buffer.getvalue(), payload, keyword="clrcredential")
