"""The Digital Credentials Query Language, the wallet's side: read a query, find the learner's
credentials each Credential Query matches, and check that what the learner picked satisfies
the query before anything is sent.

Specification: OpenID for Verifiable Presentations 1.0, section 6 (DCQL), section 7 (Claims
Path Pointer), Appendix B.1 (W3C Verifiable Credentials: `meta.type_values`) and B.3 (IETF
SD-JWT VC: `meta.vct_values`, claims paths over the credential's claims once disclosed).

Pure: no Django, no network. Types are expanded with pyld over the vendored contexts only;
a credential whose context is not vendored is matched on the types it writes as they are,
which is what JSON-LD leaves of a term no context defines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from pyld import jsonld

from wallet.verification.contexts import document_loader

LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
SD_JWT_VC = "dc+sd-jwt"
SUPPORTED_FORMATS = (LDP_VC, JWT_VC_JSON, SD_JWT_VC)
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_CREDENTIAL_QUERIES = 20
MAX_CLAIMS = 50
MAX_PATH = 16


class DcqlError(ValueError):
    """The query is not a valid DCQL query; the message says what is wrong."""


class NotSatisfied(ValueError):
    """What was picked does not answer the query; the message says what is missing."""


# --- section 6: the query ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimsQuery:
    path: tuple[str | int | None, ...]
    id: str = ""
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class CredentialQuery:
    id: str
    format: str
    multiple: bool = False
    type_values: tuple[frozenset[str], ...] = ()
    vct_values: tuple[str, ...] = ()
    claims: tuple[ClaimsQuery, ...] = ()
    claim_sets: tuple[tuple[str, ...], ...] = ()
    require_cryptographic_holder_binding: bool = True

    @property
    def supported(self) -> bool:
        return self.format in SUPPORTED_FORMATS


@dataclass(frozen=True)
class CredentialSetQuery:
    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] = ()

    def query(self, query_id: str) -> CredentialQuery:
        return next(q for q in self.credentials if q.id == query_id)


def _identifier(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise DcqlError(
            gettext("%(what)s must be a non-empty string of letters, digits, _ or -.")
            % {"what": what}
        )
    return value


def _path(value: Any) -> tuple[str | int | None, ...]:
    if not isinstance(value, list) or not value or len(value) > MAX_PATH:
        raise DcqlError(gettext("A claims path must be a non-empty array."))
    for component in value:
        if component is None or isinstance(component, str):
            continue
        if isinstance(component, int) and not isinstance(component, bool) and component >= 0:
            continue
        raise DcqlError(
            gettext("A claims path holds only strings, nulls and non-negative integers.")
        )
    return tuple(value)


def _claims(value: Any) -> tuple[ClaimsQuery, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value or len(value) > MAX_CLAIMS:
        raise DcqlError(gettext("`claims` must be a non-empty array."))
    found: list[ClaimsQuery] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise DcqlError(gettext("Each claims query must be an object."))
        values = entry.get("values")
        if values is not None and (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str | int | bool) for v in values)
        ):
            raise DcqlError(
                gettext("`values` must be a non-empty array of strings, integers or booleans.")
            )
        claim_id = entry.get("id")
        found.append(
            ClaimsQuery(
                path=_path(entry.get("path")),
                id=_identifier(claim_id, gettext("A claim's id")) if claim_id is not None else "",
                values=tuple(values or ()),
            )
        )
    ids = [c.id for c in found if c.id]
    if len(ids) != len(set(ids)):
        raise DcqlError(gettext("A claim id appears twice in one Credential Query."))
    return tuple(found)


def _claim_sets(value: Any, claims: tuple[ClaimsQuery, ...]) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not claims:
        raise DcqlError(gettext("`claim_sets` needs `claims`."))
    known = {c.id for c in claims}
    if "" in known:
        raise DcqlError(gettext("With `claim_sets`, every claims query needs an id."))
    if not isinstance(value, list) or not value:
        raise DcqlError(gettext("`claim_sets` must be a non-empty array."))
    sets: list[tuple[str, ...]] = []
    for option in value:
        if not isinstance(option, list) or not option or not set(option) <= known:
            raise DcqlError(gettext("Each claim set must list ids of the query's claims."))
        sets.append(tuple(option))
    return tuple(sets)


def _meta(meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise DcqlError(gettext("Each Credential Query needs a `meta` object."))
    return meta


def _type_values(meta: dict[str, Any], format_: str) -> tuple[frozenset[str], ...]:
    if format_ not in (LDP_VC, JWT_VC_JSON):
        return ()
    value = meta.get("type_values")
    if (
        not isinstance(value, list)
        or not value
        or not all(
            isinstance(group, list) and group and all(isinstance(t, str) for t in group)
            for group in value
        )
    ):
        raise DcqlError(
            gettext("`meta.type_values` must be a non-empty array of non-empty string arrays.")
        )
    return tuple(frozenset(group) for group in value)


def _vct_values(meta: dict[str, Any], format_: str) -> tuple[str, ...]:
    """Appendix B.3.5: the types (`vct`) an SD-JWT VC may have, a non-empty string array."""
    if format_ != SD_JWT_VC:
        return ()
    value = meta.get("vct_values")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise DcqlError(gettext("`meta.vct_values` must be a non-empty array of strings."))
    return tuple(value)


def _boolean(entry: Mapping[str, Any], name: str, default: bool) -> bool:
    value = entry.get(name, default)
    if not isinstance(value, bool):
        raise DcqlError(gettext("`%(name)s` must be true or false.") % {"name": name})
    return value


def _credential_query(entry: Any) -> CredentialQuery:
    if not isinstance(entry, dict):
        raise DcqlError(gettext("Each Credential Query must be an object."))
    format_ = entry.get("format")
    if not isinstance(format_, str) or not format_:
        raise DcqlError(gettext("Each Credential Query needs a `format`."))
    claims = _claims(entry.get("claims"))
    meta = _meta(entry.get("meta"))
    return CredentialQuery(
        id=_identifier(entry.get("id"), gettext("A Credential Query's id")),
        format=format_,
        multiple=_boolean(entry, "multiple", False),
        type_values=_type_values(meta, format_),
        vct_values=_vct_values(meta, format_),
        claims=claims,
        claim_sets=_claim_sets(entry.get("claim_sets"), claims),
        require_cryptographic_holder_binding=_boolean(
            entry, "require_cryptographic_holder_binding", True
        ),
    )


def _credential_sets(value: Any, ids: set[str]) -> tuple[CredentialSetQuery, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise DcqlError(gettext("`credential_sets` must be a non-empty array."))
    sets: list[CredentialSetQuery] = []
    for entry in value:
        options = entry.get("options") if isinstance(entry, dict) else None
        if not isinstance(options, list) or not options:
            raise DcqlError(gettext("Each Credential Set Query needs non-empty `options`."))
        for option in options:
            if not isinstance(option, list) or not option or not set(option) <= ids:
                raise DcqlError(
                    gettext("Each option must list ids of the query's Credential Queries.")
                )
        sets.append(
            CredentialSetQuery(
                options=tuple(tuple(o) for o in options),
                required=_boolean(entry, "required", True),
            )
        )
    return tuple(sets)


def parse_dcql_query(value: Any) -> DcqlQuery:
    """Read a DCQL query (section 6); raises DcqlError for one that is not valid."""
    if not isinstance(value, dict):
        raise DcqlError(gettext("The DCQL query must be a JSON object."))
    entries = value.get("credentials")
    if not isinstance(entries, list) or not entries:
        raise DcqlError(gettext("The DCQL query must list at least one Credential Query."))
    if len(entries) > MAX_CREDENTIAL_QUERIES:
        raise DcqlError(gettext("The DCQL query asks for too many credentials."))
    credentials = tuple(_credential_query(entry) for entry in entries)
    ids = [q.id for q in credentials]
    if len(ids) != len(set(ids)):
        raise DcqlError(gettext("A Credential Query id appears twice."))
    return DcqlQuery(
        credentials=credentials,
        credential_sets=_credential_sets(value.get("credential_sets"), set(ids)),
    )


# --- section 7: claims path pointers ---------------------------------------------------------


class _NoClaim(Exception):
    """A claims path pointer that selects nothing in the credential (section 7.1)."""


def select_claims(document: Any, path: Sequence[str | int | None]) -> list[Any]:
    """Process a claims path pointer against a JSON credential (section 7.1.1); the
    selected elements, or an empty list where processing would "return an error"."""
    try:
        return _select(document, path)
    except _NoClaim:
        return []


def _select(document: Any, path: Sequence[str | int | None]) -> list[Any]:
    selected = [document]
    for component in path:
        following: list[Any] = []
        for element in selected:
            if isinstance(component, str):
                if not isinstance(element, dict):
                    raise _NoClaim
                if component in element:
                    following.append(element[component])
            elif component is None:
                if not isinstance(element, list):
                    raise _NoClaim
                following.extend(element)
            else:
                if not isinstance(element, list):
                    raise _NoClaim
                if component < len(element):
                    following.append(element[component])
        selected = following
    if not selected:
        raise _NoClaim
    return selected


def select_paths(document: Any, path: Sequence[str | int | None]) -> list[tuple[str | int, ...]]:
    """Section 7.1.1 again, giving where each selected element sits (`null` made into each
    index it stands for) rather than the element: what a selective disclosure must reveal."""
    selected: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    for component in path:
        following: list[tuple[tuple[str | int, ...], Any]] = []
        for where, element in selected:
            if isinstance(component, str) and isinstance(element, dict):
                if component in element:
                    following.append(((*where, component), element[component]))
            elif component is None and isinstance(element, list):
                following.extend(((*where, i), item) for i, item in enumerate(element))
            elif isinstance(component, int) and isinstance(element, list):
                if component < len(element):
                    following.append(((*where, component), element[component]))
            else:
                return []
        selected = following
    return [where for where, _ in selected]


def _value_matches(selected: list[Any], values: tuple[Any, ...]) -> bool:
    # Type and value both: 1 is not true, "1" is not 1.
    return any(
        type(found) is type(wanted) and found == wanted for found in selected for wanted in values
    )


def _claim_present(document: Any, claim: ClaimsQuery) -> bool:
    selected = select_claims(document, claim.path)
    if not selected:
        return False
    return not claim.values or _value_matches(selected, claim.values)


def claims_satisfied(document: Any, query: CredentialQuery) -> bool:
    """Section 6.4.1: every claim asked for is there, or, with `claim_sets`, every claim of
    at least one set."""
    if not query.claims:
        return True
    present = {id(c) for c in query.claims if _claim_present(document, c)}
    if not query.claim_sets:
        return len(present) == len(query.claims)
    by_id = {c.id: c for c in query.claims}
    return any(all(id(by_id[i]) in present for i in option) for option in query.claim_sets)


# --- Appendix B.1.1: expanded types ------------------------------------------------------------

_TYPE = "@type"


def expanded_types(document: Mapping[str, Any]) -> frozenset[str]:
    """The credential's `type` values as JSON-LD expands them over its own `@context`.

    Only the context and the types are expanded, not the whole credential. A context that is
    not vendored cannot be read: the types then stand as written, as an undefined term would.
    """
    types = document.get("type")
    written = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    written = [t for t in written if isinstance(t, str)]
    if not written:
        return frozenset()
    try:
        expanded = jsonld.expand(
            {"@context": document.get("@context"), "type": written},
            {"documentLoader": document_loader, "base": None},
        )
    except Exception:  # an unknown context, or one pyld cannot read
        return frozenset(written)
    found: set[str] = set()
    for node in expanded:
        if isinstance(node, dict):
            found.update(t for t in node.get(_TYPE, []) if isinstance(t, str))
    return frozenset(found or written)


# --- matching and choosing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One of the learner's credentials, as DCQL sees it: `document` is the credential's JSON
    (for a JWT, the credential it carries), `format` the DCQL format it can be presented in."""

    key: int
    format: str
    document: Mapping[str, Any]
    types: frozenset[str]


