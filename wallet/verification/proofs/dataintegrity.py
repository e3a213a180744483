"""Data Integrity proofs: eddsa-rdfc-2022 (+ legacy eddsa-2022, Ed25519Signature2020),
eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019 and ecdsa-sd-2023 (`ecdsa_sd`), verified and
created per VC-DI-EDDSA §3 / VC-DI-ECDSA §3; and the older Linked Data Signatures with a
detached JWS, RsaSignature2018 and JsonWebSignature2020 (`ldsig`), verified.

hashData = H(canon(proof config)) || H(canon(document without proof)); every proof of a proof
set is checked on its own, and a chained proof (`previousProof`) signs the document together
with the proofs it names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .. import budget, canon, urls
from ..errors import VerificationInputError
from ..keys import KeyResolutionError, UnsupportedKey, VerificationMethod
from ..keys import resolve_verification_method as _resolve
from ..keys.binding import binding_check, key_failure
from ..messages import N_, Message, message_of
from ..multiformats import multibase_decode, multibase_encode
from ..options import VerifyOptions
from ..report import Check, Verdict, failed, passed, warning
from . import ecdsa_sd, jcs, ldsig


@dataclass(frozen=True)
class Suite:
    proof_type: str
    cryptosuite: str | None
    algorithm: str  # "eddsa" | "ecdsa"

    @property
    def name(self) -> str:
        return self.cryptosuite or self.proof_type

    @property
    def key_kind(self) -> str:
        return {
            "eddsa": "an Ed25519 key",
            "ecdsa": "a P-256 or P-384 key",
            "rsa": "an RSA key",
            "jws": "an Ed25519, P-256, P-384 or RSA key",
        }[self.algorithm]

    def accepts(self, key: Any) -> bool:
        ecdsa = isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _ECDSA_CURVES
        if self.algorithm == "eddsa":
            return isinstance(key, ed25519.Ed25519PublicKey)
        if self.algorithm == "rsa":
            return isinstance(key, rsa.RSAPublicKey)
        if self.algorithm == "jws":
            return ecdsa or isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey)
        return ecdsa


SUITES: dict[tuple[str, str | None], Suite] = {
    ("DataIntegrityProof", "eddsa-rdfc-2022"): Suite(
        "DataIntegrityProof", "eddsa-rdfc-2022", "eddsa"
    ),
    # The cryptosuite's name before the REC; 1EdTech's validator still accepts it.
    ("DataIntegrityProof", "eddsa-2022"): Suite("DataIntegrityProof", "eddsa-2022", "eddsa"),
    ("Ed25519Signature2020", None): Suite("Ed25519Signature2020", None, "eddsa"),
    ("DataIntegrityProof", "eddsa-jcs-2022"): Suite(
        "DataIntegrityProof", "eddsa-jcs-2022", "eddsa"
    ),
    ("DataIntegrityProof", "ecdsa-rdfc-2019"): Suite(
        "DataIntegrityProof", "ecdsa-rdfc-2019", "ecdsa"
    ),
    ("DataIntegrityProof", "ecdsa-jcs-2019"): Suite(
        "DataIntegrityProof", "ecdsa-jcs-2019", "ecdsa"
    ),
    # Selective disclosure: base proofs as issued and derived ones as a holder shares them.
    ("DataIntegrityProof", "ecdsa-sd-2023"): Suite("DataIntegrityProof", "ecdsa-sd-2023", "ecdsa"),
    # Linked Data Signatures with a detached JWS, still issued by older platforms.
    ("RsaSignature2018", None): Suite("RsaSignature2018", None, "rsa"),
    ("JsonWebSignature2020", None): Suite("JsonWebSignature2020", None, "jws"),
}

JCS_SUITES = frozenset({"eddsa-jcs-2022", "ecdsa-jcs-2019"})

_ECDSA_CURVES = frozenset({"secp256r1", "secp384r1"})
_KEY_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384"}

# Each proof costs a key lookup and a canonicalization; real proof sets hold a handful.
MAX_PROOFS = 16

_XSD_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


class ProofError(VerificationInputError):
    """A proof that cannot be checked; carries the verdict the failed check implies."""

    def __init__(self, message: str, *, code: str, implies: Verdict, detail: str = "") -> None:
        super().__init__(message, code=code, detail=detail)
        self.implies = implies


def parse_datetime(value: Any) -> datetime | None:
    """An XSD dateTime -> aware datetime (UTC when no offset is given); None when invalid."""
    if not isinstance(value, str) or not _XSD_DATETIME.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("proof times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


# ---------------------------------------------------------------------------------- hashing


def _digest(suite: Suite, key: Any) -> Any:
    if suite.algorithm == "ecdsa" and isinstance(
        key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey
    ):
        return hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()
    return hashes.SHA256()


def _hash(data: str, algorithm: Any) -> bytes:
    return hashlib.new(algorithm.name, data.encode()).digest()


def _previous_proofs(document: dict[str, Any], proof: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = proof.get("previousProof")
    if wanted is None:
        return []
    ids = wanted if isinstance(wanted, list) else [wanted]
    others = [p for p in proofs_of(document) if isinstance(p, dict) and p is not proof]
    found = [p for i in ids for p in others if p.get("id") == i]
    if len(found) != len(ids):
        raise ProofError(
            N_("A chained proof names an earlier proof that is not in the document."),
            code="proof.previous_proof_missing",
            implies=Verdict.INVALID_SIGNATURE,
        )
    return found


def hash_data(
    document: dict[str, Any],
    proof: dict[str, Any],
    *,
    algorithm: Any = None,
    cache: MutableMapping[str, str] | None = None,
) -> bytes:
    """The bytes a Data Integrity proof signs: proof-config hash first, document hash second."""
    algorithm = algorithm or hashes.SHA256()
    if proof.get("cryptosuite") in JCS_SUITES:
        return _jcs_hash_data(document, proof, algorithm)
    if "@context" not in document:
        raise ProofError(
            N_("The document has no @context, so its proof cannot be checked."),
            code="proof.no_context",
            implies=Verdict.MALFORMED,
        )
    config_key = _config_key(document, proof, cache)
    # The document's content and the proof's position determine both hashes too: a
    # re-verification with the caller's cache looks them up instead of hashing the N-Quads.
    hashed = f"hash-data:{algorithm.name}:{config_key}" if config_key is not None else None
    if cache is not None and hashed is not None and hashed in cache:
        return bytes.fromhex(cache[hashed])
    previous = _previous_proofs(document, proof)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    proof_hash = _hash(canon.canonize(config, cache=cache, key=config_key), algorithm)
    if previous:
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        unsecured["proof"] = previous
        data = proof_hash + _hash(canon.canonize(unsecured, cache=cache), algorithm)
    else:
        data = proof_hash + _hash(canon.canonize_without_proof(document, cache=cache), algorithm)
    if cache is not None and hashed is not None:
        cache[hashed] = data.hex()
    return data


def _config_key(
    document: dict[str, Any], proof: dict[str, Any], cache: MutableMapping[str, str] | None
) -> str | None:
    """A cache key for the proof configuration without serialising it: the configuration is
    the document's proof at this position, less its value, with the document's @context, so
    the document's content key (already computed) and the position determine it."""
    if not isinstance(cache, canon.CanonCache):
        return None
    for index, candidate in enumerate(proofs_of(document)):
        if candidate is proof:
            return f"proof-config:{index}:{canon.content_key(document, cache)}"
    return None


