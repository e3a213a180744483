"""Structure, @context and type checks: what a credential must look like before any crypto.

These mirror the cheap structural probes of 1EdTech's validator (docs/standards-notes.md §1,
steps 3-5): the base VC context first, the Open Badges (and CLR) context in its place, the
right types, the required properties, and the `type` of the objects an OB 3.0 credential
nests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .messages import N_, Message
from .report import Check, Verdict, failed, passed, warning

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
BASE_CONTEXTS = (VC_V2, VC_V1)

OB_CONTEXT_CURRENT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_OB_CONTEXT = re.compile(
    r"^https://purl\.imsglobal\.org/spec/ob/v3p0/"
    r"(context(-3\.\d+\.\d+)*\.json|context/ob_v3p0\.jsonld)$"
)
CLR_CONTEXT_CURRENT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
_CLR_CONTEXT = re.compile(
    r"^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d+\.\d+)?\.json$"
)

OB_TYPES = ("AchievementCredential", "OpenBadgeCredential")
CLR_TYPES = ("ClrCredential",)
ENDORSEMENT_TYPES = ("EndorsementCredential",)
# OB 3.0 IdentityObject.identityType (schema $defs.IdentityObject); "ext:" names extend it.
IDENTITY_TYPES = frozenset(
    {
        "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
        "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId",
        "sisSourcedId", "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId",
        "ltiUserId", "identifier",
    }
)  # fmt: skip


def as_list(value: Any) -> list[Any]:
    """JSON-LD compaction may turn a one-element array into a scalar; read both alike."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def claimed_kind(document: dict[str, Any], kind: str) -> str:
    """A generic VC that declares the Open Badges context claims to be one: judge it as one."""
    contexts = context_list(document)
    if kind == "vc" and len(contexts) > 1 and isinstance(contexts[1], str):
        if _OB_CONTEXT.match(contexts[1]):
            return "ob3"
    return kind


