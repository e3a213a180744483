"""Credentials read for presenting: what a presentation of stored credentials carries.

Issuer-signed credentials go in exactly as issued: each is read from its stored original
bytes (a JSON object as decoded, a JWT as its token, an SD-JWT as its compact form, a baked
image's payload) and never edited or re-signed. A JWT or an SD-JWT goes into a W3C
presentation as an `EnvelopedVerifiableCredential` (VC Data Model 2.0, "Enveloped
Verifiable Credentials"): a `data:` URL of the token, typed with the most specific media
type there is (VC-JOSE-COSE, "Securing the VC Data Model"): `application/vc+jwt`,
`application/dc+sd-jwt` for an SD-JWT VC (the IETF's credentials with a `vct`), and
`application/vc+sd-jwt` for a W3C credential secured as an SD-JWT. Sharing, portability and
the protocols that answer a verifier's query read them here; the holder's signature is
`accounts.signing`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wallet.models import Credential, Format
from wallet.verification.errors import VerificationInputError
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input

VC_V2 = "https://www.w3.org/ns/credentials/v2"
JWT_MEDIA_TYPE = "application/vc+jwt"
SD_JWT_VC_MEDIA_TYPE = "application/dc+sd-jwt"
VC_SD_JWT_MEDIA_TYPE = "application/vc+sd-jwt"


@dataclass(frozen=True)
class Entry:
    """A stored credential read for presenting: its VP entry, or why it cannot be one."""

    credential: Credential
    document: dict[str, Any] | None = None  # a JSON credential as issued
    token: str | None = None  # a JWT credential as issued
    # An SD-JWT as stored (or in the disclosed form a share chose), perhaps key-bound since.
    sd_jwt: str | None = None
    sd_jwt_media: str = SD_JWT_VC_MEDIA_TYPE
    reason: str = ""

    def vp_entry(self) -> dict[str, Any] | None:
        if self.document is not None:
            return self.document
        if self.token is not None:
            return enveloped(JWT_MEDIA_TYPE, self.token)
        if self.sd_jwt is not None:
            return enveloped(self.sd_jwt_media, self.sd_jwt)
        return None


def enveloped(media_type: str, token: str) -> dict[str, Any]:
    """VC Data Model 2.0: a secured credential carried in a `data:` URL. A JWT's and an
    SD-JWT's characters (base64url, '.', '~') are all URL-safe, so the token goes in as is."""
    return {
        "@context": VC_V2,
        "id": f"data:{media_type},{token}",
        "type": "EnvelopedVerifiableCredential",
    }


def is_presentable(credential: Credential) -> bool:
    """Whether the credential can go in a presentation at all (an OB 2.0 badge cannot)."""
    return not credential.is_open_badge_2


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
    if parsed.sd_jwt is not None:
        # An SD-JWT VC has a `vct` and reads as format "sd-jwt-vc"; any other SD-JWT here is a
        # W3C credential secured as one (VC-JOSE-COSE §3.2).
        sd_jwt_vc = credential.format == Format.SD_JWT_VC
        media = SD_JWT_VC_MEDIA_TYPE if sd_jwt_vc else VC_SD_JWT_MEDIA_TYPE
        return Entry(credential, sd_jwt=parsed.sd_jwt, sd_jwt_media=media)
    if isinstance(parsed.document, dict):
        return Entry(credential, document=parsed.document)
    return Entry(credential, reason="Its original holds no credential to present.")


def read_entries(credentials: Sequence[Credential]) -> list[Entry]:
    return [read_entry(credential) for credential in credentials]


def unsigned_presentation(
    *, holder: str, entries: Sequence[Entry], context: Sequence[str] = (VC_V2,)
) -> dict[str, Any]:
    """A W3C presentation of the entries that are verifiable credentials (VC 2.0 unless
    another `context` is asked for)."""
    return {
        "@context": list(context),
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [e.vp_entry() for e in entries if e.vp_entry() is not None],
    }
