"""What the fake image-generation APIs share (tests/support/stability.py, tests/support/openai.py): a local HTTP
server with switchable behaviour that records every request, and the artwork they return."""

from __future__ import annotations

import contextlib
import io
import json
import threading

from PIL import Image

from tests.support.http import LocalServer, QuietHandler

# The artwork both fakes return: pure green, so a test can see where it ended up in a composed image.
ARTWORK_COLOR = (0, 200, 60)


def artwork_png(color: tuple[int, int, int] = ARTWORK_COLOR) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1024, 1024), color).save(buffer, format="PNG")
    return buffer.getvalue()


class FakeImageApi:
    """``mode`` picks the answer: success, error500, timeout, rate_limit, moderation, filtered (Stability)."""

    path_prefix = "/"

    def __init__(self) -> None:
        self.mode = "success"
        self.requests: list[dict] = []
        self.delay = 3.0
        # When set, every request waits for it before answering; requests being answered now, and the most ever.
        self.hold: threading.Event | None = None
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                with fake._lock:
                    fake.in_flight += 1
                    fake.peak_in_flight = max(fake.peak_in_flight, fake.in_flight)
                try:
                    if fake.hold is not None:
                        fake.hold.wait(60)
                    status, payload = fake.answer(self.path, dict(self.headers), body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1
                if status is None:
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up first
                    self.wfile.write(data)

        self.server = LocalServer(Handler)

    @property
    def url(self) -> str:
        return self.server.base_url

    @property
    def calls(self) -> int:
        return len(self.requests)

    def stop(self) -> None:
        self.server.close()

    def answer(self, path: str, headers: dict, body: bytes) -> tuple[int | None, dict]:
        raise NotImplementedError
