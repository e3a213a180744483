"""The app's Celery configuration, plus one task the worker tests steer.

`hold` says it started (writing its process id into one FIFO) and then waits for the test to
release it (through another FIFO): the test decides what happens while a task is running.
"""

from __future__ import annotations

import os
from pathlib import Path

from config.celery import app


@app.task(name="satchel.test.hold", ignore_result=False)
def hold(started: str, release: str) -> int:
    Path(started).write_text(f"{os.getpid()}\n")
    Path(release).read_text()
    return os.getpid()


@app.task(name="satchel.test.niceness", ignore_result=False)
def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


@app.task(name="satchel.test.scheduling_policy", ignore_result=False)
def scheduling_policy() -> int:
    return os.sched_getscheduler(0)
