"""Reads of the earner's record. Every selector takes the owner; anything else's is a 404."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
)
from django.db.models.functions import Cast, Coalesce, Lower
from django.http import Http404

from accounts.models import User
from config import rawsql

if TYPE_CHECKING:
    # Types only (django-stubs' companion, a dev dependency): never imported at run time.
    from django_stubs_ext import WithAnnotations

from wallet import case
from wallet.models import (
    AuditEvent,
    CaseItem,
    Collection,
    Credential,
    CredentialImage,
    CredentialVersion,
    Disclosure,
    Notice,
    Tag,
    VerificationRun,
)
from wallet.wording import check_message

SORTS = ("newest", "oldest", "title", "issuer")


@dataclass(frozen=True)
class CredentialFilters:
    """The record's list filters; empty values filter nothing."""

    issuer: str = ""  # issuer id
    type: str = ""  # achievement type ("Badge", "Certificate", "CLR") or format ("ob2-hosted")
    skill: str = ""  # an alignment's targetUrl, targetCode or name
    verdict: str = ""
    tag: int | None = None
    collection: int | None = None
    q: str = ""
    sort: str = "newest"
    # A CLR's credentials are listed inside it; set to list them alongside everything else.
    include_children: bool = False


def _as_pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such item.") from None


def _live(owner: User) -> QuerySet[Credential]:
    return Credential.objects.filter(owner=owner, deleted_at__isnull=True)


def access_credential(
    *, owner: User, credential_id: Any, include_trashed: bool = False
) -> Credential:
    """The owner's credential, or Http404 (also for anyone else's: no existence leak)."""
    queryset = Credential.objects.filter(owner=owner)
    if not include_trashed:
        queryset = queryset.filter(deleted_at__isnull=True)
    credential = queryset.select_related("parent").filter(pk=_as_pk(credential_id)).first()
    if credential is None:
        raise Http404("No such credential.")
    return credential


def credential_list(
    *, owner: User, filters: CredentialFilters | None = None
) -> QuerySet[Credential]:
    """The owner's live credentials, filtered and sorted, in a constant number of queries."""
    filters = filters or CredentialFilters()
    queryset = _live(owner)
    if not filters.include_children:
        queryset = queryset.filter(parent__isnull=True)
    if filters.issuer:
        queryset = queryset.filter(issuer_id=filters.issuer)
    if filters.type:
        queryset = queryset.filter(
            Q(achievement_type__iexact=filters.type) | Q(format=filters.type)
        )
    if filters.verdict:
        queryset = queryset.filter(verdict=filters.verdict)
    if filters.tag is not None:
        queryset = queryset.filter(tags__pk=filters.tag)
    if filters.collection is not None:
        queryset = queryset.filter(collections__pk=filters.collection)
    if filters.skill:
        queryset = _with_skill(queryset, filters.skill)
    if filters.q.strip():
        queryset = _search(queryset, filters.q.strip())
    return _sorted(queryset, filters.sort).defer("original").prefetch_related("tags", "collections")


def credentials_in_order(*, owner: User, pks: list[int]) -> list[Credential]:
    """The owner's live credentials with these pks, in that order (a page of a list)."""
    rows = _live(owner).filter(pk__in=pks).defer("original").prefetch_related("tags", "collections")
    by_pk = {c.pk: c for c in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def _with_skill(queryset: QuerySet[Credential], skill: str) -> QuerySet[Credential]:
    # JSON containment is PostgreSQL-only; matching the quoted value in the JSON text works on
    # both backends and matches a skill's url, code or name exactly. SQLite keeps the JSON as
    # Python's json.dumps wrote it (non-ASCII escaped); PostgreSQL's jsonb prints it unescaped.
    needle = json.dumps(skill, ensure_ascii=connection.vendor != "postgresql")
    return queryset.annotate(alignments_text=Cast("alignments", TextField())).filter(
        alignments_text__contains=needle
    )


def _search(queryset: QuerySet[Credential], text: str) -> QuerySet[Credential]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        query = SearchQuery(text, search_type="websearch", config="simple")
        return queryset.alias(search=StoredSearch()).filter(search=query)
    matches = Q()
    for word in text.split():
        matches &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(issuer_name__icontains=word)
            | Q(achievement_type__icontains=word)
        )
    return queryset.filter(matches)


