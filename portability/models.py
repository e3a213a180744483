"""Exports being built and offered for download."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExportJob(models.Model):
    """A full export being built (by a task) and then offered for download until it expires.

    The finished file waits in the row (web processes keep no files) and is emptied when the
    link expires. The download token is looked up by its hash; its ciphertext lets the job's
    page show the link again. The passphrase is never stored: only the key derived from it,
    encrypted at rest, and only until the file is built.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # None exports every credential; a list exports those (and what is inside them).
    credential_ids = models.JSONField(null=True, blank=True)
    encrypted = models.BooleanField(default=False)
    include_holder_key = models.BooleanField(default=False)
    sealing_key_encrypted = models.TextField(blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The message's English template and values (wallet.wording.template_of), translated
    # into the reader's language when shown; None for a message stored before they were kept.
    message_i18n = models.JSONField(null=True, blank=True)
    # What the built file holds (`portability.services.archive.ExportContents`).
    contents = models.JSONField(default=dict, blank=True)
    data = models.BinaryField(blank=True, default=b"")
    filename = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    token_encrypted = models.TextField()
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # Liveness (see config.jobs): the run holding the job, its last sign of life, and how
    # many runs have started it.
    claimed_by = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # The table it had in `wallet` before issue 11 moved it here.
        db_table = "wallet_exportjob"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["expires_at"], name="export_expires"),
            models.Index(fields=["status", "heartbeat_at"], name="export_liveness"),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def download_ready(self, now: datetime) -> bool:
        """Built, and its download link has not expired yet."""
        return self.status == self.Status.DONE and now < self.expires_at

    def download_expired(self, now: datetime) -> bool:
        """Built, but its download link's time is up."""
        return self.status == self.Status.DONE and now >= self.expires_at


class RestoreJob(models.Model):
    """An export being restored into the owner's record by a task (see `config.jobs`).

    The file was checked when it was uploaded; it waits in the row as it came (sealed, if it
    was) until the job ends, with the key its passphrase derived encrypted at rest (never the
    passphrase). Both are emptied when the job finishes or fails.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Restoring")
        DONE = "done", _("Restored")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restore_jobs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    data = models.BinaryField(blank=True, default=b"")
    sealing_key_encrypted = models.TextField(blank=True)
    # The language the learner asked in: the job's notes are written in it.
    language = models.CharField(max_length=16, blank=True)
    # What the file holds, and what the restore added (`ExportContents`); `already` counts the
    # credentials the record held before.
    contents = models.JSONField(default=dict, blank=True)
    added = models.JSONField(default=dict, blank=True)
    already = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The message's English template and values (wallet.wording.template_of), translated
    # into the reader's language when shown; None for a message stored before they were kept.
    message_i18n = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="restore_liveness")]

    def __str__(self) -> str:
        return f"Restore {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
