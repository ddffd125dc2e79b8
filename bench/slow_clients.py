"""Slow clients against the web tier: the Procfile's web next to the former one (gunicorn gthread), in one run.

For each server, on the same SQLite database of its own (migrated, one merchant and API key):

- the baseline: ``GET /healthz`` and a normal try-on ``POST /api/tryon`` (a 60 KB photo, multipart) with no
  other client,
- the same two requests while 10 and 100 clients trickle a try-on request one byte every 0.2 s, once through
  the head and once through the multipart body,

and it prints each latency beside its baseline as a ratio, and how long the tricklers took to be answered
and with what (the Procfile's web, under its default deadlines: 408 in the product's format, within 20 s for a
head and about 20 s for a body). The former server is measured with ``--former``: its requests wait for a
free thread, so each is cut off at the client timeout and shown as ">".

Run: .venv/bin/python bench/slow_clients.py [--former] [--timeout 30]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()  # the shop's product image is drawn with the demo shop's garment outline

from tests.support.shop import product_image_server  # noqa: E402

FORMER_WEB = "gunicorn config.wsgi --bind 0.0.0.0:$PORT --workers 2 --threads 4 --timeout 60"
BYTE_INTERVAL = 0.2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:")
    raise SystemExit("Procfile has no web process")


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stdout + result.stderr)
    return result.stdout


def person_photo() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((480, 640), 40).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@contextlib.contextmanager
def web_server(command: str, env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    argv = shlex.split(command.replace("$PORT", str(port)))
    argv[0] = str(Path(sys.executable).with_name(argv[0]))
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.2)
        time.sleep(1)  # both worker processes up
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


class Trickler(threading.Thread):
    def __init__(self, address: str, part: str, api_key: str, deadline: float) -> None:
        super().__init__(daemon=True)
        self.address, self.part, self.api_key, self.deadline = address, part, api_key, deadline
        self.status = "-"
        self.seconds = float("nan")

    def run(self) -> None:
        host, port = self.address.split(":")
        # A valid key: the view reads the body (an unknown key would be refused before it).
        head = f"POST /api/tryon HTTP/1.1\r\nHost: {self.address}\r\nX-Api-Key: {self.api_key}\r\n"
        started = time.monotonic()
        try:
            with socket.create_connection((host, int(port))) as sock:
                if self.part == "head":
                    trickled = (head + "X-Padding: " + "p" * 8000).encode()
                else:
                    sock.sendall((head + "Content-Type: multipart/form-data; boundary=x\r\n").encode())
                    sock.sendall(b"Content-Length: 100000\r\n\r\n")
                    trickled = b"x" * 100_000
                sock.settimeout(BYTE_INTERVAL)
                for byte in trickled:
                    if time.monotonic() - started > self.deadline:
                        self.status = "still held"
                        return
                    sock.sendall(bytes([byte]))
                    with contextlib.suppress(TimeoutError):
                        answer = sock.recv(4096)
                        self.status = answer.split(b" ", 2)[1].decode() if answer else "closed"
                        self.seconds = time.monotonic() - started
                        return
        except OSError:
            self.status, self.seconds = "closed", time.monotonic() - started


def timed(call) -> tuple[float, str]:
    started = time.monotonic()
    try:
        status = str(call().status_code)
    except requests.Timeout:
        status = "timeout"
    return time.monotonic() - started, status


def measure(address: str, api_key: str, product_url: str, photo: bytes, timeout: float) -> tuple[float, float]:
    health = timed(lambda: requests.get(f"http://{address}/healthz", timeout=timeout))
    try_on = timed(
        lambda: requests.post(
            f"http://{address}/api/tryon",
            headers={"x-api-key": api_key},
            files={"userImage": ("me.jpg", photo, "image/jpeg")},
            data={"productImageUrl": product_url, "visitorId": str(uuid.uuid4())},
            timeout=timeout,
        )
    )
    return tuple(  # type: ignore[return-value]
        seconds if status in ("200", "202") else float("inf") if status == "timeout" else float("nan")
        for seconds, status in (health, try_on)
    )


def show(seconds: float, baseline: float) -> str:
    if seconds == float("inf"):
        return f"{'> timeout':>20}"
    if seconds != seconds:
        return f"{'error':>20}"
    return f"{seconds * 1000:7.0f} ms ({seconds / baseline:5.1f}×)"


def bench_server(name: str, command: str, env: dict[str, str], api_key: str, timeout: float, log_dir: Path) -> None:
    photo = person_photo()
    with product_image_server() as product_url, web_server(command, env, log_dir / f"{name}.log") as address:
        measure(address, api_key, product_url, photo, timeout)  # warm-up: imports, first connections
        health_base, try_on_base = (
            statistics.median(values)
            for values in zip(*(measure(address, api_key, product_url, photo, timeout) for _ in range(3)), strict=True)
        )
        print(f"\n{name}: {command.strip()}")
        print(
            f"  no other client        /healthz {show(health_base, health_base)}   try-on POST {show(try_on_base, try_on_base)}"
        )
        for part in ("head", "body"):
            for count in (10, 100):
                tricklers = [Trickler(address, part, api_key, deadline=timeout + 15) for _ in range(count)]
                for trickler in tricklers:
                    trickler.start()
                time.sleep(2)
                health, try_on = measure(address, api_key, product_url, photo, timeout)
                for trickler in tricklers:
                    trickler.join()
                statuses = sorted({trickler.status for trickler in tricklers})
                answered = [trickler.seconds for trickler in tricklers if trickler.seconds == trickler.seconds]
                slowest = f"slowest answered after {max(answered):.1f} s" if answered else "none answered"
                print(
                    f"  {count:3d} trickling {part + 's' if part == 'head' else 'bodies'}  /healthz {show(health, health_base)}   "
                    f"try-on POST {show(try_on, try_on_base)}   tricklers got {','.join(statuses)}, {slowest}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--former", action="store_true", help="also measure the former web (gunicorn gthread)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout of the measured requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-slow-clients-") as tmp:
        root = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            {
                "VAR_DIR": str(root / "var"),
                "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
                "SSRF_ALLOW_LOOPBACK": "true",
                "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            }
        )
        manage(env, "migrate", "--noinput")
        manage(env, "create_merchant", "Bench Shop", "--username", "bench", "--password", "bench-pass-1")
        api_key = manage(env, "issue_api_key", "Bench Shop").strip().splitlines()[-1]
        bench_server("Procfile web", procfile_web(), env, api_key, args.timeout, root)
        if args.former:
            bench_server("former web", FORMER_WEB, env, api_key, args.timeout, root)


if __name__ == "__main__":
    main()