class StoredSearch(Expression):
    """A credential's weighted search words as PostgreSQL stores them (the `search` column
    migration 0021 adds: title A, issuer name B, description and type C, "simple"
    configuration). Not a model field, so it is named here, on the query's own credential
    table (whatever alias that table has in a subquery)."""

    def __init__(self) -> None:
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search')}", []


def _sorted(queryset: QuerySet[Credential], sort: str) -> QuerySet[Credential]:
    when = Coalesce("issued_at", "created_at")
    if sort == "oldest":
        return queryset.order_by(when.asc(), "pk")
    if sort == "title":
        return queryset.order_by(Lower("title"), "pk")
    if sort == "issuer":
        return queryset.order_by(Lower("issuer_name"), when.desc(), "-pk")
    return queryset.order_by(when.desc(), "-pk")


def trash_list(*, owner: User) -> QuerySet[Credential]:
    """Trashed credentials (top level), most recently deleted first."""
    return (
        Credential.objects.filter(owner=owner, deleted_at__isnull=False, parent__isnull=True)
        .defer("original")
        .order_by("-deleted_at", "-pk")
    )


def credential_children(*, credential: Credential) -> QuerySet[Credential]:
    """The credentials inside an (already accessed) CLR, in their order in it."""
    return credential.children.filter(deleted_at__isnull=True).defer("original").order_by("pk")


def credential_runs(*, credential: Credential) -> QuerySet[VerificationRun]:
    """Every verification of an (already accessed) credential, newest first."""
    return credential.runs.order_by("-checked_at", "-pk")


def credential_latest_run(*, credential: Credential) -> VerificationRun | None:
    """The latest check this wallet made: the report behind the credential's verdict.

    Runs restored from an export are another wallet's history, never the current report.
    """
    return _own_newest_first(credential.runs.all()).first()


def latest_runs(*, credential_ids: Iterable[int]) -> QuerySet[VerificationRun]:
    """The latest check this wallet made of each of the (already accessed) credentials, one
    query: the run `credential_latest_run` gives for each, where it has one.

    A scheduled check that finds what the one before it found writes no run
    (`wallet.services.reverify`), so the latest run may be older than the credential's
    `checked_at`: it still holds the report behind the current verdict.
    """
    newest = _own_newest_first(VerificationRun.objects.filter(credential_id=OuterRef("pk")))
    return VerificationRun.objects.filter(
        pk__in=Credential.objects.filter(pk__in=list(credential_ids))
        .annotate(latest=Subquery(newest.values("pk")[:1]))
        .values("latest")
    )


def _own_newest_first(runs: QuerySet[VerificationRun]) -> QuerySet[VerificationRun]:
    """This wallet's own checks among `runs`, newest first: runs restored from an export are
    another wallet's history, never the current report."""
    return runs.exclude(trigger=VerificationRun.Trigger.RESTORED).order_by("-checked_at", "-pk")


def credential_warnings(*, credentials: Iterable[Credential]) -> dict[int, list[str]]:
    """The warnings behind each (already accessed) credential's current verdict, as the
    sentences its checks wrote (in the active language); credentials with none are left out.

    Read from the credential's latest run (`latest_runs`), when it says what the credential
    does: a run with another verdict, one after its `checked_at`, or one that came with a
    restored export never speaks for it.
    """
    checked = {c.pk: (c.checked_at, c.verdict) for c in credentials if c.checked_at is not None}
    if not checked:
        return {}
    runs = latest_runs(credential_ids=checked).values_list(
        "credential_id", "checked_at", "verdict", "report"
    )
    found: dict[int, list[str]] = {}
    for pk, checked_at, verdict, report in runs:
        checked_at_now, verdict_now = checked[pk]
        if checked_at > checked_at_now or verdict != verdict_now:
            continue
        checks = report.get("checks", []) if isinstance(report, dict) else []
        sentences = [
            check_message(c)
            for c in checks
            if isinstance(c, dict) and c.get("status") == "warning" and c.get("message")
        ]
        if sentences:
            # Two checks can find the same thing (a subject with no recipient, say): once.
            found[pk] = list(dict.fromkeys(str(s) for s in sentences))
    return found


def credential_versions(*, credential: Credential) -> QuerySet[CredentialVersion]:
    """Other issues of the credential, kept as history."""
    return credential.versions.defer("original").order_by(F("issued_at").desc(nulls_last=True))


def credential_image(*, owner: User, credential_id: Any) -> CredentialImage:
    """The sanitised image of the owner's credential, or Http404."""
    image = CredentialImage.objects.filter(
        credential__owner=owner,
        credential__pk=_as_pk(credential_id),
        credential__deleted_at__isnull=True,
    ).first()
    if image is None:
        raise Http404("No image.")
    return image


