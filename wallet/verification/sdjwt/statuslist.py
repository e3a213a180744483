"""Token Status List (draft-ietf-oauth-status-list): the `status` claim of an SD-JWT VC.

`{"status": {"status_list": {"idx": 7, "uri": "https://..."}}}` points at a Status List
Token, a JWT (`typ` `statuslist+jwt`) whose `status_list` holds `bits` (1, 2, 4 or 8) per
credential in `lst`, a zlib-compressed byte array, base64url-encoded. Entry `idx` takes
`bits` bits counted from the least significant bit of each byte (§4.1, unlike the W3C
Bitstring Status List, which counts from the most significant). Values: 0 VALID, 1 INVALID
(revoked), 2 SUSPENDED, 3 application-specific (§7.1).

The list token must be signed by the credential's own issuer (the same Issuer Signature
Mechanism, sdjwt.issuer), name the list it is in its `sub`, and not have expired; otherwise
the status is unknown and the credential is not reported as verified, as for the other
bitstring lists (status.py).
"""

from __future__ import annotations

import binascii
import zlib
from datetime import UTC, datetime
from typing import Any

from .. import budget
from ..errors import VerificationInputError
from ..fetch import FetchError
from ..messages import Message
from ..options import VerifyOptions
from ..proofs import jose
from ..report import Check, Status, Verdict
from ..urls import is_web_url
from .issuer import verify_issuer_signature
from .wording import fail, ok, skip, warn

ACCEPT = "application/statuslist+jwt"
BITS = (1, 2, 4, 8)


def check_status(status: Any, *, issuer: Any, options: VerifyOptions) -> list[Check]:
    """The `status` checks of an SD-JWT VC's processed payload."""
    if status is None:
        return [skip("status", "status.none")]
    if not isinstance(status, dict):
        return [_malformed(Message("'status' is not an object"))]
    reference = status.get("status_list")
    if reference is None:
        return [warn("status", "status.type_unknown", f"status members {sorted(status)[:5]}")]
    if not isinstance(reference, dict):
        return [_malformed(Message("'status_list' is not an object"))]
    index, uri = reference.get("idx"), reference.get("uri")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        return [_malformed(Message("its index (idx) is not a non-negative whole number"))]
    if not is_web_url(uri):
        return [_malformed(Message("its list address (uri) is not a web address"))]
    return [_check_entry(index, str(uri), issuer, options)]


def _check_entry(index: int, uri: str, issuer: Any, options: VerifyOptions) -> Check:
    try:
        result = options.fetcher.fetch(uri, accept=ACCEPT)
    except FetchError as exc:
        return _unknown("status.unreachable", f"{uri}: {exc}")
    if not result.ok:
        return _unknown("status.unreachable", f"{uri}: HTTP {result.status}")
    try:
        jws = jose.decode_compact(result.body.decode("ascii", errors="replace").strip())
        payload = jws.payload_json()
    except VerificationInputError as exc:
        return _list_malformed(uri, Message("it is not a signed token"), str(exc))
    if not isinstance(payload, dict):
        return _list_malformed(uri, Message("its payload is not a JSON object"))
    if _media(jws.header.get("typ")) != "statuslist+jwt":
        return _list_malformed(
            uri, Message("it is not typed 'statuslist+jwt'"), repr(jws.header.get("typ"))
        )
    problem = _untrusted(verify_issuer_signature(jws, issuer, options=options), uri)
    if problem is not None:
        return problem
    if payload.get("sub") != uri:
        return fail(
            "status",
            "status.list_subject_mismatch",
            Verdict.MALFORMED,
            f"sub {payload.get('sub')!r} != {uri}",
        )
    expires = payload.get("exp")
    if isinstance(expires, int | float) and not isinstance(expires, bool):
        if expires <= options.now.timestamp():
            return _unknown("status.list_expired", f"exp {_show(expires)} ({uri})")
    return _read(payload.get("status_list"), index, uri, options)


def _read(status_list: Any, index: int, uri: str, options: VerifyOptions) -> Check:
    if not isinstance(status_list, dict):
        return _list_malformed(uri, Message("it has no status_list"))
    bits, encoded = status_list.get("bits"), status_list.get("lst")
    if bits not in BITS or isinstance(bits, bool) or not isinstance(encoded, str):
        return _list_malformed(uri, Message("its status_list needs bits (1, 2, 4 or 8) and lst"))
    try:
        compressed = jose.b64url_decode(encoded)
        data = _inflate(compressed, options.limits.max_status_list_bytes)
    except (VerificationInputError, binascii.Error, zlib.error) as exc:
        return _list_malformed(uri, Message("its lst is not compressed base64url data"), str(exc))
    except OverflowError:
        return fail("status", "status.list_too_large", Verdict.MALFORMED, uri)
    position = index * int(bits)
    if position + int(bits) > len(data) * 8:
        return fail(
            "status",
            "status.index_out_of_range",
            Verdict.MALFORMED,
            f"index {index} x {bits} bits beyond {len(data) * 8} bits ({uri})",
        )
    value = read_status(data, index, int(bits))
    where = f"index {index} of {uri} = {value:#x}"
    if value == 0:
        return ok("status", "status.clear", where)
    if value == 1:
        return fail("status", "status.revoked", Verdict.REVOKED, where)
    if value == 2:
        return fail("status", "status.suspended", Verdict.SUSPENDED, where)
    return warn("status", "status.application_specific", where, value=f"{value:#x}")


def read_status(data: bytes, index: int, bits: int) -> int:
    """Entry `index` of `bits` bits, counted from each byte's least significant bit (§4.1)."""
    position = index * bits
    return (data[position // 8] >> (position % 8)) & ((1 << bits) - 1)


def _inflate(compressed: bytes, max_bytes: int) -> bytes:
    budget.checkpoint()
    inflater = zlib.decompressobj()
    data = inflater.decompress(compressed, max_bytes + 1)
    if len(data) > max_bytes:
        raise OverflowError(f"more than {max_bytes} bytes after decompression")
    if not inflater.eof:
        raise zlib.error("the compressed data is cut short")
    return data


def _untrusted(checks: list[Check], uri: str) -> Check | None:
    bad = [c for c in checks if c.status is Status.FAIL]
    if not bad:
        return None
    implied = next((c.implies for c in bad if c.implies), Verdict.INVALID_SIGNATURE)
    reasons = "; ".join(f"{c.code}: {c.message}" for c in bad)
    return fail("status", "status.list_untrusted", implied, f"{uri}: {reasons}")


def _media(typ: Any) -> str:
    text = typ.lower() if isinstance(typ, str) else ""
    return text.removeprefix("application/")


def _show(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(seconds)


def _malformed(why: str) -> Check:
    return fail("status", "status.malformed", Verdict.MALFORMED, why=why)


def _list_malformed(uri: str, why: str, detail: str = "") -> Check:
    return fail(
        "status", "status.list_malformed", Verdict.MALFORMED, f"{uri} {detail}".strip(), why=why
    )


def _unknown(code: str, detail: str) -> Check:
    return fail("status", code, Verdict.ISSUER_UNREACHABLE, detail)
