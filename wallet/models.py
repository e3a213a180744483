"""The lifelong record: credentials as received, what was derived from them, and their history.

The original bytes are the source of truth (docs/architecture.md, invariant 1). Every other
column of `Credential` is derived from them by `wallet.services.derive` and can be rebuilt at
any time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext_lazy as _

from wallet.verification import Verdict

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager


class Source(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    PASTE = "paste", _("Pasted text")
    URL = "url", _("Imported from a link")
    BULK = "bulk", _("Bulk import")
    DEMO = "demo", _("Demo data")
    BUNDLE = "bundle", _("Inside a CLR")
    OID4VCI = "oid4vci", _("Received over OpenID4VCI")
    VCAPI = "vcapi", _("Received over a VC-API exchange")
    TOOL = "tool", _("Sent by a connected tool")
    BADGE_HOST = "badge_host", _("From a connected badge platform")


class RecipientMatch(models.TextChoices):
    MATCH = "match", _("Issued to one of your verified identities")
    NO_MATCH = "no_match", _("Issued to an identity you have not verified")
    ABSENT = "absent", _("The credential does not name its recipient")
    NOT_CHECKED = "not_checked", _("Recipient not checked")


class Verdicts(models.TextChoices):
    """The verifier's verdicts (`wallet.verification.Verdict`), labelled in the words of
    `wallet.verification.wording`."""

    VERIFIED = Verdict.VERIFIED.value, gettext_lazy(Verdict.VERIFIED.label)
    VERIFIED_WITH_WARNINGS = (
        Verdict.VERIFIED_WITH_WARNINGS.value,
        gettext_lazy(Verdict.VERIFIED_WITH_WARNINGS.label),
    )
    REVOKED = Verdict.REVOKED.value, gettext_lazy(Verdict.REVOKED.label)
    SUSPENDED = Verdict.SUSPENDED.value, gettext_lazy(Verdict.SUSPENDED.label)
    EXPIRED = Verdict.EXPIRED.value, gettext_lazy(Verdict.EXPIRED.label)
    NOT_YET_VALID = Verdict.NOT_YET_VALID.value, gettext_lazy(Verdict.NOT_YET_VALID.label)
    INVALID_SIGNATURE = (
        Verdict.INVALID_SIGNATURE.value,
        gettext_lazy(Verdict.INVALID_SIGNATURE.label),
    )
    ISSUER_UNREACHABLE = (
        Verdict.ISSUER_UNREACHABLE.value,
        gettext_lazy(Verdict.ISSUER_UNREACHABLE.label),
    )
    MALFORMED = Verdict.MALFORMED.value, gettext_lazy(Verdict.MALFORMED.label)
    UNSUPPORTED = Verdict.UNSUPPORTED.value, gettext_lazy(Verdict.UNSUPPORTED.label)


# The verdicts under which a credential counts: it verifies, perhaps with a warning.
VERIFYING = frozenset({Verdicts.VERIFIED.value, Verdicts.VERIFIED_WITH_WARNINGS.value})


class Format(models.TextChoices):
    """What a stored credential was recognised as (`Report.format`)."""

    OB2_HOSTED = "ob2-hosted", _("Open Badges 2.0, hosted")
    OB2_SIGNED = "ob2-signed", _("Open Badges 2.0, signed")
    OB3 = "ob3", _("Open Badges 3.0")
    CLR2 = "clr2", _("CLR 2.0")
    VC = "vc", _("Verifiable credential")
    ENDORSEMENT = "endorsement", _("Endorsement")
    SD_JWT_VC = "sd-jwt-vc", _("SD-JWT VC")


class Container(models.TextChoices):
    """How a stored credential arrived (`Report.container`)."""

    JSON = "json", "JSON"
    JWT = "jwt", "JWT"
    SD_JWT = "sd-jwt", "SD-JWT"
    PNG = "png", _("Baked PNG image")
    SVG = "svg", _("Baked SVG image")
    URL = "url", _("Link")


# A file holding an original is named for its container. SD-JWT VCs have no registered
# extension; `.sd-jwt` is the one wallets and issuers use.
_EXTENSIONS: dict[str, str] = {
    Container.JSON: "json",
    Container.JWT: "jwt",
    Container.SD_JWT: "sd-jwt",
    Container.PNG: "png",
    Container.SVG: "svg",
}


def file_extension(container: str) -> str:
    """The extension of a file holding an original in this container (`bin` if unknown)."""
    return _EXTENSIONS.get(container, "bin")


# What every page and message calls a credential that states no title.
UNTITLED = gettext_noop("Untitled credential")


class Credential(models.Model):
    # No index of its own: every index below starts with the owner. Each one more costs
    # every import a write.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="credentials",
        db_index=False,
    )
    # A CLR's embedded credentials point at the CLR they arrived in.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # see cred_children: only embedded credentials are indexed
    )

    # --- the original, exactly as received --------------------------------------------
    original = models.BinaryField()
    media_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    # json | jwt | sd-jwt | png | svg | url
    container = models.CharField(max_length=10, blank=True, choices=Container.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    source_url = models.URLField(max_length=2000, blank=True)
    filename = models.CharField(max_length=255, blank=True)

    # --- identity (OB 3.0 equality: normalised issuer id + credential id) ----------------
    format = models.CharField(max_length=20, blank=True, choices=Format.choices)
    credential_id = models.CharField(max_length=2000, blank=True)
    issuer_id = models.CharField(max_length=2000, blank=True)
    # SHA-256 of the normalised (issuer id, credential id), else of the original bytes.
    dedupe_key = models.CharField(max_length=80)

    # --- derived for display, search and filters -------------------------------------
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    issuer_name = models.CharField(max_length=500, blank=True)
    issuer_url = models.URLField(max_length=2000, blank=True)
    issuer_image_url = models.TextField(blank=True)
    achievement_type = models.CharField(max_length=100, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    criteria_narrative = models.TextField(blank=True)
    criteria_url = models.URLField(max_length=2000, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    results = models.JSONField(default=list, blank=True)
    alignments = models.JSONField(default=list, blank=True)
    recipient_match = models.CharField(
        max_length=20, choices=RecipientMatch.choices, default=RecipientMatch.NOT_CHECKED
    )
    # The identity the credential names, when stated in plain text: what the earner should add.
    recipient_hint = models.CharField(max_length=500, blank=True)

    # --- current verification state ------------------------------------------------
    verdict = models.CharField(max_length=30, blank=True, choices=Verdicts.choices)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The last time a check said "verified": an expired credential was once valid.
    verified_at = models.DateTimeField(null=True, blank=True)

    has_image = models.BooleanField(default=False)
    # Annotated: django-stubs cannot yet type a many-to-many field named by a string
    # (typeddjango/django-stubs#1802), and Tag and Collection are defined below.
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField(
        "Tag", blank=True, related_name="credentials"
    )
    collections: models.ManyToManyField[Collection, Any] = models.ManyToManyField(
        "Collection", blank=True, related_name="credentials"
    )

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set only on the credentials of a record page (`wallet.lookalikes`): what tells this one
    # from the others of its title and issuer on the page.
    lookalike_note: str

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            # Also covers the record's version (count, ids, latest change) read for its filters,
            # and the live ids that tags and collections count: read from the index alone.
            models.Index(
                fields=["owner", "deleted_at", "parent", "updated_at", "id"],
                name="cred_owner_live",
            ),
            # The record's default order (newest first), so a page of 5,000 is read in order
            # from the index. Partial: PostgreSQL orders by an index only after columns the
            # query fixes by equality, and "deleted_at IS NULL" is not one.
            models.Index(
                F("owner"),
                Coalesce("issued_at", "created_at").desc(),
                F("id").desc(),
                name="cred_record_newest",
                condition=Q(deleted_at__isnull=True, parent__isnull=True),
            ),
            models.Index(fields=["owner", "issued_at"], name="cred_owner_issued"),
            models.Index(fields=["owner", "issuer_id"], name="cred_owner_issuer"),
            models.Index(fields=["owner", "verdict"], name="cred_owner_verdict"),
            models.Index(fields=["owner", "achievement_type"], name="cred_owner_type"),
            models.Index(fields=["owner", "format"], name="cred_owner_format"),
            models.Index(fields=["checked_at"], name="cred_checked"),
            # Partial: most credentials are neither in the trash nor inside another, and an
            # import then writes neither index.
            models.Index(
                fields=["deleted_at"], name="cred_trashed", condition=Q(deleted_at__isnull=False)
            ),
            models.Index(
                fields=["parent"], name="cred_children", condition=Q(parent__isnull=False)
            ),
        ]
        constraints = [
            # Also the index for finding a credential by identity (queries name parent=None).
            models.UniqueConstraint(
                fields=["owner", "dedupe_key"],
                condition=Q(parent__isnull=True),
                name="credential_one_record_per_identity",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"Credential {self.pk}"

    @property
    def display_title(self) -> str:
        """The title, or the one name every page gives a credential without one."""
        return self.title or gettext(UNTITLED)

    @property
    def recipient_kind(self) -> str:
        """What kind of identity the credential names: "email", "did", "url", "urn" (such as
        urn:uuid, which names no one the learner can prove to be), or "" when it states none
        in plain text. The record's advice about a recipient it cannot match depends on it."""
        hint = self.recipient_hint.strip().lower()
        if not hint:
            return ""
        if hint.startswith("did:"):
            return "did"
        if hint.startswith(("https://", "http://")):
            return "url"
        if "@" in hint and ":" not in hint.split("@", 1)[0]:
            return "email"
        return "urn"

    @property
    def file_extension(self) -> str:
        """The extension of a file holding the original: what its container is."""
        return file_extension(self.container)

    @property
    def is_trashed(self) -> bool:
        return self.deleted_at is not None

    @property
    def verifies(self) -> bool:
        """Whether the last check says it counts (verified, perhaps with a warning)."""
        return self.verdict in VERIFYING

    @property
    def is_open_badge_2(self) -> bool:
        """An Open Badges 2.0 assertion: not a verifiable credential, so never presented."""
        return self.format in (Format.OB2_HOSTED, Format.OB2_SIGNED)

    @property
    def is_clr(self) -> bool:
        return self.format == Format.CLR2


