"""Share links: what an earner shows an employer, for how long, and who looked.

The token in a link is never stored as is: `token_hash` (SHA-256) finds the link, and
`token_encrypted` (accounts.crypto) lets the earner copy the link again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from wallet.models import Credential

# Names of the annotations `sharing.selectors` adds for an unlimited link's views.
PAGE_VIEWS = "page_views"
LAST_PAGE_VIEW = "last_page_view"


class ShareState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    USED_UP = "used_up", _("All views used")


class ShareLink(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    # The earner's own label ("Acme Corp, data analyst application"); never shown publicly.
    audience = models.CharField(max_length=200)
    # How the earner is named on the employer's page; empty shows no name at all.
    display_name = models.CharField(max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    token_encrypted = models.TextField()
    # The nonce a presentation is bound to unless a verifier asks for its own.
    challenge = models.CharField(max_length=64)
    collection = models.ForeignKey(
        "wallet.Collection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="share_links",
    )
    # True: the link shows the collection as it is now; False: as it was when shared.
    follow_collection = models.BooleanField(default=False)
    # Annotated: django-stubs cannot yet type a many-to-many field named by a string
    # (typeddjango/django-stubs#1802).
    credentials: models.ManyToManyField[Credential, ShareItem] = models.ManyToManyField(
        "wallet.Credential", through="ShareItem", related_name="share_links", blank=True
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    max_views = models.PositiveIntegerField(null=True, blank=True)
    # Views counted on the row itself. A link with `max_views`: every view, each taken by
    # one conditional UPDATE so that no two employers get the last one. Any other link is
    # counted from its access log (`view_count`), so opening it writes nothing but a ShareView
    # row; here it keeps only the openings whose rows the log's retention removed.
    counted_views = models.PositiveIntegerField(default=0)
    last_counted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The learner's choice to let chat and social apps show a preview (title, issuer, image)
    # of the link; off by default, since a preview tells whoever sees the message.
    link_preview = models.BooleanField(default=False)
    # Set only on a link the employer's page looks up (`sharing.selectors.share_by_token`):
    # (pk, verdict, checked_at, updated_at) of each live credential it shows, in pk order.
    shown_versions: list[tuple[Any, ...]]
    # A link shared as a résumé: the details the learner typed for it (sharing.lerrs.Person);
    # its employer page then offers the signed LER-RS résumé of the link's credentials.
    resume = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="share_owner_recent")]

    def __str__(self) -> str:
        return self.audience

    def state(self, now: datetime) -> ShareState:
        if self.revoked_at is not None:
            return ShareState.REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return ShareState.EXPIRED
        if self.max_views is not None and self.counted_views >= self.max_views:
            return ShareState.USED_UP
        return ShareState.ACTIVE

    @property
    def views_left(self) -> int | None:
        if self.max_views is None:
            return None
        return max(self.max_views - self.counted_views, 0)

    @property
    def view_count(self) -> int:
        """How many times the link was opened.

        A limited link counts every view it gave, downloads without a grant included. Any
        other link counts openings of the page (one per client per window) in its log, plus
        those the log no longer holds; downloads from the page are not openings.
        """
        if self.max_views is not None:
            return self.counted_views
        if PAGE_VIEWS in self.__dict__:  # annotated by the earner's selectors
            logged = self.__dict__[PAGE_VIEWS] or 0
        else:
            logged = self.views.filter(kind=ShareView.Kind.PAGE).count()
        return self.counted_views + logged

    @property
    def last_viewed_at(self) -> datetime | None:
        if self.max_views is not None:
            return self.last_counted_at
        if LAST_PAGE_VIEW in self.__dict__:
            logged = self.__dict__[LAST_PAGE_VIEW]
        else:
            latest = self.views.filter(kind=ShareView.Kind.PAGE).order_by("-viewed_at").first()
            logged = latest.viewed_at if latest else None
        return max((t for t in (logged, self.last_counted_at) if t is not None), default=None)


class ShareItem(models.Model):
    """A credential chosen for a link (or frozen from a collection), in the earner's order."""

    share = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="items")
    credential = models.ForeignKey(
        "wallet.Credential", on_delete=models.CASCADE, related_name="share_items"
    )
    position = models.PositiveIntegerField(default=0)
    # What the link shows instead of the original, when the learner chose which claims go:
    # an SD-JWT with only the Disclosures they kept, or the copy derived from an
    # ecdsa-sd-2023 base proof (JSON). Empty: the original as issued.
    disclosed = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["share", "credential"], name="shareitem_unique")
        ]

    def __str__(self) -> str:
        return f"{self.share_id}: {self.credential_id}"