def credential_image_of(*, credential: Credential) -> CredentialImage | None:
    """The sanitised badge image of a credential the caller has already reached through a
    selector (its owner's, or one a share link shows), if it has one."""
    return CredentialImage.objects.filter(credential=credential).first()


def timeline(*, owner: User) -> QuerySet[Credential]:
    """Every live credential (those inside CLRs too) by when it was earned, newest first.

    Each row carries `earned_at`: the award date, else the issue date, else the import date.
    """
    return (
        _live(owner)
        .annotate(earned_at=Coalesce("awarded_at", "issued_at", "created_at"))
        .defer("original")
        .order_by(F("earned_at").desc(), "-pk")
    )


@dataclass
class SkillSummary:
    name: str
    url: str
    code: str
    framework: str
    type: str
    count: int = 0
    credential_ids: list[int] = field(default_factory=list)
    # What the CASE provider says of it, once looked up (None: not a CASE item, or not yet).
    case_item: CaseItem | None = None

    @property
    def is_case(self) -> bool:
        return case.is_case_alignment({"type": self.type, "url": self.url})


@dataclass
class SkillGroup:
    """The skills of one framework: as its CASE provider names it, else as the credentials do."""

    framework: str
    creator: str = ""
    skills: list[SkillSummary] = field(default_factory=list)


def skills_by_framework(*, owner: User) -> list[SkillGroup]:
    """The owner's skills grouped by framework (the largest groups first; unnamed last), each
    CASE item with what its provider said, when it was looked up."""
    skills = skills_summary(owner=owner)
    items = case_items(urls=[s.url for s in skills if s.is_case])
    groups: dict[str, SkillGroup] = {}
    for skill in skills:
        skill.case_item = items.get(skill.url)
        title = skill.framework
        creator = ""
        if skill.case_item is not None and skill.case_item.framework_title:
            title = skill.case_item.framework_title
            creator = skill.case_item.framework_creator
        group = groups.setdefault(title, SkillGroup(framework=title, creator=creator))
        group.skills.append(skill)
    return sorted(
        groups.values(),
        key=lambda g: (not g.framework, -sum(s.count for s in g.skills), g.framework.lower()),
    )


def case_items(*, urls: Iterable[str]) -> dict[str, CaseItem]:
    """The CASE items already looked up, by alignment URL (public data: no owner)."""
    wanted = [u for u in set(urls) if u]
    if not wanted:
        return {}
    return {
        row.uri: row for row in CaseItem.objects.filter(uri__in=wanted, fetched_at__isnull=False)
    }


def case_alignment_urls(*, owner: User) -> list[str]:
    """The distinct CASE item URLs the owner's live credentials align to."""
    return sorted(s.url for s in skills_summary(owner=owner) if s.is_case)


def skills_summary(*, owner: User) -> list[SkillSummary]:
    """Alignments (skills, competencies, CASE items) across the record, most evidenced first.

    A skill is identified by its URL, else its code, else its name (case-insensitive).
    """
    rows = (
        _live(owner)
        .annotate(alignments_text=Cast("alignments", TextField()))
        .values_list("alignments_text", "pk")
        .order_by("pk")
    )
    by_text: dict[str, list[int]] = {}
    for text, pk in rows:
        by_text.setdefault(text or "", []).append(pk)
    skills = _skills_from_texts({text: pks for text, pks in by_text.items()})
    for summary in skills:
        summary.credential_ids.sort()
    return skills


def _skills_from_texts(texts: dict[str, list[int] | int]) -> list[SkillSummary]:
    """Skills from each distinct alignments JSON text and the credentials holding it (their
    pks, or only how many): copies of a badge and a CLR's courses repeat the same list, so
    each distinct one is decoded and walked once however many credentials carry it."""
    skills: dict[str, SkillSummary] = {}
    for text, holders in texts.items():
        for key, entry in _skill_entries(text).items():
            summary = skills.setdefault(
                key,
                SkillSummary(
                    name=entry.get("name", ""),
                    url=entry.get("url", ""),
                    code=entry.get("code", ""),
                    framework=entry.get("framework", ""),
                    type=entry.get("type", ""),
                ),
            )
            if isinstance(holders, int):
                summary.count += holders
            else:
                summary.credential_ids.extend(holders)
                summary.count += len(holders)
    return sorted(skills.values(), key=lambda s: (-s.count, s.name.lower()))