class CredentialVersion(models.Model):
    """An original this record held before, or received after, the current one."""

    class Reason(models.TextChoices):
        REPLACED = "replaced", _("Replaced by a newer issue")
        OLDER = "older", _("An older issue received later")
        UNVERIFIED = "unverified", _("A newer copy that does not verify")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="versions")
    original = models.BinaryField()
    media_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    container = models.CharField(max_length=10, blank=True, choices=Container.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    issued_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.credential_id} version {self.sha256[:12]}"


class VerificationRun(models.Model):
    """One verification of a credential: the verdict and the full report, kept as history."""

    class Trigger(models.TextChoices):
        IMPORT = "import", _("At import")
        RECHECK = "recheck", _("Re-checked on request")
        SCHEDULED = "scheduled", _("Scheduled re-check")
        # Brought back from an export: history of another wallet's checks, never the current
        # verdict (anyone can edit an export file).
        RESTORED = "restored", _("Checked by the wallet it was exported from")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="runs")
    verdict = models.CharField(max_length=30, choices=Verdicts.choices)
    report = models.JSONField()
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["credential", "-checked_at"], name="run_latest")]

    def __str__(self) -> str:
        return f"{self.verdict} at {self.checked_at:%Y-%m-%d %H:%M}"


class CredentialImage(models.Model):
    """A sanitised copy of the badge image: re-encoded PNG, or an allow-listed SVG."""

    credential = models.OneToOneField(Credential, on_delete=models.CASCADE, related_name="image")
    content = models.BinaryField()
    media_type = models.CharField(max_length=30)  # image/png | image/svg+xml
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    origin = models.CharField(max_length=20)  # baked | embedded | fetched

    def __str__(self) -> str:
        return f"{self.media_type} for credential {self.credential_id}"


