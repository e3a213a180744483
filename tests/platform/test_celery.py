"""Tasks run eagerly in the embedded default, and on a real worker over Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from config.celery import app, ping

ROOT = Path(__file__).resolve().parents[2]
# CI sets REDIS_URL; on a developer machine the local Redis (database 15) serves the test.
REDIS_URL = settings.REDIS_URL or os.environ.get(
    "SATCHEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
)


def test_a_task_runs_in_process_when_eager() -> None:
    assert app.conf.task_always_eager
    assert ping.delay("hello").get(timeout=5) == "hello"


@pytest.fixture
def worker_queue() -> Iterator[str]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is required for the worker test and is down: {exc}")
    queue = f"test-{uuid.uuid4().hex}"
    env = {**os.environ, "REDIS_URL": REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "false"}
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-Q", queue, "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_a_real_worker_round_trips_a_task_over_redis(worker_queue: str) -> None:
    client = Celery(broker=REDIS_URL, backend=REDIS_URL)
    result = client.send_task("satchel.ping", args=["round-trip"], queue=worker_queue)
    # Waits on the result backend until the worker answers; bounded, no sleeps.
    assert result.get(timeout=60) == "round-trip"
