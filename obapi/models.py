"""What the 1EdTech API keeps: the tools registered with Satchel's authorization server and
what each did with a learner's data (host), and the badge platforms a learner connected Satchel
to, with every attempt to bring their credentials in (consumer)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from oauth2_provider.settings import oauth2_settings


class Api(models.TextChoices):
    OB = "ob", _("Open Badges 3.0")
    CLR = "clr", _("CLR 2.0")


class RegisteredTool(models.Model):
    """A tool registered by RFC 7591 dynamic client registration: the OAuth application it
    became and what it said about itself (its own words: shown as such, never trusted)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="registered_tool"
    )
    client_uri = models.URLField(max_length=2000, blank=True)
    logo_uri = models.URLField(max_length=2000, blank=True)
    tos_uri = models.URLField(max_length=2000, blank=True)
    policy_uri = models.URLField(max_length=2000, blank=True)
    software_id = models.CharField(max_length=255, blank=True)
    software_version = models.CharField(max_length=255, blank=True)
    contacts = models.JSONField(default=list, blank=True)
    # The scopes it registered for: the most any learner can grant it.
    scope = models.TextField()
    registered_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.application.name or self.application.client_id

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


class ToolAccess(models.Model):
    """One thing a connected tool did with a learner's data: the learner's access log."""

    class Action(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        READ_CREDENTIALS = "read_credentials", _("Read credentials")
        ADDED_CREDENTIAL = "added_credential", _("Added a credential")
        REFUSED_CREDENTIAL = "refused_credential", _("Sent a credential that was refused")
        READ_PROFILE = "read_profile", _("Read the profile")
        UPDATED_PROFILE = "updated_profile", _("Changed the profile")
        DISCONNECTED = "disconnected", _("Disconnected")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tool_accesses"
    )
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="accesses"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["owner", "application", "at"], name="toolaccess_owner")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


class LearnerProfile(models.Model):
    """The OB 3.0 Profile a learner presents to connected tools (getProfile/putProfile). The
    name starts as the account's display name; a tool granted profile.update may change it
    here, never the account itself."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_profile"
    )
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class BadgeHost(models.Model):
    """A badge platform (an OB 3.0 or CLR 2.0 host) the learner connected Satchel to. Its
    client secret and tokens are encrypted at rest (accounts.crypto)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for you to allow access")
        CONNECTED = "connected", _("Connected")
        FAILED = "failed", _("Connection failed")
        DISCONNECTED = "disconnected", _("Disconnected")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_hosts"
    )
    api = models.CharField(max_length=5, choices=Api.choices)
    base_url = models.URLField(max_length=2000)
    name = models.CharField(max_length=200, blank=True)  # the host's own name, from discovery
    authorization_url = models.URLField(max_length=2000, blank=True)
    token_url = models.URLField(max_length=2000, blank=True)
    credentials_url = models.URLField(max_length=2000, blank=True)
    client_id = models.CharField(max_length=500, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    scope = models.TextField(blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # The authorization request in flight: its state (to match the redirect) and PKCE verifier.
    auth_state = models.CharField(max_length=100, blank=True, db_index=True)
    code_verifier_encrypted = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    problem = models.TextField(blank=True)
    # The problem's English template and values (wallet.wording.template_of), to show it in
    # the reader's language; None for plain text.
    problem_i18n = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    connected_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # Incremental sync. A walk through getCredentials may take several syncs (each reads at
    # most SATCHEL_BADGE_HOST_MAX_PAGES pages): `sync_cursor` is the next page's URL where the
    # last one stopped, `sync_walk_started_at` when the walk began. A finished walk's start
    # becomes `sync_since`, the `since` the next walk asks for.
    sync_cursor = models.URLField(max_length=2000, blank=True)
    sync_walk_started_at = models.DateTimeField(null=True, blank=True)
    sync_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name or self.base_url

    @property
    def is_connected(self) -> bool:
        return self.state == self.State.CONNECTED


class SyncAttempt(models.Model):
    """One attempt to bring a badge platform's credentials into the record, and how it went."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        PARTIAL = "partial", _("Done so far: continues with the next sync")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    host = models.ForeignKey(BadgeHost, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RUNNING)
    received = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The message's English template and values (wallet.wording.template_of), translated
    # into the reader's language when shown; None for a message stored before they were kept.
    message_i18n = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.host_id} {self.outcome}"
