"""The Celery app. Tasks run eagerly without REDIS_URL, on workers with it."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("satchel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="satchel.ping")
def ping(value: str = "pong") -> str:
    """A task that only answers: health checks and tests see a worker round-trip with it."""
    return value
