"""Credentials the test issuer does not make ready-made: chosen ids and dates, re-signed."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from typing import Any

from tests.support.issuer import (
    CLR_CONTEXT,
    ISSUED,
    OB_CONTEXT,
    STATUS_LIST_URL,
    VC_V2,
    TestIssuer,
    _b64url,
    _stamp,
)


def signed_ob3(
    issuer: TestIssuer,
    *,
    credential_id: str | None = None,
    valid_from: datetime = ISSUED,
    name: str = "Test Achievement",
    **extra: Any,
) -> dict[str, Any]:
    """An OB 3.0 credential signed by the issuer, with the id, date and name given."""
    body = issuer.achievement_credential(issuer.ed.did)
    if credential_id is not None:
        body["id"] = credential_id
    body["validFrom"] = _stamp(valid_from)
    body["name"] = name
    body["credentialSubject"]["achievement"]["name"] = name
    body.update(extra)
    return issuer._di_sign(body, issuer.ed)


def as_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


def serve_status_list(issuer: TestIssuer, *, revoked: tuple[int, ...]) -> None:
    """Replace the issuer's status list with one revoking exactly `revoked` indexes."""
    bits = bytearray(131_072 // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    status_list = {
        "@context": [VC_V2],
        "id": STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.ed.did,
        "validFrom": _stamp(ISSUED - timedelta(days=30)),
        "credentialSubject": {
            "id": f"{STATUS_LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + _b64url(gzip.compress(bytes(bits), mtime=0)),
        },
    }
    issuer.fetcher.add(STATUS_LIST_URL, json.dumps(issuer._di_sign(status_list, issuer.ed)))


def signed_clr(issuer: TestIssuer, inner: list[dict[str, Any] | str]) -> dict[str, Any]:
    """A CLR 2.0 signed by the issuer whose credentials may include VC-JWT strings."""
    achievements = [c["credentialSubject"]["achievement"] for c in inner if isinstance(c, dict)]
    clr: dict[str, Any] = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:00000000-0000-4000-8000-00000000c1a2",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": issuer.ed.did, "type": ["Profile"], "name": "Test Issuer"},
        "name": "Test Transcript",
        "validFrom": _stamp(ISSUED),
        "credentialSubject": {
            "id": issuer.earner_did,
            "type": ["ClrSubject"],
            "verifiableCredential": inner,
            "achievement": achievements,
        },
    }
    return issuer._di_sign(clr, issuer.ed)
