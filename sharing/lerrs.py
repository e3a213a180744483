"""The learner's résumé as an HR Open LER-RS document, and the learner-signed credential that
wraps it.

HR Open Learning and Employment Record - Resume Standard (LER-RS): a resume whose sections
(`person`, `communication`, `narratives`, `skills`, `certifications`, `licenses`,
`educationAndLearnings`, ...) hold either what the person says (self-asserted) or
`verifications`, the issuers' own verifiable credentials (an Open Badges 3.0
AchievementCredential, a CLR 2.0 ClrCredential), exactly as issued. The shape follows HR
Open's LER-RS V2 samples (1EdTech digital-credentials-public-validator, `tcp/LER-RS_V2_*`):
each verified item is `{"verifications": [credential]}`. Open Badges 3.0 achievements go to
`licenses` (achievementType License), `educationAndLearnings` (degrees, diplomas, courses, and
every CLR) or `certifications` (the rest).

The document is checked against the vendored schema (`lerrs_schemas/manifest.json`): HR
Open's LER-RSType (4.4, the top-level type as HR Open's 4.5 release ships it). HR Open's
common types that LER-RSType refers to are not vendored (not available where Satchel can read
them offline): they stand in as schemas that accept anything, so those parts are not checked.
The credentials inside are checked by Satchel's verifier, not by 1EdTech's draft-04 schemas of
HR Open's catalog, which are the pre-final, VC 1.1 ones that OB 3.0 credentials no longer meet
(docs/decisions/0012-ecosystem.md).

The wrapper is a VC 2.0 credential issued and signed (eddsa-rdfc-2022) by the learner's
holder DID, the LER-RS document its subject. HR Open's wrapper schema asks for a VC 1.1
`@context` whose second entry is a JSON Schema address, not a JSON-LD context, which no Data
Integrity verifier can process; the VC 2.0 context keeps the signature verifiable by anyone.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from accounts.models import User
from accounts.services import holder_signing_key
from sharing.presentations import CANON_CACHE, VC_V2, Entry, read_entries
from wallet.models import Credential
from wallet.selectors import live_credentials
from wallet.verification.proofs.dataintegrity import format_datetime, proofs_of, sign

LERRS_TYPE = "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/LER-RSType.json"
_LERRS_SCHEMA_URL = "http://schema.hropenstandards.org/4.4/recruiting/json/LER-RSType.json"
WRAPPER_TYPE = "LERRSCredential"
# VC 2.0's context for terms no vocabulary defines (LER-RS has no JSON-LD context): they map to
# issuer-dependent IRIs, so the learner's signature covers every field of the résumé.
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
MAX_CREDENTIALS = 100
_SCHEMAS = Path(__file__).with_name("lerrs_schemas")
_DI_PROOF_TYPES = frozenset({"DataIntegrityProof", "Ed25519Signature2020"})
_LICENSES = frozenset({"License"})
_EDUCATION = frozenset(
    {
        "AssociateDegree",
        "BachelorDegree",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "GeneralEducationDevelopment",
        "MasterDegree",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)


@dataclass(frozen=True)
class Person:
    """What the learner types: nothing here comes from the record."""

    given: str
    family: str
    email: str = ""
    phone: str = ""
    web: str = ""
    objective: str = ""
    skills: tuple[str, ...] = ()

    @property
    def formatted_name(self) -> str:
        return " ".join(p for p in (self.given, self.family) if p)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "skills": list(self.skills)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Person:
        text = {k: str(data.get(k) or "") for k in ("given", "family", "email", "phone", "web")}
        skills = data.get("skills")
        return cls(
            **text,
            objective=str(data.get("objective") or ""),
            skills=tuple(str(s) for s in skills) if isinstance(skills, list) else (),
        )


@dataclass
class Resume:
    document: dict[str, Any]
    included: list[Credential] = field(default_factory=list)
    excluded: list[tuple[Credential, str]] = field(default_factory=list)


def _exclusion(entry: Entry) -> str:
    """Why a credential cannot be a verification of the résumé as issued, or ""."""
    if entry.reason:
        return entry.reason
    if entry.token is not None:
        return ""  # carried as an EnvelopedVerifiableCredential, the JWT exactly as issued
    contexts = (entry.document or {}).get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first != VC_V2:
        return (
            "It uses the older VC 1.1 data model, which cannot sit inside the signed VC 2.0 "
            "résumé; share it in a presentation instead."
        )
    proofs = [p for p in proofs_of(entry.document or {}) if isinstance(p, dict)]
    if not any(p.get("type") in _DI_PROOF_TYPES for p in proofs):
        return "It carries no Data Integrity signature, so it would not verify inside a résumé."
    return ""


def _section(credential: Credential) -> str:
    if credential.format == "clr2" or credential.achievement_type in _EDUCATION:
        return "educationAndLearnings"
    if credential.achievement_type in _LICENSES:
        return "licenses"
    return "certifications"


def lerrs_document(
    *, person: Person, entries: Sequence[Entry], now: datetime
) -> tuple[dict[str, Any], list[Credential], list[tuple[Credential, str]]]:
    """The LER-RS document of these credentials and the learner's details."""
    document: dict[str, Any] = {
        "type": LERRS_TYPE,
        "documentId": {"value": str(uuid.uuid4())},
        "person": {
            "name": {
                "formattedName": person.formatted_name,
                "given": person.given,
                "family": person.family,
            }
        },
    }
    communication: dict[str, Any] = {}
    if person.email:
        communication["email"] = [{"address": person.email}]
    if person.phone:
        communication["phone"] = [{"formattedNumber": person.phone}]
    if person.web:
        communication["web"] = [{"url": person.web}]
    if communication:
        document["communication"] = communication
    if person.objective:
        document["narratives"] = [
            {"name": "Objective", "texts": [{"name": "goal", "lines": [person.objective]}]}
        ]
    included: list[Credential] = []
    excluded: list[tuple[Credential, str]] = []
    skills = list(person.skills)
    for entry in entries:
        reason = _exclusion(entry)
        if reason:
            excluded.append((entry.credential, reason))
            continue
        included.append(entry.credential)
        document.setdefault(_section(entry.credential), []).append(
            {"verifications": [entry.vp_entry()]}
        )
        skills += [a.get("name", "") for a in entry.credential.alignments or []]
    named = list(dict.fromkeys(s.strip() for s in skills if s and s.strip()))
    if named:
        document["skills"] = [{"name": name} for name in named]
    return document, included, excluded


