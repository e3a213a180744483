"""Task names: the beat schedule names registered tasks, and every name a message could carry
before issue 11 moved tasks between apps is still one (so queued messages run after an
upgrade)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]

# Every task name before issue 11 (commit 4b96235).
BEFORE_ISSUE_11 = [
    "satchel.ping",
    "wallet.tasks.import_zip",
    "wallet.tasks.reverify_due",
    "wallet.tasks.purge_expired_trash",
    "wallet.tasks.export_build",
    "wallet.tasks.purge_expired_exports",
    "wallet.tasks.recheck_restored",
    "wallet.tasks.sweep_stalled_jobs",
    "sharing.tasks.prune_view_log",
]


@pytest.mark.parametrize("name", BEFORE_ISSUE_11)
def test_a_task_name_from_before_the_move_is_still_registered(name: str) -> None:
    app.loader.import_default_modules()

    assert name in app.tasks


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_the_beat_schedule_names_registered_tasks(entry: str) -> None:
    app.loader.import_default_modules()

    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks


def test_a_process_that_has_not_imported_the_tasks_finds_one_by_name() -> None:
    program = (
        "import django; django.setup()\n"
        "from config.celery import app, named_task\n"
        "assert 'intake.tasks.import_zip' not in app.tasks\n"
        "print(named_task('intake.tasks.import_zip').name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "intake.tasks.import_zip"
