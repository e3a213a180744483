"""ecdsa-sd-2023: selective disclosure with ECDSA (W3C VC Data Integrity ECDSA Cryptosuites §3.5).

An issuer signs a base proof: the mandatory statements (N-Quads chosen by JSON pointers)
under its own key, every other statement under a one-time P-256 key, and it hands the holder
the HMAC key that hides blank node labels. The holder derives a disclosed credential with no
key of the issuer's: the statements it reveals keep their one-time signatures, the rest are
dropped. A verifier checks either form.

What the app uses: `is_base_proof` (may this credential be disclosed selectively?),
`mandatory_pointers` (what is always revealed), `disclosable_pointers` (what the holder may
choose among) and `derive` (the disclosed credential). `sign_base` issues a base proof (tests,
and any future issuing). The verifier calls `verify`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from pyld import jsonld

from .. import budget, canon
from ..contexts import document_loader
from ..errors import MalformedInput
from ..limits import Limits
from ..messages import N_, Message
from ..multiformats import P256_PUB, P384_PUB, multicodec_unwrap, multicodec_wrap

CRYPTOSUITE = "ecdsa-sd-2023"
BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
_SKOLEM_PREFIX = "urn:custom-scheme:"
_SKOLEM_IRI = re.compile(r"^<urn:custom-scheme:([^>]+)>$")
# A proof value is bounded by the input cap; these bound what one may claim inside it.
MAX_POINTERS = 1000
MAX_POINTER_DEPTH = 64

Quad = tuple[str, str, str, str]
EcPrivateKey = ec.EllipticCurvePrivateKey
EcPublicKey = ec.EllipticCurvePublicKey


class SelectiveDisclosureError(MalformedInput):
    """A base or derived proof that cannot be read, or a disclosure that cannot be made."""

    code = "proof.sd_invalid"


@dataclass(frozen=True)
class BaseProof:
    signature: bytes
    public_key: bytes  # the one-time key, as multikey bytes (0x8024 + compressed point)
    hmac_key: bytes
    signatures: tuple[bytes, ...]
    mandatory_pointers: tuple[str, ...]


@dataclass(frozen=True)
class DerivedProof:
    signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]  # canonical label (c14nN) -> HMAC label (u…)
    mandatory_indexes: tuple[int, ...]


# ------------------------------------------------------------------------------ proof values


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise SelectiveDisclosureError(N_("The proof value is not base64url."))
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SelectiveDisclosureError(N_("The proof value is not base64url.")) from exc


def _proof_bytes(proof_value: Any) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise SelectiveDisclosureError(
            N_("The selective disclosure proof value is missing or not multibase base64url.")
        )
    return _unb64url(proof_value[1:])


def _cbor(data: bytes) -> Any:
    try:
        return cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        raise SelectiveDisclosureError(
            N_("The selective disclosure proof value is not valid CBOR."), detail=str(exc)[:200]
        ) from exc


def _byte_list(value: Any, what: str) -> tuple[bytes, ...]:
    if not isinstance(value, list) or not all(isinstance(v, bytes) for v in value):
        raise SelectiveDisclosureError(
            Message("The proof's %(what)s are not a list of byte strings.", what=what)
        )
    return tuple(value)


def proof_kind(proof_value: Any) -> str | None:
    """ "base", "derived" or None (not an ecdsa-sd-2023 proof value)."""
    try:
        data = _proof_bytes(proof_value)
    except SelectiveDisclosureError:
        return None
    return {BASE_HEADER: "base", DERIVED_HEADER: "derived"}.get(data[:3])


def parse_base(proof_value: Any) -> BaseProof:
    data = _proof_bytes(proof_value)
    if data[:3] != BASE_HEADER:
        raise SelectiveDisclosureError(N_("The proof value is not an ecdsa-sd-2023 base proof."))
    parts = _cbor(data[3:])
    if not isinstance(parts, list) or len(parts) != 5:
        raise SelectiveDisclosureError(N_("The base proof value does not have its five parts."))
    signature, public_key, hmac_key, signatures, pointers = parts
    if not all(isinstance(v, bytes) for v in (signature, public_key, hmac_key)):
        raise SelectiveDisclosureError(
            N_("The base proof value's keys or signature are not bytes.")
        )
    if len(hmac_key) != 32:
        raise SelectiveDisclosureError(N_("The base proof's HMAC key is not 32 bytes."))
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise SelectiveDisclosureError(N_("The base proof's mandatory pointers are not text."))
    if len(pointers) > MAX_POINTERS:
        raise SelectiveDisclosureError(N_("The base proof names too many mandatory pointers."))
    return BaseProof(
        signature, public_key, hmac_key, _byte_list(signatures, "signatures"), tuple(pointers)
    )


def parse_derived(proof_value: Any) -> DerivedProof:
    data = _proof_bytes(proof_value)
    if data[:3] != DERIVED_HEADER:
        raise SelectiveDisclosureError(N_("The proof value is not an ecdsa-sd-2023 derived proof."))
    parts = _cbor(data[3:])
    if not isinstance(parts, list) or len(parts) != 5:
        raise SelectiveDisclosureError(N_("The derived proof value does not have its five parts."))
    signature, public_key, signatures, compressed, indexes = parts
    if not isinstance(signature, bytes) or not isinstance(public_key, bytes):
        raise SelectiveDisclosureError(N_("The derived proof's key or signature are not bytes."))
    if not isinstance(compressed, dict) or not all(
        isinstance(k, int) and not isinstance(k, bool) and k >= 0 and isinstance(v, bytes)
        for k, v in compressed.items()
    ):
        raise SelectiveDisclosureError(N_("The derived proof's label map is malformed."))
    if not isinstance(indexes, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in indexes
    ):
        raise SelectiveDisclosureError(N_("The derived proof's mandatory indexes are malformed."))
    label_map = {f"c14n{k}": "u" + _b64url(v) for k, v in compressed.items()}
    return DerivedProof(
        signature,
        public_key,
        _byte_list(signatures, "signatures"),
        label_map,
        tuple(indexes),
    )


def serialize_base(proof: BaseProof) -> str:
    parts = [
        proof.signature,
        proof.public_key,
        proof.hmac_key,
        list(proof.signatures),
        list(proof.mandatory_pointers),
    ]
    return "u" + _b64url(BASE_HEADER + cbor2.dumps(parts))


def serialize_derived(proof: DerivedProof) -> str:
    compressed = {
        int(label[len("c14n") :]): _unb64url(value[1:])
        for label, value in sorted(proof.label_map.items(), key=lambda kv: int(kv[0][4:]))
    }
    parts = [
        proof.signature,
        proof.public_key,
        list(proof.signatures),
        compressed,
        list(proof.mandatory_indexes),
    ]
    return "u" + _b64url(DERIVED_HEADER + cbor2.dumps(parts))


# ------------------------------------------------------------------------------ signatures


def _hash_name(key: EcPublicKey | EcPrivateKey) -> str:
    return "sha384" if key.curve.name == "secp384r1" else "sha256"


def _hasher(key: EcPublicKey | EcPrivateKey) -> hashes.HashAlgorithm:
    return hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()


def _raw_sign(key: EcPrivateKey, data: bytes, *, deterministic: bool) -> bytes:
    size = (key.curve.key_size + 7) // 8
    der = key.sign(data, ec.ECDSA(_hasher(key), deterministic_signing=deterministic))
    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _raw_verify(key: EcPublicKey, signature: bytes, data: bytes) -> bool:
    size = (key.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    )
    try:
        key.verify(der, data, ec.ECDSA(_hasher(key)))
    except InvalidSignature:
        return False
    return True


def _one_time_key(multikey: bytes) -> EcPublicKey:
    """The proof's one-time key: a P-256 key in multikey bytes."""
    try:
        codec, point = multicodec_unwrap(multikey, (P256_PUB, P384_PUB))
        curve: ec.EllipticCurve = ec.SECP256R1() if codec is P256_PUB else ec.SECP384R1()
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except (MalformedInput, ValueError) as exc:
        raise SelectiveDisclosureError(
            N_("The proof's one-time public key is not a valid P-256 key.")
        ) from exc