def lerrs_wrap(*, owner: User, document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The LER-RS document as the subject of a credential the learner issues and signs."""
    key = holder_signing_key(user=owner)
    credential = {
        "@context": [VC_V2, UNDEFINED_TERMS],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", WRAPPER_TYPE],
        "issuer": key.did,
        "validFrom": format_datetime(now),
        "name": f"Résumé of {document['person']['name']['formattedName']}",
        "credentialSubject": {"id": key.did, **document},
    }
    return sign(
        credential,
        private_key=key.private_key,
        verification_method=key.verification_method,
        purpose="assertionMethod",
        created=now,
        cache=CANON_CACHE,
    )


def resume_of_share(*, share: Any, credentials: Sequence[Credential], now: datetime) -> dict:
    """The signed résumé a link shared as one offers: its credentials as they stand now."""
    document, _, _ = lerrs_document(
        person=Person.from_dict(share.resume), entries=read_entries(credentials), now=now
    )
    return lerrs_wrap(owner=share.owner, document=document, now=now)


def resume_for(
    *, owner: User, person: Person, credential_ids: list[int] | None, now: datetime
) -> Resume:
    """The résumé of the chosen live credentials (all when None); ValidationError when a
    chosen one is not the owner's, there are too many, or the result breaks the schemas."""
    live = live_credentials(owner=owner).filter(parent__isnull=True)
    if credential_ids is not None:
        live = live.filter(pk__in=credential_ids)
    chosen = list(live.order_by(F("issued_at").desc(nulls_last=True), "-pk"))
    if credential_ids is not None and len(chosen) != len(set(credential_ids)):
        raise ValidationError(gettext("Some of the chosen credentials are not in your record."))
    if len(chosen) > MAX_CREDENTIALS:
        raise ValidationError(
            gettext("A résumé holds at most %(max_credentials)s credentials.")
            % {"max_credentials": MAX_CREDENTIALS}
        )
    document, included, excluded = lerrs_document(
        person=person, entries=read_entries(chosen), now=now
    )
    problems = lerrs_problems(document)
    if problems:
        raise ValidationError(
            gettext("The résumé would not be valid LER-RS: %(problems)s")
            % {"problems": problems[0]}
        )
    return Resume(document=document, included=included, excluded=excluded)


# --- the vendored schemas ------------------------------------------------------------------


@cache
def _vendored() -> dict[str, dict[str, Any]]:
    manifest = json.loads((_SCHEMAS / "manifest.json").read_text(encoding="utf-8"))
    found = {}
    for entry in manifest:
        raw = (_SCHEMAS / entry["file"]).read_bytes()
        if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
            raise RuntimeError(f"vendored schema {entry['file']} does not match its checksum")
        found[entry["url"]] = json.loads(raw)
    return found


def _not_vendored(uri: str) -> Resource[Any]:
    # HR Open's common types: not available offline, so not checked (see the module's text).
    return Resource.from_contents({}, default_specification=DRAFT4)


@cache
def _validator() -> Draft4Validator:
    schemas = _vendored()
    # `retrieve` is referencing's documented keyword: an attrs alias mypy's attrs plugin misses.
    registry: Registry[Any] = Registry(retrieve=_not_vendored).with_resources(  # type: ignore[call-arg]
        (url, Resource.from_contents(schema, default_specification=DRAFT4))
        for url, schema in schemas.items()
    )
    return Draft4Validator(
        {**schemas[_LERRS_SCHEMA_URL], "id": _LERRS_SCHEMA_URL}, registry=registry
    )


def lerrs_problems(document: dict[str, Any]) -> list[str]:
    """What in an LER-RS document breaks HR Open's LER-RSType (empty: none): what Satchel
    writes. The credentials inside are the issuers', checked by Satchel's verifier."""
    return [_say(e) for e in _validator().iter_errors(document)]


def _say(error: Any) -> str:
    path = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"{path}: {error.message}"[:300]
