"""What the end-to-end benches share: a PostgreSQL database and a Redis db of their own, the Procfile's
processes started in sessions of their own, and what those process groups cost (CPU, memory)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def manage(*args: str) -> str:
    """``manage.py`` with this process's environment (the bench's database)."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=dict(os.environ), check=True, capture_output=True, text=True
    )
    return done.stdout


def start(command: list[str], log: Path) -> subprocess.Popen:
    """``command`` in a session of its own (its process group is the whole process tree), logging to ``log``."""
    if command[0] in ("celery", "uvicorn", "python"):
        command = [str(Path(sys.executable).with_name(command[0])), *command[1:]]  # the virtualenv's, as honcho
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for_line(process: subprocess.Popen, log: Path, text: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{log.name}: no {text!r}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _group_members(process_group: int) -> list[Path]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == process_group:  # after the command: state, ppid, pgrp, ...
            members.append(entry)
    return members


def group_cpu_seconds(process_group: int) -> float:
    """User + system CPU time of every live process in ``process_group`` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in _group_members(process_group):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def group_memory(process_group: int) -> tuple[int, int, int]:
    """(processes, RSS bytes, PSS bytes) of ``process_group``: PSS shares pages between forked processes fairly,
    so it adds up to what the group really holds; RSS counts shared pages once per process."""
    processes = rss = pss = 0
    for entry in _group_members(process_group):
        try:
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        values = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in rollup.splitlines()[1:] if ":" in line}
        processes += 1
        rss += values.get("Rss", 0)
        pss += values.get("Pss", 0)
    return processes, rss, pss