def candidate(*, key: int, format_: str, document: Mapping[str, Any]) -> Candidate:
    """A Candidate with its types: expanded IRIs, and for `jwt_vc_json` (which does not use
    JSON-LD, and whose verifiers ask by the names the credential writes) those names too."""
    types = expanded_types(document)
    if format_ == JWT_VC_JSON:
        raw = document.get("type")
        names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        types = types | {t for t in names if isinstance(t, str)}
    return Candidate(key=key, format=format_, document=document, types=types)


def matches(query: CredentialQuery, found: Candidate) -> bool:
    """Whether the credential answers the Credential Query (format, types, claims)."""
    if not query.supported or found.format != query.format:
        return False
    if query.type_values and not any(group <= found.types for group in query.type_values):
        return False
    if query.vct_values and found.document.get("vct") not in query.vct_values:
        return False
    return claims_satisfied(found.document, query)


@dataclass(frozen=True)
class Evaluation:
    query: DcqlQuery
    # Credential Query id -> the keys of the learner's credentials that match it.
    matches: Mapping[str, tuple[int, ...]]

    def required_sets(self) -> tuple[CredentialSetQuery, ...]:
        if self.query.credential_sets:
            return tuple(s for s in self.query.credential_sets if s.required)
        # Without credential_sets, every Credential Query is asked for.
        return tuple(CredentialSetQuery(options=((q.id,),)) for q in self.query.credentials)

    def satisfiable(self) -> bool:
        """Whether the learner holds enough to answer at all (section 6.4.2)."""
        return all(
            any(all(self.matches.get(i) for i in option) for option in credential_set.options)
            for credential_set in self.required_sets()
        )

    def unanswerable(self) -> list[str]:
        """The ids of Credential Queries that nothing in the record matches."""
        return [q.id for q in self.query.credentials if not self.matches.get(q.id)]