def _jcs_hash_data(
    document: dict[str, Any], proof: dict[str, Any], algorithm: Any, *, with_context: bool = True
) -> bytes:
    """eddsa-jcs-2022, ecdsa-jcs-2019: the same two hashes over JSON canonical forms (RFC 8785)
    instead of N-Quads. `with_context`: the proof configuration takes the document's @context
    (eddsa-jcs-2022 and the current ECDSA text) or keeps only what the proof holds (the W3C
    ecdsa-jcs-2019 test vectors)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = _previous_proofs(document, proof)
    if previous:
        unsecured["proof"] = previous
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if with_context and "@context" in document:
        config["@context"] = document["@context"]
    return _hash(jcs.canonicalize(config), algorithm) + _hash(
        jcs.canonicalize(unsecured), algorithm
    )


def _signed_data(
    document: dict[str, Any], proof: dict[str, Any], algorithm: Any, cache: Any
) -> list[bytes]:
    """Every form of the signed bytes a conforming issuer may have produced, the usual first.

    An ecdsa-jcs-2019 proof that carries no @context was signed either over the proof alone
    (the W3C vectors) or with the document's @context added (the current text); both bind the
    same document, whose own hash covers its @context.
    """
    data = [hash_data(document, proof, algorithm=algorithm, cache=cache)]
    if (
        proof.get("cryptosuite") == "ecdsa-jcs-2019"
        and "@context" not in proof
        and "@context" in document
    ):
        data.append(_jcs_hash_data(document, proof, algorithm, with_context=False))
    return data


# ---------------------------------------------------------------------------------- signing


def sign(
    document: dict[str, Any],
    *,
    private_key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
    verification_method: str,
    purpose: str,
    created: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    cryptosuite: str = "eddsa-rdfc-2022",
    expires: datetime | None = None,
    cache: MutableMapping[str, str] | None = None,
) -> dict[str, Any]:
    """A new document with one more proof (a proof set when it already had one).

    `cryptosuite="Ed25519Signature2020"` makes the legacy proof type, which has no cryptosuite.
    """
    suite = SUITES.get(
        ("Ed25519Signature2020", None)
        if cryptosuite == "Ed25519Signature2020"
        else ("DataIntegrityProof", cryptosuite)
    )
    if (
        suite is None
        or suite.algorithm not in ("eddsa", "ecdsa")
        or suite.cryptosuite == ecdsa_sd.CRYPTOSUITE
    ):
        # A selective disclosure base proof also needs its mandatory pointers
        # (ecdsa_sd.sign_base); the JWS suites are only verified (ldsig.sign makes fixtures).
        raise ValueError(f"cannot sign with cryptosuite {cryptosuite}")
    proof: dict[str, Any] = {"type": suite.proof_type}
    if suite.cryptosuite:
        proof["cryptosuite"] = suite.cryptosuite
    proof["created"] = format_datetime(created)
    if expires is not None:
        proof["expires"] = format_datetime(expires)
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = purpose
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    if suite.cryptosuite in JCS_SUITES and "@context" in document:
        # The JCS suite signs JSON, not RDF: the proof carries the context it is read with.
        proof["@context"] = document["@context"]
    # A document without a proof is signed as it is (not copied), so a cache that already
    # knows it by identity (canon.CanonCache.remember) finds its canonical form.
    unsecured = (
        document if "proof" not in document else {k: v for k, v in document.items() if k != "proof"}
    )
    data = hash_data(unsecured, proof, algorithm=_digest(suite, private_key), cache=cache)
    proof["proofValue"] = multibase_encode(_signature(suite, private_key, data), "z")
    signed = dict(document)
    existing = proofs_of(document)
    signed["proof"] = [*existing, proof] if existing else proof
    return signed


def _signature(suite: Suite, private_key: Any, data: bytes) -> bytes:
    if suite.algorithm == "eddsa":
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise TypeError(f"{suite.cryptosuite or suite.proof_type} needs an Ed25519 private key")
        return private_key.sign(data)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise TypeError("ecdsa-rdfc-2019 needs a P-256 or P-384 private key")
    size = (private_key.curve.key_size + 7) // 8
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(_digest(suite, private_key))))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


# ---------------------------------------------------------------------------------- verifying


_ORDINALS = (
    N_("first proof"),
    N_("second proof"),
    N_("third proof"),
    N_("fourth proof"),
    N_("fifth proof"),
    N_("sixth proof"),
    N_("seventh proof"),
    N_("eighth proof"),
)


def _proof_label(index: int, total: int) -> str:
    """How the checks name a proof: "proof" when it is the only one, else "second proof"."""
    if total == 1:
        return Message(N_("proof"))
    if index < len(_ORDINALS):
        return Message(_ORDINALS[index])
    return Message(N_("proof %(number)s"), number=index + 1)


def verify_proofs(
    document: dict[str, Any],
    *,
    options: VerifyOptions,
    purpose: str = "assertionMethod",
    issuer_id: str | None = None,
    challenge: str | None = None,
    domain: str | None = None,
) -> list[Check]:
    """Check every proof of `document`; each proof yields a "key" and a "proof" Check."""
    if not isinstance(document, dict):
        return [
            failed(
                "proof",
                "proof.malformed",
                N_("The document is not a JSON object."),
                Verdict.MALFORMED,
            )
        ]
    proofs = proofs_of(document)
    if not proofs:
        return [
            failed(
                "proof",
                "proof.missing",
                N_("The credential carries no proof, so nobody can tell who issued it."),
                Verdict.MALFORMED,
            )
        ]
    if len(proofs) > MAX_PROOFS:
        return [
            failed(
                "proof",
                "proof.too_many",
                Message(
                    "The credential carries %(count)s proofs; at most %(max_proofs)s are checked.",
                    count=len(proofs),
                    max_proofs=MAX_PROOFS,
                ),
                Verdict.MALFORMED,
            )
        ]
    checks: list[Check] = []
    for index, proof in enumerate(proofs):
        budget.checkpoint()
        label = _proof_label(index, len(proofs))
        checks += _verify_one(
            document,
            proof,
            label=label,
            options=options,
            purpose=purpose,
            issuer_id=issuer_id,
            challenge=challenge,
            domain=domain,
        )
    return _tolerate_unknown_proofs(checks)


def _suite_of(proof: dict[str, Any]) -> Suite | None:
    kind, cryptosuite = proof.get("type"), proof.get("cryptosuite")
    if not isinstance(kind, str) or not isinstance(cryptosuite, str | None):
        return None
    return SUITES.get((kind, cryptosuite))


def _tolerate_unknown_proofs(checks: list[Check]) -> list[Check]:
    """A proof set may hold proofs for other verifiers (VC-DI: a verifier may use any one).

    A proof of a kind we cannot check is then a warning, as long as another proof verified;
    a proof we can check that fails still fails.
    """
    if not any(c.code == "proof.signature_valid" for c in checks):
        return checks
    return [
        warning(c.name, c.code, c.message, c.detail) if c.code == "proof.unsupported_suite" else c
        for c in checks
    ]


def _fail(
    code: str, message: str, implies: Verdict, detail: str = "", name: str = "proof"
) -> Check:
    return failed(name, code, message, implies, detail)


def _verify_one(
    document: dict[str, Any],
    proof: Any,
    *,
    label: str,
    options: VerifyOptions,
    purpose: str,
    issuer_id: str | None,
    challenge: str | None,
    domain: str | None,
) -> list[Check]:
    if not isinstance(proof, dict):
        return [
            _fail(
                "proof.malformed",
                Message("The %(label)s is not a JSON object.", label=label),
                Verdict.MALFORMED,
            )
        ]
    missing = [name for name in ("type", "proofPurpose") if not proof.get(name)]
    if missing:
        return [
            _fail(
                "proof.malformed",
                Message("The %(label)s lacks %(join)s.", label=label, join=" and ".join(missing)),
                Verdict.MALFORMED,
            )
        ]
    suite = _suite_of(proof)
    if suite is None:
        kind = proof.get("cryptosuite") or proof.get("type")
        return [
            _fail(
                "proof.unsupported_suite",
                Message(
                    "The %(label)s uses '%(kind)s', which this wallet cannot verify.",
                    label=label,
                    kind=kind,
                ),
                Verdict.UNSUPPORTED,
                detail=f"type={proof.get('type')!r} cryptosuite={proof.get('cryptosuite')!r}",
            )
        ]
    problems = _option_checks(
        proof, label=label, options=options, purpose=purpose, challenge=challenge, domain=domain
    )
    if problems:
        return problems
    vm_id = proof.get("verificationMethod")
    if vm_id is None and suite.algorithm in ("rsa", "jws"):
        vm_id = proof.get("creator")  # the Linked Data Signatures name, before 2019
    key_checks, method = _key_checks(
        vm_id, suite, label=label, options=options, purpose=purpose, issuer_id=issuer_id
    )
    if method is None:
        return key_checks
    signature = _signature_check(document, proof, suite, method, label=label, options=options)
    return [*key_checks, signature]


def _option_checks(
    proof: dict[str, Any],
    *,
    label: str,
    options: VerifyOptions,
    purpose: str,
    challenge: str | None,
    domain: str | None,
) -> list[Check]:
    """VC-DI "Verify Proof" steps that need no key: purpose, times, challenge, domain."""
    found: list[Check] = []
    if proof.get("proofPurpose") != purpose:
        found.append(
            _fail(
                "proof.purpose_mismatch",
                Message(
                    "The %(label)s was made for '%(get)s', not for '%(purpose)s'.",
                    label=label,
                    get=proof.get("proofPurpose"),
                    purpose=purpose,
                ),
                Verdict.INVALID_SIGNATURE,
            )
        )
    if "created" in proof and parse_datetime(proof["created"]) is None:
        found.append(
            _fail(
                "proof.invalid_created",
                Message("The %(label)s has an invalid creation time.", label=label),
                Verdict.MALFORMED,
                detail=repr(proof["created"]),
            )
        )
    if "expires" in proof:
        expires = parse_datetime(proof["expires"])
        if expires is None:
            found.append(
                _fail(
                    "proof.invalid_expires",
                    Message("The %(label)s has an invalid expiry time.", label=label),
                    Verdict.MALFORMED,
                )
            )
        elif options.now > expires:
            found.append(
                _fail(
                    "proof.expired",
                    Message(
                        "The %(label)s expired on %(expires)s.",
                        label=label,
                        expires=proof["expires"],
                    ),
                    Verdict.EXPIRED,
                )
            )
    if challenge is not None and proof.get("challenge") != challenge:
        found.append(
            _fail(
                "proof.challenge_mismatch",
                Message(
                    "The %(label)s answers a different challenge than the one asked.", label=label
                ),
                Verdict.INVALID_SIGNATURE,
                detail=f"expected {challenge!r}, got {proof.get('challenge')!r}",
            )
        )
    if domain is not None:
        domains = proof.get("domain")
        domains = domains if isinstance(domains, list) else [domains]
        if domain not in domains:
            found.append(
                _fail(
                    "proof.domain_mismatch",
                    Message("The %(label)s was made for another site than this one.", label=label),
                    Verdict.INVALID_SIGNATURE,
                    detail=f"expected {domain!r}, got {proof.get('domain')!r}",
                )
            )
    return found


def _key_checks(
    vm_id: Any,
    suite: Suite,
    *,
    label: str,
    options: VerifyOptions,
    purpose: str,
    issuer_id: str | None,
) -> tuple[list[Check], VerificationMethod | None]:
    if not isinstance(vm_id, str) or not vm_id:
        return [
            _fail(
                "proof.no_verification_method",
                Message("The %(label)s does not say which key made it.", label=label),
                Verdict.MALFORMED,
                name="key",
            )
        ], None
    if vm_id.lower().startswith(("http:", "https:")) and not urls.is_web_url(vm_id):
        return [
            _fail(
                "url.invalid",
                Message(
                    "The %(label)s's verificationMethod is not a valid web address.", label=label
                ),
                Verdict.MALFORMED,
                detail=repr(vm_id)[:300],
                name="key",
            )
        ], None
    try:
        method = _resolve(vm_id, fetcher=options.fetcher, purpose=purpose, limits=options.limits)
    except UnsupportedKey as exc:
        if exc.key_type is None:
            return [key_failure(exc, vm_id, issuer_id)], None
        # The suite fixes the key type: a key of another type cannot have made this proof.
        return [_key_type_mismatch(suite, exc.key_type, label=label, vm_id=vm_id)], None
    except KeyResolutionError as exc:
        return [key_failure(exc, vm_id, issuer_id)], None
    return [binding_check(method, issuer_id, options=options, purpose=purpose)], method


def _key_type_mismatch(suite: Suite, key_type: str, *, label: str, vm_id: str) -> Check:
    return _fail(
        "proof.key_type_mismatch",
        Message(
            "The %(label)s uses %(name)s, which only %(key_kind)s can make; its key "
            "is %(key_type)s.",
            label=label,
            name=suite.name,
            key_kind=suite.key_kind,
            key_type=key_type,
        ),
        Verdict.INVALID_SIGNATURE,
        detail=vm_id,
    )


def _key_name(key: Any) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _KEY_NAMES.get(key.curve.name, key.curve.name)
    return "RSA" if isinstance(key, rsa.RSAPublicKey) else type(key).__name__


def _signature_check(
    document: dict[str, Any],
    proof: dict[str, Any],
    suite: Suite,
    method: VerificationMethod,
    *,
    label: str,
    options: VerifyOptions,
) -> Check:
    key = method.public_key
    if not suite.accepts(key):
        return _key_type_mismatch(suite, _key_name(key), label=label, vm_id=method.id)
    try:
        if suite.cryptosuite == ecdsa_sd.CRYPTOSUITE:
            valid = _sd_valid(document, proof, key, options)
        elif suite.algorithm in ("rsa", "jws"):
            alg = _jws_algorithm(proof, suite)
            if alg not in ldsig.algorithms_for(suite.proof_type, key):
                return _fail(
                    "proof.key_type_mismatch",
                    Message(
                        "The %(label)s is a %(alg)s signature (%(name)s), which a key of type "
                        "%(key_name)s cannot make.",
                        label=label,
                        alg=alg,
                        name=suite.name,
                        key_name=_key_name(key),
                    ),
                    Verdict.INVALID_SIGNATURE,
                    detail=method.id,
                )
            valid = ldsig.verify(document, proof, key, cache=options.canon_cache)
        else:
            signature = _decode_proof_value(
                proof.get("proofValue"), suite, key, options.canon_cache
            )
            signed = _signed_data(document, proof, _digest(suite, key), options.canon_cache)
            valid = any(_signature_valid(suite, key, signature, data) for data in signed)
    except ProofError as exc:
        return _fail(exc.code, message_of(exc), exc.implies, detail=exc.detail)
    except VerificationInputError as exc:
        return _fail(exc.code, message_of(exc), Verdict.MALFORMED, detail=exc.detail)
    except Exception as exc:  # pyld raises its own hierarchy on inputs it cannot expand
        return _fail(
            "proof.canonicalization_failed",
            N_("The credential could not be converted to canonical form to check its signature."),
            Verdict.MALFORMED,
            detail=f"{type(exc).__name__}: {exc}",
        )
    if valid:
        return passed(
            "proof",
            "proof.signature_valid",
            Message("The %(label)s's signature is valid.", label=label),
            f"{suite.cryptosuite or suite.proof_type} by {method.id}",
        )
    return _fail(
        "proof.signature_invalid",
        Message(
            "The %(label)s's signature does not match the credential: it was "
            "altered, or signed with another key.",
            label=label,
        ),
        Verdict.INVALID_SIGNATURE,
        detail=method.id,
    )


def _jws_algorithm(proof: dict[str, Any], suite: Suite) -> str:
    try:
        return str(ldsig.jws_header(proof)["alg"])
    except ldsig.JwsProofError as exc:
        raise ProofError(
            Message(
                "The %(name)s proof's signature cannot be read: %(exc)s", name=suite.name, exc=exc
            ),
            code="proof.invalid_proof_value",
            implies=Verdict.INVALID_SIGNATURE,
        ) from exc


def _sd_valid(
    document: dict[str, Any], proof: dict[str, Any], key: Any, options: VerifyOptions
) -> bool:
    try:
        return ecdsa_sd.verify(
            document, proof, key, limits=options.limits, cache=options.canon_cache
        )
    except ecdsa_sd.SelectiveDisclosureError as exc:
        raise ProofError(
            Message("The selective disclosure proof cannot be read: %(exc)s", exc=exc),
            code="proof.invalid_proof_value",
            implies=Verdict.INVALID_SIGNATURE,
            detail=exc.detail,
        ) from exc


def _decode_proof_value(
    value: Any, suite: Suite, key: Any, cache: MutableMapping[str, str] | None = None
) -> bytes:
    """The signature bytes; with the caller's cache, a value decoded before is looked up
    (base58 decoding is a loop over every character)."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError(
            N_("The proof value is missing or not multibase base58-btc."),
            code="proof.invalid_proof_value",
            implies=Verdict.INVALID_SIGNATURE,
        )
    memo = f"multibase:{value}"
    if cache is not None and memo in cache:
        signature = bytes.fromhex(cache[memo])
    else:
        try:
            signature = multibase_decode(value)
        except VerificationInputError as exc:
            raise ProofError(
                N_("The proof value is not valid base58."),
                code="proof.invalid_proof_value",
                implies=Verdict.INVALID_SIGNATURE,
            ) from exc
        if cache is not None:
            cache[memo] = signature.hex()
    expected = 64 if suite.algorithm == "eddsa" else 2 * ((key.curve.key_size + 7) // 8)
    if len(signature) != expected:
        raise ProofError(
            Message(
                "The signature has %(count)s bytes; %(expected)s were expected.",
                count=len(signature),
                expected=expected,
            ),
            code="proof.invalid_proof_value",
            implies=Verdict.INVALID_SIGNATURE,
        )
    return signature


def _signature_valid(suite: Suite, key: Any, signature: bytes, data: bytes) -> bool:
    try:
        if suite.algorithm == "eddsa":
            key.verify(signature, data)
        else:
            half = len(signature) // 2
            der = encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
            key.verify(der, data, ec.ECDSA(_digest(suite, key)))
    except InvalidSignature:
        return False
    return True
