"""A local server speaking FASHN's wire format, for tests and benches.

``POST /v1/run`` → ``{id, error}``; ``GET /v1/status/{id}`` → ``{id, status, output, error}``; outputs served
from ``/cdn/``. Predictions complete after a number of status calls (``polls_before_done``) or, with
``seconds_to_complete``, after that long, as the real service does; ``max_in_flight`` answers 429
ConcurrencyLimitExceeded beyond that many unfinished predictions, as FASHN's account limit does, and the server
counts the most it ever had. A run that names a ``webhook_url`` gets a POST there when its prediction ends.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from PIL import Image

from tests.support.http import LocalServer, QuietHandler


def result_png(size: tuple[int, int] = (864, 1296)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class FakeFashn:
    """The server's behaviour and what it saw.

    ``behaviour``: "success" | "failure" | "slow" (never completes) | "rate_limited" (429 with Retry-After: 1 on
    the first ``rate_limited_runs`` runs, then success) | "rate_limited_once" (429 on the first run, then
    success) | "out_of_credits" (429 OutOfCredits) | "bad_request" (400 BadRequest quoting the start of the
    model_image it was sent) | "server_error_once" (500 InternalServerError on the first run, then success).
    ``status_errors``: HTTP statuses answered to the first status calls of a prediction, one per call
    (429 RateLimitExceeded with ``Retry-After: 1``, or 500 InternalServerError).
    """

    behaviour: str = "success"
    polls_before_done: int = 2
    seconds_to_complete: float | None = None
    max_in_flight: int | None = None
    api_key: str = "fa-test-key"
    base_url: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)
    run_attempts: int = 0
    rate_limited_runs: int = 1
    # time.monotonic() of every run request, accepted or not.
    run_times: list[float] = field(default_factory=list)
    # When set, predictions stay "processing" until the test sets this event.
    hold: threading.Event | None = None
    auth_headers: list[str] = field(default_factory=list)
    status_calls: dict[str, int] = field(default_factory=dict)
    status_errors: list[int] = field(default_factory=list)
    # Concurrency: when each prediction was accepted and ended, the most unfinished at once, refusals.
    started: dict[str, float] = field(default_factory=dict)
    ended: dict[str, float] = field(default_factory=dict)
    peak_in_flight: int = 0
    concurrency_refusals: int = 0
    webhooks_sent: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def worker_env(self) -> dict[str, str]:
        """A worker process's settings for the FASHN engine against this server, polling every 0.2 s."""
        return {
            "TRYON_ENGINE": "fashn",
            "FASHN_API_KEY": self.api_key,
            "FASHN_API_BASE": self.base_url,
            "FASHN_POLL_INTERVAL": "0.2",
        }

    def in_flight(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        return sum(1 for prediction in self.started if not self._done(prediction, now))

    def _done(self, prediction: str, now: float) -> bool:
        if prediction in self.ended:
            return True
        if self.seconds_to_complete is not None and self.behaviour != "slow":
            held = self.hold is not None and not self.hold.is_set()
            if not held and now - self.started[prediction] >= self.seconds_to_complete:
                self.ended[prediction] = self.started[prediction] + self.seconds_to_complete
                return True
        return False


def _handler(state: FakeFashn, output: bytes) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def _json(self, status: int, body: dict[str, Any], retry_after: int | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            state.auth_headers.append(header)
            if header != f"Bearer {state.api_key}":
                self._json(401, {"error": "UnauthorizedAccess", "message": "Unauthorized: Invalid token"})
                return False
            return True

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/v1/run":
                self._json(404, {"error": "NotFound", "message": "Not found"})
                return
            if not self._authorized():
                return
            refusal = self._refusal(body)
            if refusal is not None:
                self._json(*refusal)
                return
            prediction_id = f"{uuid.uuid4()}-u1"
            with state.lock:
                state.runs.append({"id": prediction_id, **body})
                state.status_calls[prediction_id] = 0
                state.started[prediction_id] = time.monotonic()
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight())
            if body.get("webhook_url") and state.seconds_to_complete is not None:
                self._schedule_webhook(prediction_id, str(body["webhook_url"]))
            self._json(200, {"id": prediction_id, "error": None})

        def _refusal(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], int | None] | None:
            with state.lock:
                state.run_attempts += 1
                state.run_times.append(time.monotonic())
                attempts = state.run_attempts
                if state.max_in_flight is not None and state.in_flight() >= state.max_in_flight:
                    state.concurrency_refusals += 1
                    return 429, {"error": "ConcurrencyLimitExceeded", "message": "Too many predictions"}, 1
            behaviour = state.behaviour
            if (behaviour == "rate_limited" and attempts <= state.rate_limited_runs) or (
                behaviour == "rate_limited_once" and attempts == 1
            ):
                return 429, {"error": "RateLimitExceeded", "message": "Too many requests"}, 1
            if behaviour == "server_error_once" and attempts == 1:
                return 500, {"error": "InternalServerError", "message": "Internal server error"}, None
            if behaviour == "out_of_credits":
                return 429, {"error": "OutOfCredits", "message": "No API credits remaining"}, None
            inputs = body.get("inputs") or {}
            if behaviour == "bad_request":
                quoted = str(inputs.get("model_image"))[:2000]
                return 400, {"error": "BadRequest", "message": f"Invalid model_image: {quoted}"}, None
            if not (body.get("model_name") and inputs.get("model_image") and inputs.get("garment_image")):
                return 400, {"error": "BadRequest", "message": "model_image and garment_image are required"}, None
            return None

        def _schedule_webhook(self, prediction_id: str, url: str) -> None:
            def call_back() -> None:
                with contextlib.suppress(requests.RequestException):
                    requests.post(url, json={"id": prediction_id, "status": "completed"}, timeout=5)
                    state.webhooks_sent.append(prediction_id)

            timer = threading.Timer(state.seconds_to_complete or 0, call_back)
            timer.daemon = True
            timer.start()

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/cdn/"):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(output)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(output)
                return
            match = re.fullmatch(r"/v1/status/(.+)", self.path)
            if not match or match.group(1) not in state.status_calls:
                self._json(404, {"error": "NotFound", "message": "Prediction not found"})
                return
            if not self._authorized():
                return
            prediction_id = match.group(1)
            if state.status_errors:
                code = state.status_errors.pop(0)
                if code == 429:
                    self._json(429, {"error": "RateLimitExceeded", "message": "Too many requests"}, retry_after=1)
                else:
                    self._json(code, {"error": "InternalServerError", "message": "Internal server error"})
                return
            self._json(200, self._status(prediction_id))

        def _status(self, prediction_id: str) -> dict[str, Any]:
            with state.lock:
                state.status_calls[prediction_id] += 1
                calls = state.status_calls[prediction_id]
                if state.seconds_to_complete is not None:
                    running = not state._done(prediction_id, time.monotonic())
                else:
                    held = state.hold is not None and not state.hold.is_set()
                    running = state.behaviour == "slow" or held or calls <= state.polls_before_done
                    if not running:
                        state.ended.setdefault(prediction_id, time.monotonic())
            if running:
                status = "starting" if calls == 1 else "processing"
                return {"id": prediction_id, "status": status, "output": None, "error": None}
            if state.behaviour == "failure":
                error = {"name": "PoseError", "message": "Unable to detect body pose in model image."}
                return {"id": prediction_id, "status": "failed", "output": None, "error": error}
            output_url = f"{state.base_url}/cdn/{prediction_id}.png"
            return {"id": prediction_id, "status": "completed", "output": [output_url], "error": None}

    return Handler


@contextlib.contextmanager
def fake_fashn_server(state: FakeFashn | None = None) -> Iterator[FakeFashn]:
    """Serves a :class:`FakeFashn` on localhost for the block."""
    state = state or FakeFashn()
    server = LocalServer(_handler(state, result_png()))
    state.base_url = server.base_url
    try:
        yield state
    finally:
        server.close()
