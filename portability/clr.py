"""The learner-assembled CLR 2.0 bundle: the chosen Open Badges 3.0 credentials exactly as
issued, signed by the holder's did:key, as JSON or baked into a PNG."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.services import holder_signing_key
from sharing.presentations import CANON_CACHE, VC_V2, Entry, read_entries
from wallet.models import Credential, Format
from wallet.selectors import live_credentials, live_credentials_and_contents
from wallet.verification import Verdict
from wallet.verification.errors import VerificationInputError
from wallet.verification.parse.png import bake_png
from wallet.verification.proofs.dataintegrity import format_datetime, proofs_of, sign
from wallet.wording import verdict_phrase

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
# Defines 1EdTechJsonSchemaValidator2019, the type of the CLR's credentialSchema; without it
# the term would be dropped from the signed (canonical) form.
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# Only Data Integrity suites keep a credential verifiable when it is embedded as JSON.
_DI_PROOF_TYPES = frozenset({"DataIntegrityProof", "Ed25519Signature2020"})
# Verdicts an outside verifier of the bundle would reject the credential for: the learner's
# signature must not wrap them.
_REJECTED = frozenset(
    {Verdict.INVALID_SIGNATURE, Verdict.MALFORMED, Verdict.REVOKED, Verdict.SUSPENDED}
)


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
    if entry.token is not None or entry.sd_jwt is not None:
        return gettext(
            "It is signed as a JWT, and a CLR can only carry credentials signed inside "
            "the JSON (Data Integrity)."
        )
    if credential.is_clr:
        return gettext(
            "A CLR cannot hold another CLR; choose “Only the ones I tick” to pick the "
            "credentials inside it."
        )
    if credential.verdict in _REJECTED:
        return gettext(
            "Its check says “%(verdict)s”, so anyone checking your bundle would reject it."
        ) % {"verdict": verdict_phrase(credential.verdict)}
    if credential.format != "ob3":
        return gettext("Only Open Badges 3.0 achievement credentials can go in a CLR.")
    contexts = (entry.document or {}).get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first != VC_V2:
        # JSON-LD refuses a VC 1.1 credential inside a VC 2.0 CLR (protected terms clash).
        return gettext(
            "It uses the older VC 1.1 data model, which cannot be embedded in a CLR 2.0 "
            "bundle; share it in a presentation instead."
        )
    proofs = [p for p in proofs_of(entry.document or {}) if isinstance(p, dict)]
    if not any(p.get("type") in _DI_PROOF_TYPES for p in proofs):
        return gettext(
            "It carries no Data Integrity signature, so it would not verify inside a CLR."
        )
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


def _holder_name(owner: User) -> str:
    return (getattr(owner, "display_name", "") or "").strip() or "The learner"


def clr_bundle_build(
    *,
    owner: User,
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
        cache=CANON_CACHE,
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


# One signed document must stay within the verifier's limits (and be quick to sign and check):
# past this many Open Badges 3.0 credentials, the canonical form would exceed them.
MAX_BUNDLE_CREDENTIALS = 200


def too_many_for_a_bundle(credentials: Sequence[Credential]) -> bool:
    return sum(c.format == Format.OB3 for c in credentials) > MAX_BUNDLE_CREDENTIALS


def clr_bundle_for(
    *, owner: User, credential_ids: list[int] | None, now: datetime, name: str | None = None
) -> ClrBundle:
    """The learner-assembled CLR of the chosen live credentials (all when None).

    Raises ValidationError when a chosen credential is not the owner's, or there is none.
    """
    if credential_ids is None:
        live = live_credentials(owner=owner)
    else:
        live = live_credentials_and_contents(owner=owner).filter(pk__in=credential_ids)
    chosen = list(live.order_by(F("issued_at").desc(nulls_last=True), "-pk"))
    if credential_ids is not None and len(chosen) != len(set(credential_ids)):
        raise ValidationError(gettext("Some of the chosen credentials are not in your record."))
    if not chosen:
        raise ValidationError(gettext("Your record holds no credential to put in a bundle."))
    if too_many_for_a_bundle(chosen):
        raise ValidationError(
            gettext(
                "A CLR bundle holds at most %(max_bundle_credentials)s credentials: choose fewer."
            )
            % {"max_bundle_credentials": MAX_BUNDLE_CREDENTIALS}
        )
    try:
        return clr_bundle_build(owner=owner, credentials=chosen, now=now, name=name or None)
    except VerificationInputError as exc:
        raise ValidationError(
            gettext("These credentials are too many for one CLR bundle: choose fewer.")
        ) from exc


def clr_bundle_filename(now: datetime, extension: str) -> str:
    return f"clr-bundle-{now:%Y-%m-%d}.{extension}"