def _skill_entries(text: str) -> dict[str, dict[str, Any]]:
    """The alignments of one credential by skill key, first entry of each key kept."""
    entries: dict[str, dict[str, Any]] = {}
    for entry in _json_list(text):
        if not isinstance(entry, dict):
            continue
        key = (entry.get("url") or entry.get("code") or entry.get("name") or "").lower()
        if key and key not in entries:
            entries[key] = entry
    return entries


def _json_list(text: str) -> list[Any]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class RecordFacets:
    """What the record's filters offer, as `issuers`, `types` and `skills_summary` give it
    (skills here carry counts only, no credential ids)."""

    issuers: list[dict[str, Any]]
    types: list[str]
    skills: list[SkillSummary]


def record_facets(*, owner: User) -> RecordFacets:
    """The record's issuers, achievement types and skills, cached per version of the record.

    The version (how many live credentials, which ones, and their latest change) is read from
    an index alone; a credential imported, trashed, restored or re-derived changes it, so the
    filters never go stale while a large record skips the grouped query on most page views.
    """
    version = _live(owner).aggregate(count=Count("pk"), ids=Sum("pk"), changed=Max("updated_at"))
    changed = version["changed"].isoformat() if version["changed"] else "-"
    key = f"record-facets:{owner.pk}:{version['count']}:{version['ids']}:{changed}"
    cached = cache.get(key)
    if isinstance(cached, RecordFacets):
        return cached
    facets = _record_facets(owner)
    cache.set(key, facets, FACETS_CACHE_SECONDS)
    return facets


FACETS_CACHE_SECONDS = 600


def _record_facets(owner: User) -> RecordFacets:
    """One grouped query, so the filters cost the same however many credentials share them."""
    rows = (
        _live(owner)
        .annotate(
            top=ExpressionWrapper(Q(parent__isnull=True), output_field=BooleanField()),
            alignments_text=Cast("alignments", TextField()),
        )
        .values("top", "issuer_id", "issuer_name", "achievement_type", "alignments_text")
        .annotate(count=Count("pk"))
        .order_by()
    )
    issuer_counts: dict[tuple[str, str], int] = {}
    types: set[str] = set()
    texts: dict[str, int] = {}
    for row in rows:
        texts[row["alignments_text"] or ""] = (
            texts.get(row["alignments_text"] or "", 0) + row["count"]
        )
        if not row["top"]:
            continue
        if row["achievement_type"]:
            types.add(row["achievement_type"])
        if row["issuer_id"]:
            key = (row["issuer_id"], row["issuer_name"])
            issuer_counts[key] = issuer_counts.get(key, 0) + row["count"]
    issuer_rows = _issuer_rows(issuer_counts)
    return RecordFacets(issuer_rows, _type_options(types), _skills_from_texts(dict(texts)))


