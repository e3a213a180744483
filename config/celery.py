"""The Celery app. Tasks run eagerly without REDIS_URL, on workers with it.

Every task the app starts goes through `enqueue_on_commit`: sent once the transaction that
recorded the work commits, and, when the broker cannot take it (Redis down), handed to the
caller's `on_failure` at once (a job is then marked failed with a message the learner can act
on) instead of failing the request or leaving the job waiting for a task that never comes.
The publish itself is bounded by the broker timeouts and retry policy in the settings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from celery.signals import worker_init
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("satchel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def yield_cpu_to_web(**_kwargs: Any) -> None:
    """Lower a starting worker's CPU priority to SATCHEL_WORKER_NICENESS (decision 0026).

    Sent in the worker's main process before its pool starts, so every pool process inherits
    it. Niceness is only ever raised (lowering it needs privileges a worker should not have).
    With SATCHEL_WORKER_IDLE_SCHEDULING (Linux) the worker also takes the SCHED_IDLE policy:
    it runs only when no ordinary process wants the core, and a web process that wakes
    preempts it at once (at niceness alone it kept the core for the rest of its slice).
    """
    from django.conf import settings

    wanted = settings.SATCHEL_WORKER_NICENESS
    if wanted > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, wanted)
        logger.info("worker niceness set to %d", wanted)
    if settings.SATCHEL_WORKER_IDLE_SCHEDULING and hasattr(os, "SCHED_IDLE"):
        # Any process may move itself to SCHED_IDLE (Linux); only coming back needs a privilege.
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError as exc:
            logger.warning("the worker could not take the idle scheduling policy: %s", exc)
        else:
            logger.info("worker scheduling policy set to SCHED_IDLE")


@app.task(name="satchel.ping", ignore_result=False)
def ping(value: str = "pong") -> str:
    """A task that only answers: health checks and tests see a worker round-trip with it."""
    return value


def named_task(name: str) -> Task:
    """The registered task called `name`. Tasks modules are discovered lazily: a process
    that has not imported them yet (a web process) does so now."""
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(task: Task | str, *args: Any, on_failure: Callable[[], object] | None = None) -> bool:
    """Send `task(*args)` to the workers now; False (after `on_failure`) if the broker
    cannot take it. Run eagerly (no REDIS_URL), the task runs here and its errors propagate.

    `task` may be named: a service enqueues its app's task by name, so the service and the
    tasks module that calls it do not import each other."""
    if isinstance(task, str):
        task = named_task(task)
    try:
        task.apply_async(args=args)
    except BrokerUnavailable as exc:
        logger.error("could not enqueue %s%r: the broker is unavailable (%s)", task.name, args, exc)
        if on_failure is not None:
            on_failure()
        return False
    return True


def enqueue_on_commit(
    task: Task | str, *args: Any, on_failure: Callable[[], object] | None = None
) -> None:
    """`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, on_failure=on_failure))
