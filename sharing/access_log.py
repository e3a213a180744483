"""The access log of links without a view limit, written in batches.

Opening such a link writes one ShareView row per client per window (`share_log_access`). Written
one by one, that row was the dearest part of the employer's page: on SQLite each commit by one
server process made the others' next reads start over (about 0.45 ms of CPU per view with two
processes, against 0.8 ms for everything else), on PostgreSQL each commit waited for the disk.
So each process queues the rows and writes them together in one transaction (a COPY on
PostgreSQL, multi-row INSERTs on SQLite: `hot_path.views_insert`): when `MAX_BATCH` are waiting, or
`SATCHEL_SHARE_LOG_BATCH_MS` after the first of them, whichever comes first, and whatever is
waiting when the process ends cleanly (gunicorn's graceful shutdown and worker recycling,
`manage.py` commands: `atexit`). The earner sees a view that much later; the employer's page
waits for nothing. Only a process killed outright (SIGKILL, a crash) loses what it had
queued: at most one batch window of openings of unlimited links.
Views that count against a limit never come here: they are taken and written at once, in the
same transaction (`share_take_view`). docs/decisions/0019-share-page-access-log.md says why.

`SATCHEL_SHARE_LOG_BATCH_MS=0` writes each row at once (the tests do, but for this module's).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections

from sharing import hot_path
from sharing.models import ShareView

logger = logging.getLogger(__name__)

MAX_BATCH = 200

_lock = threading.Lock()  # guards the queue and the writer's start
_writing = threading.Lock()  # held while a batch is written: an exit waits for it
_pending: list[ShareView] = []
_first_at: float | None = None
_wake = threading.Event()
_writer_pid: int | None = None


def delay_seconds() -> float:
    return max(0, int(getattr(settings, "SATCHEL_SHARE_LOG_BATCH_MS", 1000))) / 1000


def log(view: ShareView) -> ShareView:
    """Write `view` (unsaved) now, or queue it for the next batch; return it."""
    delay = delay_seconds()
    if delay <= 0:
        return hot_path.view_insert(
            share=view.share,
            viewed_at=view.viewed_at,
            kind=view.kind,
            browser=view.browser,
            os=view.os,
            asynchronous=True,
        )
    global _first_at
    with _lock:
        _pending.append(view)
        if _first_at is None:
            _first_at = time.monotonic()
        full = len(_pending) >= MAX_BATCH
        _start_writer()
    if full:
        flush()
    return view


def pending() -> int:
    with _lock:
        return len(_pending)


def flush() -> int:
    """Write every queued row now, together; return how many."""
    global _first_at
    with _writing:
        with _lock:
            batch = list(_pending)
            _pending.clear()
            _first_at = None
        hot_path.views_insert(batch)
        return len(batch)


def _start_writer() -> None:
    """One writer thread per process (started again in a forked child), under `_lock`."""
    global _writer_pid
    if _writer_pid == os.getpid():
        return
    _writer_pid = os.getpid()
    threading.Thread(target=_write_when_due, name="share-access-log", daemon=True).start()


def _write_when_due() -> None:
    while True:
        _wake.wait(timeout=max(delay_seconds(), 0.05) / 2)
        with _lock:
            due = _first_at is not None and time.monotonic() - _first_at >= delay_seconds()
        if not due:
            continue
        try:
            flush()
        except Exception:  # the rows are lost, the server goes on: say so
            logger.exception("access log: a batch of views could not be written")
        finally:
            # This thread's own connection, closed when unusable or past CONN_MAX_AGE.
            for connection in connections.all(initialized_only=True):
                connection.close_if_unusable_or_obsolete()


@atexit.register
def _flush_at_exit() -> None:
    try:
        written = flush()
    except Exception:
        logger.exception("access log: the views queued at exit could not be written")
        return
    if written:
        logger.info("access log: %s queued views written at exit", written)