def node_id(value: Any) -> str | None:
    """The id of a node written either as its IRI or as an object with an `id` (an issuer,
    a holder); None when it has no string id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def types_of(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return []
    return [t for t in as_list(value.get("type")) if isinstance(t, str)]


def context_list(document: dict[str, Any]) -> list[Any]:
    return as_list(document.get("@context"))


def _malformed(code: str, message: str, detail: str = "") -> Check:
    return failed("structure", code, message, Verdict.MALFORMED, detail)


# What check_credential finds in a credential with nothing to remark on.
WELL_FORMED = passed("structure", "structure.ok", N_("The credential is well formed."))


def check_credential(document: dict[str, Any], kind: str) -> list[Check]:
    """Structure checks for a credential of `kind` ("ob3", "clr2", "endorsement", "vc")."""
    checks = _check_contexts(document, kind) + _check_types(document, kind)
    checks += _check_required(document, kind)
    if kind in ("ob3", "clr2", "endorsement"):
        checks += _check_issuer(document.get("issuer"))
    if kind == "ob3":
        checks += _check_achievement_subject(document)
    elif kind == "clr2":
        checks += _check_clr_subject(document)
    elif kind == "endorsement":
        checks += _check_endorsement_subject(document)
    problems = [c for c in checks if c.status.value == "fail"]
    if not problems:
        checks.append(WELL_FORMED)
    return checks


def check_presentation(document: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    contexts = context_list(document)
    if not contexts or contexts[0] not in BASE_CONTEXTS:
        checks.append(_base_context_missing(contexts))
    if "VerifiablePresentation" not in types_of(document):
        checks.append(
            _malformed(
                "structure.type_missing",
                N_("This presentation does not declare the type VerifiablePresentation."),
                f"type: {document.get('type')!r}",
            )
        )
    holder = document.get("holder")
    if holder is not None and not isinstance(holder, str | dict):
        checks.append(
            _malformed("structure.holder_invalid", N_("The presentation's holder is not a URL."))
        )
    entries = document.get("verifiableCredential")
    if entries is not None and not isinstance(entries, list | dict | str):
        checks.append(
            _malformed(
                "structure.vp_entries_invalid", N_("The presentation's credentials are unreadable.")
            )
        )
    if not checks:
        checks.append(passed("structure", "structure.ok", N_("The presentation is well formed.")))
    return checks


def _base_context_missing(contexts: list[Any]) -> Check:
    first = contexts[0] if contexts else None
    return _malformed(
        "context.base_missing",
        N_("The credential does not start with the W3C Verifiable Credentials context."),
        f"@context[0] is {first!r}; expected {VC_V2} or {VC_V1}",
    )


def _check_contexts(document: dict[str, Any], kind: str) -> list[Check]:
    contexts = context_list(document)
    if not contexts or contexts[0] not in BASE_CONTEXTS:
        return [_base_context_missing(contexts)]
    checks: list[Check] = []
    if kind in ("ob3", "endorsement"):
        checks += _check_ob_context(contexts, 1)
    elif kind == "clr2":
        second = contexts[1] if len(contexts) > 1 else None
        if not isinstance(second, str) or not _CLR_CONTEXT.match(second):
            checks.append(
                _malformed(
                    "context.clr_missing",
                    N_("This CLR does not use the CLR 2.0 context in second place."),
                    f"@context[1] is {second!r}; expected {CLR_CONTEXT_CURRENT}",
                )
            )
        checks += _check_ob_context(contexts, 2)
    return checks


def _check_ob_context(contexts: list[Any], position: int) -> list[Check]:
    found = contexts[position] if len(contexts) > position else None
    if not isinstance(found, str) or not _OB_CONTEXT.match(found):
        return [
            _malformed(
                "context.ob_missing",
                N_("The credential does not use the Open Badges 3.0 context where it must."),
                f"@context[{position}] is {found!r}; expected {OB_CONTEXT_CURRENT}",
            )
        ]
    if found != OB_CONTEXT_CURRENT:
        return [
            warning(
                "context",
                "context.ob_version",
                N_("The credential uses an older version of the Open Badges 3.0 context."),
                f"@context[{position}] is {found}; current is {OB_CONTEXT_CURRENT}",
            )
        ]
    return []


def _check_types(document: dict[str, Any], kind: str) -> list[Check]:
    types = types_of(document)
    checks: list[Check] = []
    if "VerifiableCredential" not in types:
        checks.append(
            _malformed(
                "structure.type_missing",
                N_("The credential does not declare the type VerifiableCredential."),
                f"type: {document.get('type')!r}",
            )
        )
    wanted = {"ob3": OB_TYPES, "clr2": CLR_TYPES, "endorsement": ENDORSEMENT_TYPES}.get(kind)
    if wanted and not any(t in types for t in wanted):
        checks.append(
            _malformed(
                "structure.type_wrong",
                Message("The credential is not of type %(join)s.", join=" or ".join(wanted)),
                f"type: {document.get('type')!r}",
            )
        )
    return checks


def _check_required(document: dict[str, Any], kind: str) -> list[Check]:
    checks: list[Check] = []
    required = ["issuer", "credentialSubject"]
    if kind != "vc":
        required.insert(0, "id")
    for name in required:
        if document.get(name) in (None, "", [], {}):
            checks.append(
                _malformed(
                    "structure.required_missing",
                    Message("The credential has no '%(name)s', which it must have.", name=name),
                    f"missing property {name}",
                )
            )
    is_v1 = context_list(document)[:1] == [VC_V1]
    if is_v1 and not document.get("issuanceDate"):
        checks.append(
            _malformed(
                "structure.required_missing",
                N_("The credential has no issuance date, which it must have."),
                "missing property issuanceDate (VC 1.1)",
            )
        )
    elif not is_v1 and kind != "vc" and not document.get("validFrom"):
        # Open Badges requires validFrom; the VC 2.0 data model does not, and a signed
        # credential without it still says everything else it says.
        checks.append(
            warning(
                "structure",
                "structure.valid_from_missing",
                N_("The credential does not say from when it is valid, as Open Badges asks."),
                "missing property validFrom",
            )
        )
    if not isinstance(document.get("credentialSubject", {}), dict | list):
        checks.append(
            _malformed("structure.subject_invalid", N_("The credential's subject is unreadable."))
        )
    return checks


def _subjects(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in as_list(document.get("credentialSubject")) if isinstance(s, dict)]


def _require_type(value: Any, wanted: str, where: str) -> list[Check]:
    if wanted in types_of(value):
        return []
    found = value.get("type") if isinstance(value, dict) else value
    return [
        _malformed(
            "structure.type_wrong",
            Message(
                "The credential's %(where)s is not of type %(wanted)s.", where=where, wanted=wanted
            ),
            f"{where}.type: {found!r}",
        )
    ]


def _check_issuer(issuer: Any) -> list[Check]:
    if isinstance(issuer, str) or issuer is None:
        return []
    if not isinstance(issuer, dict) or not isinstance(issuer.get("id"), str):
        return [_malformed("structure.issuer_invalid", N_("The issuer has no identifier."))]
    return _check_profile(issuer, "issuer")


def _check_profile(profile: dict[str, Any], where: str) -> list[Check]:
    checks = _require_type(profile, "Profile", where)
    for i, entry in enumerate(as_list(profile.get("otherIdentifier"))):
        checks += _require_type(entry, "IdentifierEntry", f"{where}.otherIdentifier[{i}]")
    parent = profile.get("parentOrg")
    if parent is not None:
        checks += _require_type(parent, "Profile", f"{where}.parentOrg")
    return checks


def _missing_subject_identifier(document: dict[str, Any]) -> list[Check]:
    if all(s.get("id") or s.get("identifier") for s in _subjects(document)):
        return []
    # Real issuers often omit both; the interop corpus and the validator treat it as a warning.
    return [
        warning(
            "structure",
            "structure.subject_unidentified",
            N_("The credential does not say who earned it (no subject id or identifier)."),
            "credentialSubject has neither id nor identifier",
        )
    ]


def _check_achievement_subject(document: dict[str, Any]) -> list[Check]:
    subjects = _subjects(document)
    if not subjects:
        return [
            _malformed("structure.subject_invalid", N_("The credential has no readable subject."))
        ]
    checks = _missing_subject_identifier(document)
    for subject in subjects:
        checks += _require_type(subject, "AchievementSubject", "credentialSubject")
        checks += _check_subject_parts(subject)
        achievement = subject.get("achievement")
        if not isinstance(achievement, dict):
            checks.append(
                _malformed(
                    "structure.achievement_missing",
                    N_("The credential does not say which achievement was earned."),
                    "credentialSubject.achievement is missing",
                )
            )
        else:
            checks += _check_achievement(achievement, "credentialSubject.achievement")
    for i, evidence in enumerate(as_list(document.get("evidence"))):
        checks += _require_type(evidence, "Evidence", f"evidence[{i}]")
    return checks


def _check_subject_parts(subject: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    for i, identifier in enumerate(as_list(subject.get("identifier"))):
        checks += _check_identity_object(identifier, f"credentialSubject.identifier[{i}]")
    for i, result in enumerate(as_list(subject.get("result"))):
        checks += _require_type(result, "Result", f"credentialSubject.result[{i}]")
    source = subject.get("source")
    if isinstance(source, dict):
        checks += _check_profile(source, "credentialSubject.source")
    return checks


def _check_identity_object(identifier: Any, where: str) -> list[Check]:
    checks = _require_type(identifier, "IdentityObject", where)
    if checks or not isinstance(identifier, dict):
        return checks
    kind = identifier.get("identityType")
    if not isinstance(kind, str) or not (kind in IDENTITY_TYPES or kind.startswith("ext:")):
        checks.append(
            _malformed(
                "structure.identity_type_invalid",
                N_("An identifier of the earner has a type Open Badges does not define."),
                f"{where}.identityType: {kind!r}",
            )
        )
    if not isinstance(identifier.get("hashed"), bool) or not isinstance(
        identifier.get("identityHash"), str
    ):
        checks.append(
            _malformed(
                "structure.identity_invalid",
                N_("An identifier of the earner is incomplete."),
                f"{where} needs a boolean 'hashed' and a string 'identityHash'",
            )
        )
    return checks


def _check_achievement(achievement: dict[str, Any], where: str) -> list[Check]:
    checks = _require_type(achievement, "Achievement", where)
    criteria = achievement.get("criteria")
    if not isinstance(criteria, dict) or not (criteria.get("id") or criteria.get("narrative")):
        checks.append(
            _malformed(
                "structure.criteria_missing",
                N_("The achievement does not say what it took to earn it (no criteria)."),
                f"{where}.criteria needs an id or a narrative",
            )
        )
    for i, description in enumerate(as_list(achievement.get("resultDescription"))):
        checks += _require_type(description, "ResultDescription", f"{where}.resultDescription[{i}]")
    creator = achievement.get("creator")
    if isinstance(creator, dict):
        checks += _check_profile(creator, f"{where}.creator")
    return checks


def _check_clr_subject(document: dict[str, Any]) -> list[Check]:
    subjects = _subjects(document)
    if not subjects:
        return [_malformed("structure.subject_invalid", N_("The CLR has no readable subject."))]
    checks = _missing_subject_identifier(document)
    for subject in subjects:
        checks += _require_type(subject, "ClrSubject", "credentialSubject")
        for i, identifier in enumerate(as_list(subject.get("identifier"))):
            checks += _require_type(
                identifier, "IdentityObject", f"credentialSubject.identifier[{i}]"
            )
        for i, achievement in enumerate(as_list(subject.get("achievement"))):
            if isinstance(achievement, dict):
                checks += _check_achievement(achievement, f"credentialSubject.achievement[{i}]")
        entries = subject.get("verifiableCredential")
        if not isinstance(entries, list) or not entries:
            checks.append(
                _malformed(
                    "structure.clr_empty",
                    N_("The CLR contains no credentials."),
                    "credentialSubject.verifiableCredential must list at least one credential",
                )
            )
    return checks


def _check_endorsement_subject(document: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    for subject in _subjects(document) or [{}]:
        checks += _require_type(subject, "EndorsementSubject", "credentialSubject")
        if not subject.get("id"):
            checks.append(
                _malformed(
                    "structure.required_missing",
                    N_("The endorsement does not say what it endorses."),
                    "credentialSubject.id is missing",
                )
            )
    return checks


def iter_endorsements(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Yield ("json", credential) and ("jwt", token) for every endorsement the document carries.

    Looks everywhere ($..endorsement, $..endorsementJwt) except inside proofs and inside the
    credentials a CLR or presentation embeds: those are verified as children with their own.
    """
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in ("proof", "verifiableCredential"):
                continue
            if key == "endorsement":
                yield from (("json", e) for e in as_list(value))
            elif key == "endorsementJwt":
                yield from (("jwt", e) for e in as_list(value))
            elif isinstance(value, dict | list):
                stack.append(value)