def evaluate(query: DcqlQuery, candidates: Iterable[Candidate]) -> Evaluation:
    pool = list(candidates)
    return Evaluation(
        query=query,
        matches={q.id: tuple(c.key for c in pool if matches(q, c)) for q in query.credentials},
    )


def choose(evaluation: Evaluation, picked: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
    """Check the learner's picks (Credential Query id -> credential keys) against the query:
    each pick matches its query, one credential per query unless `multiple`, and the picks
    satisfy every required Credential Set Query (or every query, without sets). Returns the
    picks that go in the `vp_token`; raises NotSatisfied with what is missing."""
    chosen: dict[str, list[int]] = {}
    ids = {q.id for q in evaluation.query.credentials}
    for query_id, keys in picked.items():
        if query_id not in ids:
            raise NotSatisfied(
                gettext("The request has no Credential Query %(query_id)s.")
                % {"query_id": repr(query_id)}
            )
        keys = list(dict.fromkeys(keys))
        if not keys:
            continue
        allowed = set(evaluation.matches.get(query_id, ()))
        if not set(keys) <= allowed:
            raise NotSatisfied(
                gettext("A credential picked for %(query_id)s does not match it.")
                % {"query_id": repr(query_id)}
            )
        if len(keys) > 1 and not evaluation.query.query(query_id).multiple:
            raise NotSatisfied(
                gettext("Only one credential may be sent for %(query_id)s.")
                % {"query_id": repr(query_id)}
            )
        chosen[query_id] = keys
    for credential_set in evaluation.required_sets():
        if not any(all(i in chosen for i in option) for option in credential_set.options):
            wanted = " or ".join("+".join(option) for option in credential_set.options)
            raise NotSatisfied(gettext("The request needs %(wanted)s.") % {"wanted": wanted})
    # Optional queries answered outside any option of a set are not asked for: dropped.
    if evaluation.query.credential_sets:
        used = {
            i
            for credential_set in evaluation.query.credential_sets
            for option in credential_set.options
            if all(j in chosen for j in option)
            for i in option
        }
        chosen = {k: v for k, v in chosen.items() if k in used}
    return chosen
