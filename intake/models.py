"""Imports in progress: a ZIP batch run by a task, and its archive while it waits."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportBatch(models.Model):
    """A bulk (ZIP) import run by a task; the page polls its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Finished")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # The message's English template and values (wallet.wording.template_of), translated
    # into the reader's language when shown; None for a message stored before they were kept.
    message_i18n = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Liveness (see config.jobs): the run holding the batch, its last sign of
    # life, and how many runs have started it.
    claimed_by = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # The table it had in `wallet` before issue 11 moved it here.
        db_table = "wallet_importbatch"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="import_liveness")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        """Done or failed: nothing more will happen to it, and the page stops polling."""
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportArchive(models.Model):
    """The archive of a batch, waiting for the worker (web processes keep no files); deleted
    when the batch finishes. A row apart from its batch because the batch's progress is
    updated as it runs, and SQLite rewrites a whole row, archive included, on any update."""

    batch = models.OneToOneField(
        ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="archive"
    )
    data = models.BinaryField()

    class Meta:
        db_table = "wallet_importarchive"

    def __str__(self) -> str:
        return f"Archive of import {self.batch_id}"


class ReceiveAttempt(models.Model):
    """One attempt to receive credentials straight from an issuer (OpenID4VCI, a VC-API
    exchange, the DCC's credential request): a row the learner sees from the moment the
    offer is read until they dismiss it. What the issuer sent that works as a key (codes,
    tokens, the PKCE verifier, the link itself) is kept encrypted in `secrets` and dropped
    when the attempt ends."""

    class Protocol(models.TextChoices):
        OID4VCI = "oid4vci", _("OpenID for Verifiable Credential Issuance")
        VCAPI = "vcapi", _("VC-API exchange")
        DCC = "dcc", _("DCC credential request")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for you")
        SIGNING_IN = "signing_in", _("Waiting for you to sign in at the issuer")
        WAITING = "waiting", _("Waiting for the issuer")
        RECEIVED = "received", _("Received")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    ENDED = (State.RECEIVED, State.DECLINED, State.FAILED)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="receive_attempts"
    )
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # Who is asking: the issuer as it names itself, where it answers from, and the origin a
    # CHAPI-style request says it came from.
    issuer_name = models.CharField(max_length=200, blank=True)
    issuer_origin = models.CharField(max_length=300, blank=True)
    issuer_logo = models.URLField(max_length=2000, blank=True)
    request_origin = models.CharField(max_length=300, blank=True)
    # What is offered ([{id, name, description, format, supported}]) and what is asked of the
    # learner (a transaction code's shape; what a presentation request wants).
    offered = models.JSONField(default=list, blank=True)
    asks = models.JSONField(default=dict, blank=True)
    # How to go on, nothing secret in it (issuer metadata, the exchange's request).
    context = models.JSONField(default=dict, blank=True)
    secrets = models.TextField(blank=True)
    # SHA-256 of the OAuth `state` sent with the learner to the issuer's sign-in.
    state_digest = models.CharField(max_length=64, blank=True, db_index=True)
    stored = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # The error's English template and values (wallet.wording.template_of): a poll task
    # writes English, the page shows it in the reader's language.
    error_i18n = models.JSONField(null=True, blank=True)
    error_kind = models.CharField(max_length=30, blank=True)
    redirect_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveSmallIntegerField(default=0)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="receive_attempt_recent"),
            models.Index(fields=["state", "next_poll_at"], name="receive_attempt_due"),
        ]

    def __str__(self) -> str:
        return f"{self.protocol} from {self.issuer_name or self.issuer_origin} ({self.state})"

    def is_open(self, now: datetime) -> bool:
        return self.state == self.State.PENDING and now < self.expires_at

    @property
    def ended(self) -> bool:
        return self.state in self.ENDED
