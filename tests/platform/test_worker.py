"""Real workers against a Redis of their own: a worker survives Redis dropping while a task
runs, or Redis dropping every connection (a blip), and a task whose pool process is killed
runs again instead of being lost.

Each test starts its own throwaway redis-server (it is stopped and started again, which the
shared one must never be) and a worker with the app's Celery settings.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # seconds any single step may take on a slow, shared machine


class Lines:
    """A process's output, line by line, waited on with a time limit."""

    def __init__(self, stream) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str) -> None:
        while True:
            try:
                line = self._queue.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {WAIT}s:\n{''.join(self.seen)}") from None
            if line is None:
                raise AssertionError(f"exited before {text!r}:\n{''.join(self.seen)}")
            self.seen.append(line)
            if text in line:
                return
            if "Unrecoverable error" in line:
                raise AssertionError(f"the worker gave up before {text!r}:\n{''.join(self.seen)}")


class ThrowawayRedis:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is required for the worker tests"
        self.binary = binary
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        Lines(self.process.stdout).wait_for("Ready to accept connections")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def worker(
    request: pytest.FixtureRequest, redis_server: ThrowawayRedis
) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    processes, extra = getattr(request, "param", (1, {}))
    env = {
        **os.environ,
        "REDIS_URL": redis_server.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.platform.worker_app", "worker",
         "--pool=prefork", f"--concurrency={processes}", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = Lines(process.stderr)
    try:
        lines.wait_for(" ready.")
        yield process, lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def fifos(tmp_path: Path) -> tuple[Path, Path]:
    started, release = tmp_path / "started", tmp_path / "release"
    os.mkfifo(started)
    os.mkfifo(release)
    return started, release


def _read_started(started: Path) -> int:
    """The process id the held task writes when it starts (waited on with a time limit)."""
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(started.read_text()), daemon=True)
    reader.start()
    reader.join(WAIT)
    if reader.is_alive():
        started.write_text("")  # let the reader go
        raise AssertionError("the held task did not start")
    return int(got[0])


def _release(release: Path) -> None:
    """Let the held task finish (it may be a moment away from waiting: the wait is bounded)."""
    writer = threading.Thread(target=lambda: release.write_text("go"), daemon=True)
    writer.start()
    writer.join(WAIT)
    if writer.is_alive():
        release.read_text()  # let the writer go
        raise AssertionError("the held task never waited to be released")


def _client(redis_server: ThrowawayRedis) -> Celery:
    return Celery(broker=redis_server.url, backend=redis_server.url)


def test_a_worker_survives_redis_dropping_while_a_task_runs(
    redis_server: ThrowawayRedis, worker, fifos: tuple[Path, Path]
) -> None:
    process, lines = worker
    started, release = fifos
    _client(redis_server).send_task("satchel.test.hold", args=[str(started), str(release)])
    _read_started(started)

    redis_server.stop()
    lines.wait_for("Connection to broker lost")
    redis_server.start()
    lines.wait_for("Connected to redis")
    _release(release)

    # The worker is still there and takes new work from the Redis that came back.
    result = _client(redis_server).send_task("satchel.ping", args=["after the outage"])
    assert result.get(timeout=WAIT) == "after the outage"
    assert process.poll() is None


def test_a_task_whose_pool_process_is_killed_runs_again(
    redis_server: ThrowawayRedis, worker, fifos: tuple[Path, Path]
) -> None:
    started, release = fifos
    result = _client(redis_server).send_task("satchel.test.hold", args=[str(started), str(release)])
    first = _read_started(started)

    os.kill(first, signal.SIGKILL)

    second = _read_started(started)  # the message went back to the queue: run again
    assert second != first
    _release(release)
    assert result.get(timeout=WAIT) == second


@pytest.mark.parametrize("worker", [(2, {})], indirect=True)
def test_a_worker_survives_a_broker_blip_and_finishes_its_task(
    redis_server: ThrowawayRedis, worker, fifos: tuple[Path, Path]
) -> None:
    process, lines = worker
    started, release = fifos
    result = _client(redis_server).send_task("satchel.test.hold", args=[str(started), str(release)])
    first = _read_started(started)

    # Redis stays up but drops every client connection (a network blip, a failover): the
    # worker puts the unacknowledged message back, and receives it again.
    redis.Redis.from_url(redis_server.url).client_kill_filter(_type="normal")
    lines.wait_for("Connection to broker lost")
    lines.wait_for("Connected to redis")
    lines.wait_for("received")
    _release(release)

    assert result.get(timeout=WAIT) == first
    # The message that came back runs again afterwards (a job's second run finds it finished).
    _read_started(started)
    _release(release)
    assert process.poll() is None


@pytest.mark.parametrize("worker", [(2, {"SATCHEL_WORKER_NICENESS": "7"})], indirect=True)
def test_a_worker_and_its_pool_processes_yield_the_cpu_to_web_processes(
    redis_server: ThrowawayRedis, worker
) -> None:
    # Both pool processes run at the configured niceness (or the one the tests run at, if
    # that is lower priority still: a worker never raises its own priority).
    expected = max(7, os.getpriority(os.PRIO_PROCESS, 0))
    client = _client(redis_server)
    results = [client.send_task("satchel.test.niceness") for _ in range(4)]
    assert {result.get(timeout=WAIT) for result in results} == {expected}


@pytest.mark.parametrize(
    "worker",
    [(1, {"SATCHEL_WORKER_NICENESS": "0", "SATCHEL_WORKER_IDLE_SCHEDULING": "false"})],
    indirect=True,
)
def test_niceness_zero_leaves_the_worker_as_started(redis_server: ThrowawayRedis, worker) -> None:
    client = _client(redis_server)
    result = client.send_task("satchel.test.niceness")
    assert result.get(timeout=WAIT) == os.getpriority(os.PRIO_PROCESS, 0)
    policy = client.send_task("satchel.test.scheduling_policy")
    assert policy.get(timeout=WAIT) == os.sched_getscheduler(0)


@pytest.mark.parametrize("worker", [(2, {})], indirect=True)
def test_by_default_the_pool_processes_run_only_when_no_web_process_wants_the_core(
    redis_server: ThrowawayRedis, worker
) -> None:
    client = _client(redis_server)
    results = [client.send_task("satchel.test.scheduling_policy") for _ in range(4)]
    assert {result.get(timeout=WAIT) for result in results} == {os.SCHED_IDLE}