class Notice(models.Model):
    """Something the earner should know about a credential (it was revoked, it expired)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30, choices=Verdicts.choices)  # the new verdict
    message = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "read_at"], name="notice_owner_unread")]

    def __str__(self) -> str:
        return self.message


class Tag(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField()
    # Credential.tags' other side, which django-stubs does not derive (see there).
    credentials: ManyRelatedManager[Credential, Any]

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # Credential.collections' other side, which django-stubs does not derive (see there).
    credentials: ManyRelatedManager[Credential, Any]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="collection_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """An earner-visible change that matters, written in the same transaction as the change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audit_events"
    )
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="audit_user_recent")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}".strip()


class Disclosure(models.Model):
    """Credentials the learner sent to someone: when, how, to whom (as that party named
    itself, and where it answered from), and why it said it asked. Kept when a credential
    sent is deleted later: the titles sent stay readable."""

    class Protocol(models.TextChoices):
        VCAPI = "vcapi", _("VC-API exchange")
        OID4VP = "oid4vp", _("OpenID for Verifiable Presentations")
        SHARE_LINK = "share_link", _("Share link")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="disclosures"
    )
    sent_at = models.DateTimeField()
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_origin = models.CharField(max_length=2000, blank=True)
    credentials = models.ManyToManyField(Credential, blank=True, related_name="disclosures")
    # What was sent, by title, as it was when sent.
    titles = models.JSONField(default=list, blank=True)
    purpose = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["owner", "-sent_at"], name="disclosure_owner_recent")]

    def __str__(self) -> str:
        return f"{len(self.titles)} sent to {self.recipient_name or self.recipient_origin}"


