"""Local HTTP servers speaking Stability AI's and OpenAI's real wire formats, with switchable behaviour."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import threading
import time

from PIL import Image

from tests.support.http import LocalServer, QuietHandler

# The artwork both fakes return: pure green, so a test can see where it ended up in a composed image.
ARTWORK_COLOR = (0, 200, 60)


def artwork_png(color: tuple[int, int, int] = ARTWORK_COLOR) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1024, 1024), color).save(buffer, format="PNG")
    return buffer.getvalue()


class FakeServer:
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


class FakeStability(FakeServer):
    """``POST /v2beta/stable-image/generate/{model}``: multipart in, JSON out (we send Accept: application/json)."""

    def answer(self, path: str, headers: dict, body: bytes) -> tuple[int | None, dict]:
        if not path.startswith("/v2beta/stable-image/generate/"):
            return 404, {"id": "x", "name": "not_found", "errors": ["Not Found"]}
        if not headers.get("Authorization", "").startswith("Bearer "):
            return 401, {"id": "x", "name": "unauthorized", "errors": ["Missing API key"]}
        if not headers.get("Content-Type", "").startswith("multipart/form-data") or b'name="prompt"' not in body:
            return 400, {"id": "x", "name": "bad_request", "errors": ["prompt: required"]}
        if self.mode == "timeout":
            time.sleep(self.delay)
        if self.mode in ("success", "timeout"):
            image = base64.b64encode(artwork_png()).decode()
            return 200, {"image": image, "finish_reason": "SUCCESS", "seed": 343940597}
        if self.mode == "filtered":
            return 200, {
                "image": base64.b64encode(artwork_png((0, 0, 0))).decode(),
                "finish_reason": "CONTENT_FILTERED",
                "seed": 1,
            }
        if self.mode == "moderation":
            return 403, {
                "id": "ed14db44947a4c5b9a4e4f1c5f2f8e1a",
                "name": "content_moderation",
                "errors": ["Your request was flagged by our content moderation system."],
            }
        if self.mode == "rate_limit":
            return 429, {"id": "x", "name": "rate_limit_exceeded", "errors": ["You have exceeded the rate limit."]}
        return 500, {"id": "x", "name": "internal_error", "errors": ["An unexpected server error occurred."]}


class FakeOpenAI(FakeServer):
    """``POST /v1/images/generations``: JSON in, ``{created, data: [{b64_json}]}`` out."""

    def answer(self, path: str, headers: dict, body: bytes) -> tuple[int | None, dict]:
        if path != "/v1/images/generations":
            return 404, {
                "error": {"message": "Unknown path", "type": "invalid_request_error", "param": None, "code": None}
            }
        request = json.loads(body or b"{}")
        if "model" not in request or "prompt" not in request:
            return 400, {
                "error": {
                    "message": "model and prompt required",
                    "type": "invalid_request_error",
                    "param": "model",
                    "code": None,
                }
            }
        if self.mode == "timeout":
            time.sleep(self.delay)
        if self.mode in ("success", "timeout"):
            return 200, {"created": int(time.time()), "data": [{"b64_json": base64.b64encode(artwork_png()).decode()}]}
        if self.mode == "moderation":
            return 400, {
                "error": {
                    "message": "Your request was rejected as a result of our safety system.",
                    "type": "image_generation_user_error",
                    "param": None,
                    "code": "moderation_blocked",
                }
            }
        if self.mode == "rate_limit":
            return 429, {
                "error": {
                    "message": "Rate limit reached for images",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            }
        return 500, {
            "error": {
                "message": "The server had an error while processing your request.",
                "type": "server_error",
                "param": None,
                "code": None,
            }
        }