class ShareView(models.Model):
    """One access to a link: when, what, and a coarse browser and system. Never an address."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Opened the page")
        PRESENTATION = "presentation", _("Downloaded the presentation")
        ORIGINAL = "original", _("Downloaded a credential")
        IMAGE = "image", _("Loaded a badge image")

    share = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PAGE)
    browser = models.CharField(max_length=40, blank=True)
    os = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        indexes = [
            models.Index(fields=["share", "-viewed_at"], name="shareview_recent"),
            # Counts and the latest opening of a link without reading its downloads.
            models.Index(fields=["share", "kind", "-viewed_at"], name="shareview_kind_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.viewed_at:%Y-%m-%d %H:%M}"


class EmployerRequest(models.Model):
    """An employer's request, made on the public form, for a learner to show credentials.

    Two bearer secrets come out of the form, each stored only as its SHA-256: the request
    link the employer sends the learner (`token_hash`), and the employer's private results
    link (`results_token_hash`). The results token is also kept encrypted: answering turns it
    into the token of the share link the employer then sees.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    # As the employer stated them; nothing here is checked by Satchel.
    requester_name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=200, blank=True)
    website = models.CharField(max_length=300, blank=True)
    wanted = models.JSONField(default=list, blank=True)  # kinds of credential, one per entry
    issuers = models.JSONField(default=list, blank=True)
    skills = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    results_token_hash = models.CharField(max_length=64, unique=True)
    results_token_encrypted = models.TextField()
    # The nonce the presentation of the answer is bound to.
    challenge = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employer_requests",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_message = models.TextField(blank=True)
    share = models.OneToOneField(
        ShareLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employer_request",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"], name="employer_request_expiry")]

    def __str__(self) -> str:
        return f"Request from {self.requester_name}"

    def state(self, now: datetime) -> EmployerRequest.State:
        if self.answered_at is not None:
            return EmployerRequest.State.ANSWERED
        if self.declined_at is not None:
            return EmployerRequest.State.DECLINED
        if now >= self.expires_at:
            return EmployerRequest.State.EXPIRED
        return EmployerRequest.State.OPEN


class VerifierRequest(models.Model):
    """A verifier's request for credentials (OpenID4VP or a VC-API exchange), fetched once
    and held here while the learner decides. What the verifier sent is dropped once the
    request is answered or declined; the row stays as the learner's record of it."""

    class Protocol(models.TextChoices):
        OPENID4VP = "openid4vp", _("OpenID for Verifiable Presentations")
        VCAPI = "vcapi", _("VC-API exchange")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for you")
        SENT = "sent", _("Sent")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verifier_requests"
    )
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    # How the verifier named itself, and the origin its answer goes to.
    verifier_name = models.CharField(max_length=200, blank=True)
    verifier_origin = models.CharField(max_length=300)
    client_id = models.CharField(max_length=2000, blank=True)
    request = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True)
    # Where the verifier asked the learner's browser to go after the answer.
    redirect_uri = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="verifier_request_recent")]

    def __str__(self) -> str:
        return f"{self.protocol} request from {self.verifier_name or self.verifier_origin}"

    def is_open(self, now: datetime) -> bool:
        return self.state == VerifierRequest.State.PENDING and now < self.expires_at


class AnsweredNonce(models.Model):
    """A (client_id, nonce) pair the wallet sent a presentation for: a request carrying it
    again is a replay and is refused. Only a hash of the pair is kept."""

    digest = models.CharField(max_length=64, unique=True)
    answered_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.digest[:12]


class EndedLink(models.Model):
    """What is left of a share link once its account was deleted: the hash of its token and
    when it ended, so an employer who follows it reads that the link has ended, not that there
    never was one. Nothing else is kept: not who shared it, with whom, or what it showed."""

    token_hash = models.CharField(max_length=64, unique=True)
    ended_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.token_hash[:12]