def _issuer_rows(counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """One row per issuer identity (what the filter matches on), counted once: an issuer that
    renamed itself is one issuer under the name most of its credentials use; two identities
    with one name each say which is which (`issuer_hint`)."""
    by_id: dict[str, dict[str, int]] = {}
    for (issuer_id, name), count in counts.items():
        by_id.setdefault(issuer_id, {})[name] = by_id.get(issuer_id, {}).get(name, 0) + count
    usual = {
        issuer_id: max(names.items(), key=lambda item: (item[1], item[0]))[0]
        for issuer_id, names in by_id.items()
    }
    order = sorted(by_id, key=lambda issuer_id: (usual[issuer_id].lower(), issuer_id))
    named = [usual[issuer_id].lower() for issuer_id in order]
    rows: list[dict[str, Any]] = []
    for issuer_id in order:
        name = usual[issuer_id]
        shared = bool(name) and named.count(name.lower()) > 1
        rows.append(
            {
                "issuer_id": issuer_id,
                "issuer_name": name,
                "count": sum(by_id[issuer_id].values()),
                "issuer_hint": short_identifier(issuer_id) if shared else "",
            }
        )
    return rows


def short_identifier(value: str, keep: int = 6) -> str:
    """A DID or address cut to what tells two apart at a glance: the start of the
    identifier-specific part and its end ("did:key:z6MkhaXg…2doK", "a.example/…/issuer")."""
    if value.lower().startswith(("https://", "http://")):
        rest = value.split("://", 1)[1].rstrip("/")
        host, _, path = rest.partition("/")
        tail = path.rsplit("/", 1)[-1]
        return f"{host}/…/{tail}" if path.count("/") else rest
    method, _, specific = value.rpartition(":")
    if len(specific) <= 2 * keep + 1:
        return value
    return f"{method}:{specific[:keep]}…{specific[-keep:]}" if method else value


def issuers(*, owner: User) -> list[dict[str, Any]]:
    """The issuers in the record (for the issuer filter): one row per identity, with its
    name and how many credentials."""
    rows = (
        _live(owner)
        .filter(parent__isnull=True)
        .exclude(issuer_id="")
        .values("issuer_id", "issuer_name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return _issuer_rows({(r["issuer_id"], r["issuer_name"]): r["count"] for r in rows})


class Counted(TypedDict):
    credential_count: int


def tags(*, owner: User) -> QuerySet[WithAnnotations[Tag, Counted]]:
    """The owner's tags by name (ignoring case), each with `credential_count` (live ones)."""
    counted = Tag.objects.filter(owner=owner).annotate(credential_count=_live_count(owner))
    return _by_name(counted)


def collections(*, owner: User) -> QuerySet[WithAnnotations[Collection, Counted]]:
    """The owner's collections by name (ignoring case), each with `credential_count`."""
    counted = Collection.objects.filter(owner=owner).annotate(credential_count=_live_count(owner))
    return _by_name(counted)


def _live_count(owner: User) -> Count:
    # Live-ness is read from the (owner, deleted_at) index through a subquery: joining each
    # credential's row to read its deleted_at is many times slower on a large record.
    return Count("credentials", filter=Q(credentials__in=_live(owner).values("pk")))


def _by_name(rows: QuerySet[Any]) -> QuerySet[Any]:
    # A counted (GROUP BY) queryset drops the model's default ordering: it is set again here.
    return rows.order_by(Lower("name"), "pk")


def achievement_types(*, owner: User) -> list[str]:
    """The achievement types of the owner's live top-level credentials, for the type filter:
    by name ignoring case, one entry per type however it is capitalised (the filter matches
    without case)."""
    rows = (
        _live(owner)
        .filter(parent__isnull=True)
        .exclude(achievement_type="")
        .values_list("achievement_type", flat=True)
        .distinct()
        .order_by()
    )
    return _type_options(rows)


def _type_options(types: Iterable[str]) -> list[str]:
    chosen: dict[str, str] = {}
    # Sorted first so the spelling kept for a type does not depend on the database's order.
    for name in sorted(types):
        chosen.setdefault(name.casefold(), name)
    return sorted(chosen.values(), key=lambda name: (name.casefold(), name))


def credential_by_identity(*, owner: User, dedupe_key: str) -> Credential | None:
    """The owner's record of a credential (in the trash too), found by its identity."""
    return Credential.objects.filter(owner=owner, parent=None, dedupe_key=dedupe_key).first()


def record_credentials(*, owner: User, pks: Iterable[int]) -> QuerySet[Credential]:
    """Those of `pks` that are the owner's credentials in the record, in the trash too (not
    those inside another)."""
    return Credential.objects.filter(owner=owner, parent__isnull=True, pk__in=list(pks))


def record_with_contents(*, owner: User, pks: list[int] | None = None) -> QuerySet[Credential]:
    """Every credential of the owner's record (or the chosen ones of `pks`) with what is
    inside them, trashed ones too, each parent before what it contains."""
    queryset = Credential.objects.filter(owner=owner)
    if pks is not None:
        chosen = queryset.filter(pk__in=pks, parent__isnull=True).values("pk")
        queryset = queryset.filter(pk__in=chosen) | queryset.filter(parent__in=chosen)
    return queryset.order_by(F("parent_id").asc(nulls_first=True), "pk")


def tags_by_name(*, owner: User) -> QuerySet[Tag]:
    """The owner's tags, as the model orders them, without counts."""
    return Tag.objects.filter(owner=owner).order_by("name")


def collections_by_name(*, owner: User) -> QuerySet[Collection]:
    """The owner's collections, as the model orders them, without counts."""
    return Collection.objects.filter(owner=owner).order_by("name")


def collection_named(*, owner: User, name: str) -> Collection | None:
    """The owner's collection of that name, ignoring case."""
    return Collection.objects.filter(owner=owner, name__iexact=name).first()


def live_credentials(*, owner: User) -> QuerySet[Credential]:
    """The owner's credentials in the record: not in the trash, not inside another."""
    return Credential.objects.filter(owner=owner, parent__isnull=True, deleted_at__isnull=True)


def expiring_credentials(*, start: datetime, end: datetime) -> QuerySet[Credential]:
    """Every learner's live, top-level credentials whose validity ends in [start, end) and
    that verify now: what the daily refresh asks the issuers about (`intake.services.refresh`)."""
    return Credential.objects.filter(
        parent__isnull=True,
        deleted_at__isnull=True,
        valid_until__gte=start,
        valid_until__lt=end,
        verdict__in=("verified", "verified_with_warnings"),
    ).select_related("owner")


def live_credentials_and_contents(*, owner: User) -> QuerySet[Credential]:
    """The owner's live credentials, and the live ones inside them (a CLR's), each parent
    live too: what a learner can pick one by one."""
    return Credential.objects.filter(owner=owner, deleted_at__isnull=True).filter(
        Q(parent__isnull=True) | Q(parent__deleted_at__isnull=True)
    )


def access_tag(*, owner: User, tag_id: Any) -> Tag:
    tag = Tag.objects.filter(owner=owner, pk=_as_pk(tag_id)).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def access_collection(*, owner: User, collection_id: Any) -> Collection:
    collection = Collection.objects.filter(owner=owner, pk=_as_pk(collection_id)).first()
    if collection is None:
        raise Http404("No such collection.")
    return collection


def disclosures(*, owner: User) -> QuerySet[Disclosure]:
    """What the owner sent, newest first."""
    return Disclosure.objects.filter(owner=owner).prefetch_related("credentials")


def notices(*, owner: User, unread_only: bool = False) -> QuerySet[Notice]:
    queryset = Notice.objects.filter(owner=owner).select_related("credential")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def audit_events(*, owner: User, limit: int = 100) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(user=owner).order_by("-created_at", "-pk")[:limit])


# --- what a share link shows: the employer's hot path, as fixed SQL ----------------------------
# Every opening of a share link reads the link and the versions of what it shows in one
# statement (sharing.hot_path). Compiling it through the ORM cost more than running it; the
# part that reads this app's tables is written here, and sharing joins it to its own.

VERSION_FIELDS = ("id", "verdict", "checked_at", "updated_at")


def shown_versions_join(
    alias: str, *, credential_id: str, collection_id: str, owner_id: str, follows: str
) -> tuple[str, list[str]]:
    """The joins, and the version columns (`VERSION_FIELDS`), that add to each row of a
    caller's statement the live credentials it shows: the credential `credential_id` names,
    or, where `follows` holds, the owner's credentials in the collection `collection_id`
    names. The arguments are SQL expressions over the caller's own tables."""
    quote = connections[alias].ops.quote_name
    credential = Credential._meta
    membership = credential.get_field("collections")

    def column(name: str) -> str:
        return f"c.{quote(rawsql.concrete_field(Credential, name).column)}"

    joins = (
        f"LEFT JOIN {quote(membership.m2m_db_table())} m "
        f"ON m.{quote(membership.m2m_reverse_name())} = {collection_id} AND {follows} "
        f"JOIN {quote(credential.db_table)} c ON {column('id')} = "
        f"COALESCE({credential_id}, m.{quote(membership.m2m_column_name())}) "
        f"AND {column('deleted_at')} IS NULL "
        f"AND (NOT {follows} OR {column('owner')} = {owner_id})"
    )
    return joins, [
        rawsql.column(alias, rawsql.concrete_field(Credential, name), column(name))
        for name in VERSION_FIELDS
    ]


def shown_versions(alias: str, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The version columns read through `shown_versions_join`, as the ORM would give them,
    in pk order."""
    return list(_converted_versions(alias, tuple(tuple(row) for row in rows)))


@lru_cache(maxsize=256)
def _converted_versions(
    alias: str, rows: tuple[tuple[Any, ...], ...]
) -> tuple[tuple[Any, ...], ...]:
    """Converted once per distinct raw rows: the same link is opened again and again with
    the same rows, and converting its twenty dates each time was a fifth of the lookup."""
    found = _version_converters(alias)
    return tuple(sorted(tuple(rawsql.convert(alias, row, found)) for row in rows))


@lru_cache(maxsize=8)
def _version_converters(alias: str) -> rawsql.Converters:
    return rawsql.converters(alias, [rawsql.concrete_field(Credential, n) for n in VERSION_FIELDS])
