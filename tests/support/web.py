"""The Procfile's ``web`` process (uvicorn with ``common.web``) on the test database, and raw-socket helpers."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.support import processes
from tests.support.processes import free_port, procfile_process, wait_for_port


@dataclass
class WebProcess:
    url: str
    port: int


@contextlib.contextmanager
def procfile_web(workdir: Path, extra_env: dict[str, str]) -> Iterator[WebProcess]:
    """Runs ``web`` as the Procfile writes it; prints the end of its log afterwards. Call with the database
    unblocked (the URL of pytest-django's test database is read here)."""
    port = free_port()
    log_path = workdir / "web.log"
    env = {
        **os.environ,
        "DATABASE_URL": processes.test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(workdir / "media"),
        "SSRF_ALLOW_LOOPBACK": "true",  # product images are served by the tests
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    with procfile_process("web", env, log_path, port=port):
        try:
            wait_for_port(port, timeout=60)
            yield WebProcess(f"http://127.0.0.1:{port}", port)
        finally:
            print(log_path.read_text(errors="replace")[-3000:])


def read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def parse_answer(answer: bytes) -> tuple[int, bytes, dict]:
    """Status, lower-cased head and JSON body of a raw HTTP answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        body = unchunked(body)
    return int(head.split(b" ", 2)[1]), head.lower(), json.loads(body)


def unchunked(body: bytes) -> bytes:
    data = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        data, body = data + body[:size], body[size + 2 :]
    return data


def raw_exchange(port: int, request: bytes) -> tuple[int, bytes, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        return parse_answer(read_until_closed(sock))
