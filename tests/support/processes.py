"""Real processes for tests: a ``celery worker`` on the test database and broker, and helpers for servers."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def procfile_command(name: str, port: int | None = None) -> list[str]:
    """The Procfile's command for process ``name`` as argv, ``$PORT`` filled in."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            command = line.split(":", 1)[1]
            return shlex.split(command.replace("$PORT", str(port)) if port is not None else command)
    raise LookupError(f"Procfile has no {name} process")


@contextlib.contextmanager
def procfile_process(
    name: str, env: dict[str, str], log: Path, *extra: str, port: int | None = None
) -> Iterator[subprocess.Popen]:
    """Runs the Procfile's ``name`` process (``extra`` arguments appended) in its own group, logging to ``log``."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*procfile_command(name, port), *extra],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_process_group(process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on {host}:{port} within {timeout}s")


def test_database_url() -> str:
    """The URL of the database this test session uses (pytest-django's test database)."""
    db = connection.settings_dict
    if "sqlite" in db["ENGINE"]:
        return f"sqlite:///{db['NAME']}"
    host = quote(str(db.get("HOST") or ""), safe="")
    auth = quote(str(db.get("USER") or ""), safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(str(db["PASSWORD"]), safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


@dataclass
class RunningProcess:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL to the whole process group (a worker's main process and its pool): no clean shutdown."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def worker_process(
    *, queues: str | None = None, extra_env: dict[str, str] | None = None, timeout: float = 60.0
) -> Iterator[RunningProcess]:
    """Runs a real ``celery worker`` (prefork, concurrency 2) against the test database and broker.

    Use from tests marked ``django_db(transaction=True)`` so the worker sees committed rows.
    """
    log_file = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            # Workers fetch product images: they follow the test's SSRF setting (loopback_allowed).
            "SSRF_ALLOW_LOOPBACK": "true" if settings.SSRF_ALLOW_LOOPBACK else "false",
        }
    )
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        queues or settings.CELERY_WORKER_QUEUES,
        "--concurrency",
        "2",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]
    with _process_group(command, env, log_file) as process:
        deadline = time.monotonic() + timeout
        while "ready." not in log_file.read_text(errors="replace"):
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{log_file.read_text(errors='replace')[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"celery worker not ready:\n{log_file.read_text(errors='replace')[-4000:]}")
            time.sleep(0.2)
        yield RunningProcess(process, log_file)


@contextlib.contextmanager
def celery_worker(
    *, queues: str | None = None, extra_env: dict[str, str] | None = None, timeout: float = 60.0
) -> Iterator[Path]:
    """:func:`worker_process`, yielding only the path of the worker's log file."""
    with worker_process(queues=queues, extra_env=extra_env, timeout=timeout) as worker:
        yield worker.log


@contextlib.contextmanager
def celery_beat(*, extra_env: dict[str, str] | None = None) -> Iterator[Path]:
    """Runs a real ``celery beat`` on the test broker with its own schedule file; yields its log's path."""
    workdir = Path(tempfile.mkdtemp(prefix="celery-beat-"))
    log_file = workdir / "beat.log"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]
    command += ["--schedule", str(workdir / "schedule")]
    with _process_group(command, env, log_file):
        yield log_file


@contextlib.contextmanager
def _process_group(command: list[str], env: dict[str, str], log_file: Path) -> Iterator[subprocess.Popen]:
    """Starts ``command`` in its own process group logging to ``log_file``; stops the whole group afterwards."""
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen, *, grace: float = 15.0) -> None:
    """SIGTERM to the process's whole group (started with ``start_new_session``), SIGKILL after ``grace``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Polls ``predicate`` until it returns a truthy value, which is returned; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