class IssuerRegistry(models.Model):
    """What Satchel last read of one known issuer registry the operator configured
    (SATCHEL_ISSUER_REGISTRIES), keyed by its URL. Not anyone's data: shared by all."""

    url = models.URLField(max_length=2000, unique=True)
    name = models.CharField(max_length=200)
    # When the listings below were read from the registry itself; null: never (yet).
    fetched_at = models.DateTimeField(null=True, blank=True)
    # The registry's own `meta.updated`, as it wrote it.
    updated = models.CharField(max_length=64, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    # Why the last attempt failed ("" when it did not): for the operator and the page's note.
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name


class RegistryListing(models.Model):
    """One issuer DID a registry lists, with the name and address the registry gives it."""

    registry = models.ForeignKey(IssuerRegistry, on_delete=models.CASCADE, related_name="listings")
    issuer_id = models.CharField(max_length=2000)
    name = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    location = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "issuer_id"], name="registry_listing_unique"
            )
        ]
        indexes = [models.Index(fields=["issuer_id"], name="registry_listing_issuer")]

    def __str__(self) -> str:
        return f"{self.issuer_id} in {self.registry}"


class CaseItem(models.Model):
    """What a CASE provider said of one competency an alignment points at (by the alignment's
    `targetUrl`): public framework data, shared by every learner whose credentials align to it.
    Looked up only when a learner asks; refreshed rarely."""

    uri = models.URLField(max_length=2000, unique=True)
    identifier = models.CharField(max_length=100, blank=True)
    full_statement = models.TextField(blank=True)
    human_coding_scheme = models.CharField(max_length=200, blank=True)
    abbreviated_statement = models.CharField(max_length=500, blank=True)
    item_type = models.CharField(max_length=200, blank=True)
    framework_title = models.CharField(max_length=500, blank=True)
    framework_uri = models.URLField(max_length=2000, blank=True)
    framework_creator = models.CharField(max_length=500, blank=True)
    framework_version = models.CharField(max_length=100, blank=True)
    # When the provider last answered with the item; null: never.
    fetched_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.human_coding_scheme or self.uri

    @property
    def resolved(self) -> bool:
        return self.fetched_at is not None


class RegistryLookup(models.Model):
    """What an OpenID Federation registry answered about one issuer: listed (its subordinate
    statement, checked) or not (404). Absent: never asked, so "not checked"."""

    registry = models.ForeignKey(IssuerRegistry, on_delete=models.CASCADE, related_name="lookups")
    issuer_id = models.CharField(max_length=2000)
    listed = models.BooleanField()
    name = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registry", "issuer_id"], name="registry_lookup_unique")
        ]
        indexes = [models.Index(fields=["issuer_id"], name="registry_lookup_issuer")]

    def __str__(self) -> str:
        return f"{self.issuer_id} in {self.registry}: {'listed' if self.listed else 'not listed'}"
