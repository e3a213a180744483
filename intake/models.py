"""Imports in progress: a ZIP batch run by a task, and its archive while it waits."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """A bulk (ZIP) import run by a task; the page polls its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
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