def _multikey_bytes(key: EcPublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return multicodec_wrap(P384_PUB if key.curve.name == "secp384r1" else P256_PUB, point)


# ------------------------------------------------------------------------------ JSON pointers


def parse_pointer(pointer: str) -> list[str]:
    """RFC 6901 pointer -> its reference tokens."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise SelectiveDisclosureError(
            Message("'%(pointer)s' is not a JSON pointer.", pointer=pointer)
        )
    tokens = pointer.split("/")[1:]
    if len(tokens) > MAX_POINTER_DEPTH:
        raise SelectiveDisclosureError(N_("A JSON pointer is nested too deeply."))
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _step(value: Any, token: str, pointer: str) -> Any:
    if isinstance(value, dict):
        if token in value:
            return value[token]
    elif isinstance(value, list) and re.fullmatch(r"0|[1-9][0-9]*", token):
        index = int(token)
        if index < len(value):
            return value[index]
    raise SelectiveDisclosureError(
        Message(
            "The JSON pointer %(pointer)s does not match anything in the credential.",
            pointer=pointer,
        )
    )


class _Sparse(dict[int, Any]):
    """An array of a selection being built: indexes kept, holes dropped at the end."""


def _initial_selection(value: dict[str, Any]) -> dict[str, Any]:
    selection: dict[str, Any] = {}
    node_id = value.get("id")
    if isinstance(node_id, str) and not node_id.startswith("_:"):
        selection["id"] = node_id
    if "type" in value:
        selection["type"] = value["type"]
    return selection


def _select_path(
    document: dict[str, Any], pointer: str, selection: dict[str, Any], *, compacted: bool
) -> None:
    tokens = parse_pointer(pointer)
    if not tokens:
        raise SelectiveDisclosureError(
            N_("The empty JSON pointer would select the whole credential.")
        )
    value: Any = document
    selected_parent: Any = selection
    selected: Any = selection
    key: Any = None
    for token in tokens:
        if token == "0" and not isinstance(value, list) and compacted:  # noqa: S105
            # JSON-LD compaction writes a one-element array as its element: /type/0 is /type.
            continue
        selected_parent = selected
        parent = value
        value = _step(parent, token, pointer)
        key = int(token) if isinstance(parent, list) else token
        selected = selected_parent.get(key)
        if isinstance(selected, list):  # a `type` array copied whole by an initial selection
            selected = selected_parent[key] = _Sparse(enumerate(selected))
        if selected is None:
            selected = _Sparse() if isinstance(value, list) else _initial(value)
            selected_parent[key] = selected
    if isinstance(value, dict):
        selected = {**(selected if isinstance(selected, dict) else {}), **copy.deepcopy(value)}
    else:
        selected = copy.deepcopy(value)
    selected_parent[key] = selected


def _initial(value: Any) -> Any:
    return _initial_selection(value) if isinstance(value, dict) else None


def _settle(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_settle(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {k: _settle(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_settle(v) for v in value]
    return value


def select(
    document: dict[str, Any], pointers: Sequence[str], *, compacted: bool = False
) -> dict[str, Any] | None:
    """The part of `document` the JSON pointers select, with its @context (DI-ECDSA §3.4.x
    selectJsonLd): objects on the way keep their `id` and `type`, arrays their order.

    `compacted`: `document` is the JSON-LD compaction of the one the pointers were written
    for, where a one-element array may have become its element."""
    if not pointers:
        return None
    selection: dict[str, Any] = {}
    if "@context" in document:
        selection["@context"] = copy.deepcopy(document["@context"])
    selection.update(_initial_selection(document))
    for pointer in pointers:
        budget.tick()
        _select_path(document, pointer, selection, compacted=compacted)
    return cast(dict[str, Any], _settle(selection))


def disclosable_pointers(credential: dict[str, Any]) -> list[str]:
    """JSON pointers to every value a holder could choose to reveal (leaves and array
    entries), in document order, the proof and @context aside. The mandatory ones are
    revealed whatever the holder picks."""
    found: list[str] = []

    def walk(value: Any, pointer: str) -> None:
        budget.tick()
        if isinstance(value, dict):
            for key, item in value.items():
                if pointer == "" and key in ("@context", "proof"):
                    continue
                escaped = key.replace("~", "~0").replace("/", "~1")
                walk(item, f"{pointer}/{escaped}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{pointer}/{index}")
        else:
            found.append(pointer)

    walk(credential, "")
    return found


# ------------------------------------------------------------------------------ canonical groups


def _skolemize(expanded: Any, counter: list[int], salt: str) -> Any:
    """Give every node object an id (urn:custom-scheme:…), so selections keep their nodes'
    identity; existing blank node ids are kept under the same scheme."""
    if isinstance(expanded, list):
        return [_skolemize(item, counter, salt) for item in expanded]
    if not isinstance(expanded, dict) or "@value" in expanded:
        return expanded
    budget.tick()
    node = {key: _skolemize(value, counter, salt) for key, value in expanded.items()}
    if "@list" in node or "@set" in node:
        return node
    node_id = node.get("@id")
    if node_id is None:
        node["@id"] = f"{_SKOLEM_PREFIX}_{salt}_{counter[0]}"
        counter[0] += 1
    elif isinstance(node_id, str) and node_id.startswith("_:"):
        node["@id"] = _SKOLEM_PREFIX + node_id[2:]
    return node


def _deskolemized_quads(expanded: list[Any]) -> set[Quad]:
    def term(value: str) -> str:
        match = _SKOLEM_IRI.match(value)
        return f"_:{match.group(1)}" if match else value

    return {(term(s), p, term(o), term(g) if g else g) for s, p, o, g in canon.quads_of(expanded)}


def _compact(expanded: list[Any], context: Any) -> dict[str, Any]:
    options = {"documentLoader": document_loader, "base": None}
    try:
        return cast(dict[str, Any], jsonld.compact(expanded, {"@context": context}, options))
    except Exception as exc:  # pyld raises its own hierarchy on what it cannot compact
        raise SelectiveDisclosureError(
            N_("The credential could not be prepared for selective disclosure."),
            detail=str(exc)[:200],
        ) from exc


@dataclass
class _Groups:
    lines: list[str]  # the canonical N-Quads, relabelled, sorted
    labels: dict[str, str]  # input blank node -> HMAC label
    matching: dict[str, dict[int, str]]  # group -> index -> line
    selections: dict[str, set[Quad]]


def _hmac_labeller(key: bytes) -> Callable[[dict[str, str]], dict[str, str]]:
    def relabel(canonical: dict[str, str]) -> dict[str, str]:
        return {
            old: "u" + _b64url(hmac.new(key, new.encode(), hashlib.sha256).digest())
            for old, new in canonical.items()
        }

    return relabel


def _relabelled(quads: Iterable[Quad], labels: dict[str, str]) -> list[str]:
    def rename(label: str) -> str:
        try:
            return "_:" + labels[label]
        except KeyError:
            raise SelectiveDisclosureError(
                N_("A blank node of the credential has no label in the proof.")
            ) from None

    return [canon.quad_line(quad, rename) for quad in budget.ticking(quads)]


def _canonicalize_and_group(
    document: dict[str, Any],
    labeller: Callable[[dict[str, str]], dict[str, str]],
    groups: dict[str, Sequence[str]],
    limits: Limits,
) -> _Groups:
    expanded = canon.expand(document)
    skolemized = _skolemize(expanded, [0], secrets.token_hex(8))
    compact = _compact(skolemized, document.get("@context"))
    quads = _deskolemized_quads(skolemized)
    labels = labeller(canon.canonical_labels(quads, limits=limits))
    lines = sorted(_relabelled(quads, labels))
    matching: dict[str, dict[int, str]] = {}
    selections: dict[str, set[Quad]] = {}
    for name, pointers in groups.items():
        selection = select(compact, pointers, compacted=True)
        selected = _deskolemized_quads(canon.expand(selection)) if selection else set()
        selections[name] = selected
        wanted = set(_relabelled(selected, labels))
        matching[name] = {i: line for i, line in enumerate(lines) if line in wanted}
    return _Groups(lines, labels, matching, selections)


def _proof_config(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return config


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _digest(name: str, text: str) -> bytes:
    return hashlib.new(name, text.encode("utf-8")).digest()


# ------------------------------------------------------------------------------ issuing


def sign_base(
    document: dict[str, Any],
    *,
    private_key: EcPrivateKey,
    proof: dict[str, Any],
    mandatory_pointers: Sequence[str],
    hmac_key: bytes | None = None,
    one_time_key: EcPrivateKey | None = None,
    deterministic: bool = False,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """`document` with an ecdsa-sd-2023 base proof. `proof` holds the proof options (type,
    cryptosuite, created, verificationMethod, proofPurpose); `hmac_key` and `one_time_key`
    are random unless given (test vectors give them), and `deterministic` signs per RFC 6979."""
    limits = limits or Limits()
    hmac_key = hmac_key if hmac_key is not None else secrets.token_bytes(32)
    one_time_key = one_time_key or ec.generate_private_key(ec.SECP256R1())
    unsecured = _unsecured(document)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    name = _hash_name(private_key)
    proof_hash = _digest(name, canon.canonize(_proof_config(unsecured, options), limits=limits))
    grouped = _canonicalize_and_group(
        unsecured, _hmac_labeller(hmac_key), {"mandatory": mandatory_pointers}, limits
    )
    mandatory = grouped.matching["mandatory"]
    non_mandatory = [line for i, line in enumerate(grouped.lines) if i not in mandatory]
    mandatory_hash = _digest(name, "".join(mandatory[i] for i in sorted(mandatory)))
    signatures = tuple(
        _raw_sign(one_time_key, line.encode(), deterministic=deterministic)
        for line in non_mandatory
    )
    public_key = _multikey_bytes(one_time_key.public_key())
    signature = _raw_sign(
        private_key, proof_hash + public_key + mandatory_hash, deterministic=deterministic
    )
    value = serialize_base(
        BaseProof(signature, public_key, hmac_key, signatures, tuple(mandatory_pointers))
    )
    return {**unsecured, "proof": {**options, "proofValue": value}}


# ------------------------------------------------------------------------------ the holder


def _sd_proof(credential: dict[str, Any]) -> dict[str, Any]:
    proofs = credential.get("proof")
    candidates = proofs if isinstance(proofs, list) else [proofs]
    for proof in candidates:
        if isinstance(proof, dict) and proof.get("cryptosuite") == CRYPTOSUITE:
            return proof
    raise SelectiveDisclosureError(N_("The credential has no ecdsa-sd-2023 proof."))


def is_base_proof(credential: Any) -> bool:
    """Whether `credential` carries an ecdsa-sd-2023 base proof, which its holder may
    disclose selectively."""
    if not isinstance(credential, dict):
        return False
    try:
        proof = _sd_proof(credential)
    except SelectiveDisclosureError:
        return False
    return proof_kind(proof.get("proofValue")) == "base"


def mandatory_pointers(credential: dict[str, Any]) -> tuple[str, ...]:
    """The JSON pointers the issuer made mandatory: revealed in every disclosure."""
    return parse_base(_sd_proof(credential).get("proofValue")).mandatory_pointers


def derive(
    credential: dict[str, Any], *, reveal: Sequence[str], limits: Limits | None = None
) -> dict[str, Any]:
    """The disclosed credential: what the mandatory pointers and `reveal` select, with a
    derived proof any ecdsa-sd-2023 verifier accepts (DI-ECDSA §3.5.5 createDisclosureData).

    Needs no key: the base proof carries the one-time signatures and the HMAC key. Raises
    SelectiveDisclosureError when the credential has no base proof or a pointer matches nothing.
    """
    limits = limits or Limits()
    proof = _sd_proof(credential)
    base = parse_base(proof.get("proofValue"))
    selective = list(reveal)
    if len(selective) > MAX_POINTERS:
        raise SelectiveDisclosureError(N_("Too many claims were chosen to disclose."))
    document = _unsecured(credential)
    combined = [*base.mandatory_pointers, *selective]
    grouped = _canonicalize_and_group(
        document,
        _hmac_labeller(base.hmac_key),
        {"mandatory": base.mandatory_pointers, "selective": selective, "combined": combined},
        limits,
    )
    mandatory = grouped.matching["mandatory"]
    selected = grouped.matching["selective"]
    mandatory_indexes = tuple(
        relative
        for relative, absolute in enumerate(sorted(grouped.matching["combined"]))
        if absolute in mandatory
    )
    non_mandatory = [i for i in range(len(grouped.lines)) if i not in mandatory]
    if len(non_mandatory) != len(base.signatures):
        raise SelectiveDisclosureError(
            N_("The base proof does not hold one signature for each statement of the credential.")
        )
    signatures = tuple(
        signature
        for index, signature in zip(non_mandatory, base.signatures, strict=True)
        if index in selected
    )
    reveal_document = select(document, combined) or {}
    canonical = canon.canonical_labels(grouped.selections["combined"], limits=limits)
    label_map = {c14n: grouped.labels[label] for label, c14n in canonical.items()}
    derived = DerivedProof(
        base.signature, base.public_key, signatures, label_map, mandatory_indexes
    )
    reveal_document["proof"] = {**proof, "proofValue": serialize_derived(derived)}
    return reveal_document


# ------------------------------------------------------------------------------ verifying


def verify(
    document: dict[str, Any],
    proof: dict[str, Any],
    issuer_key: EcPublicKey,
    *,
    limits: Limits | None = None,
    cache: Any = None,
) -> bool:
    """Whether `proof` (a base or a derived ecdsa-sd-2023 proof) verifies with `issuer_key`.

    Raises SelectiveDisclosureError when the proof value cannot be read."""
    limits = limits or Limits()
    unsecured = _unsecured(document)
    name = _hash_name(issuer_key)
    proof_hash = _digest(name, canon.canonize(_proof_config(unsecured, proof), cache=cache))
    value = proof.get("proofValue")
    if proof_kind(value) == "base":
        base = parse_base(value)
        grouped = _canonicalize_and_group(
            unsecured,
            _hmac_labeller(base.hmac_key),
            {"mandatory": base.mandatory_pointers},
            limits,
        )
        mandatory = grouped.matching["mandatory"]
        mandatory_lines = [mandatory[i] for i in sorted(mandatory)]
        others = [line for i, line in enumerate(grouped.lines) if i not in mandatory]
        signature, public_key, signatures = base.signature, base.public_key, base.signatures
    else:
        derived = parse_derived(value)
        quads = canon.quads_of(canon.expand(unsecured))
        canonical = canon.canonical_labels(quads, limits=limits)
        labels = {}
        for label, c14n in canonical.items():
            if c14n not in derived.label_map:
                return False
            labels[label] = derived.label_map[c14n]
        lines = sorted(_relabelled(quads, labels))
        wanted = set(derived.mandatory_indexes)
        if any(i >= len(lines) for i in wanted):
            return False
        mandatory_lines = [line for i, line in enumerate(lines) if i in wanted]
        others = [line for i, line in enumerate(lines) if i not in wanted]
        signature, public_key, signatures = (
            derived.signature,
            derived.public_key,
            derived.signatures,
        )
    if len(signatures) != len(others):
        return False
    mandatory_hash = _digest(name, "".join(mandatory_lines))
    if not _raw_verify(issuer_key, signature, proof_hash + public_key + mandatory_hash):
        return False
    one_time = _one_time_key(public_key)
    for line, line_signature in zip(others, signatures, strict=True):
        budget.tick()
        if not _raw_verify(one_time, line_signature, line.encode()):
            return False
    return True


__all__ = [
    "CRYPTOSUITE",
    "BaseProof",
    "DerivedProof",
    "SelectiveDisclosureError",
    "derive",
    "disclosable_pointers",
    "is_base_proof",
    "mandatory_pointers",
    "parse_base",
    "parse_derived",
    "proof_kind",
    "select",
    "sign_base",
    "verify",
]
