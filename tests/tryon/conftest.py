"""Try-on test helpers: real photos, a local product-image server and a fake FASHN API on localhost."""

from __future__ import annotations

import base64
import contextlib
import copy
import importlib.util
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.support.http import LocalServer, QuietHandler, http_server
from widget.demo import garment_outline


@pytest.fixture
def concurrent_database() -> None:
    """Concurrency tests need a server database; SQLite (embedded development mode) serialises writers."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite answers concurrent writers with 'database is locked'; run against PostgreSQL")


@pytest.fixture(autouse=True)
def private_tryon_media(settings, tmp_path):
    """Each test gets its own private try-on folder (laid out as a worker started by the test would see it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    storages_setting = copy.deepcopy(settings.STORAGES)
    storages_setting["tryon"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(settings.MEDIA_ROOT / "private" / "tryon"), "base_url": None},
    }
    settings.STORAGES = storages_setting
    return settings.MEDIA_ROOT


def _matplotlib_sample(name: str) -> Path:
    # A public-domain portrait (US Navy photo of Grace Hopper) shipped inside matplotlib, a mediapipe dependency.
    spec = importlib.util.find_spec("matplotlib")
    assert spec and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / name


PERSON_PHOTO = _matplotlib_sample("grace_hopper.jpg")


def person_jpeg() -> bytes:
    return PERSON_PHOTO.read_bytes()


def garment_png(size: tuple[int, int] = (400, 500), colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    """A flat-lay T-shirt on a white background, like a product photo."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    ImageDraw.Draw(image).polygon(garment_outline("upper_body", w, h), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def plain_jpeg(size: tuple[int, int] = (600, 800), colour: tuple[int, int, int] = (120, 160, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def result_png(size: tuple[int, int] = (864, 1296)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class ImageServer:
    """Serves ``files[path] = (body, content_type)`` on localhost."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    state = ImageServer(files={"/shirt.png": (garment_png(), "image/png")})

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path in state.redirects:
                self.send_response(302)
                self.send_header("Location", state.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            entry = state.files.get(self.path)
            if entry is None:
                self.send_response(404)
                self.end_headers()
                return
            body, content_type = entry
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = LocalServer(Handler)
    state.base_url = server.base_url
    yield state
    server.close()


@dataclass
class FakeFashn:
    """FASHN's wire format: POST /v1/run → {id, error}; GET /v1/status/{id} → {id, status, output, error}.

    ``behaviour``: "success" | "failure" | "slow" (never completes) | "rate_limited" (429 on every run) |
    "rate_limited_once" (429 on the first run, then success) | "out_of_credits" (429 OutOfCredits) |
    "bad_request" (400 BadRequest quoting the start of the model_image it was sent) |
    "server_error_once" (500 InternalServerError on the first run, then success).
    ``status_errors``: HTTP statuses answered to the first status calls of a prediction, one per call
    (429 RateLimitExceeded with ``Retry-After: 1``, or 500 InternalServerError).
    """

    behaviour: str = "success"
    polls_before_done: int = 2
    api_key: str = "fa-test-key"
    base_url: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)
    run_attempts: int = 0
    # When set, predictions stay "processing" until the test sets this event.
    hold: threading.Event | None = None
    auth_headers: list[str] = field(default_factory=list)
    status_calls: dict[str, int] = field(default_factory=dict)
    status_errors: list[int] = field(default_factory=list)

    def worker_env(self) -> dict[str, str]:
        """A worker process's settings for the FASHN engine against this server, polling every 0.2 s."""
        return {
            "TRYON_ENGINE": "fashn",
            "FASHN_API_KEY": self.api_key,
            "FASHN_API_BASE": self.base_url,
            "FASHN_POLL_INTERVAL": "0.2",
        }


@pytest.fixture
def fake_fashn() -> Iterator[FakeFashn]:
    state = FakeFashn()
    output = result_png()

    class Handler(QuietHandler):
        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
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
            state.run_attempts += 1
            if state.behaviour == "rate_limited" or (
                state.behaviour == "rate_limited_once" and state.run_attempts == 1
            ):
                self._json(429, {"error": "RateLimitExceeded", "message": "Too many requests"})
                return
            if state.behaviour == "server_error_once" and state.run_attempts == 1:
                self._json(500, {"error": "InternalServerError", "message": "Internal server error"})
                return
            if state.behaviour == "out_of_credits":
                self._json(429, {"error": "OutOfCredits", "message": "No API credits remaining"})
                return
            inputs = body.get("inputs") or {}
            if state.behaviour == "bad_request":
                quoted = str(inputs.get("model_image"))[:2000]
                self._json(400, {"error": "BadRequest", "message": f"Invalid model_image: {quoted}"})
                return
            if not (body.get("model_name") and inputs.get("model_image") and inputs.get("garment_image")):
                self._json(400, {"error": "BadRequest", "message": "model_image and garment_image are required"})
                return
            prediction_id = f"{uuid.uuid4()}-u1"
            state.runs.append({"id": prediction_id, **body})
            state.status_calls[prediction_id] = 0
            self._json(200, {"id": prediction_id, "error": None})

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/cdn/"):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(output)))
                self.end_headers()
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
                    data = json.dumps({"error": "RateLimitExceeded", "message": "Too many requests"}).encode()
                    self.send_response(429)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._json(code, {"error": "InternalServerError", "message": "Internal server error"})
                return
            state.status_calls[prediction_id] += 1
            calls = state.status_calls[prediction_id]
            held = state.hold is not None and not state.hold.is_set()
            if state.behaviour == "slow" or held or calls <= state.polls_before_done:
                status = "starting" if calls == 1 else "processing"
                self._json(200, {"id": prediction_id, "status": status, "output": None, "error": None})
            elif state.behaviour == "failure":
                self._json(
                    200,
                    {
                        "id": prediction_id,
                        "status": "failed",
                        "output": None,
                        "error": {"name": "PoseError", "message": "Unable to detect body pose in model image."},
                    },
                )
            else:
                self._json(
                    200,
                    {
                        "id": prediction_id,
                        "status": "completed",
                        "output": [f"{state.base_url}/cdn/{prediction_id}.png"],
                        "error": None,
                    },
                )

    server = LocalServer(Handler)
    state.base_url = server.base_url
    yield state
    server.close()


@pytest.fixture
def fashn_settings(settings, fake_fashn: FakeFashn):
    settings.FASHN_API_KEY = fake_fashn.api_key
    settings.FASHN_API_BASE = fake_fashn.base_url
    settings.FASHN_POLL_INTERVAL = 0.05
    settings.FASHN_TIMEOUT = 5.0
    settings.TRYON_ENGINE = "fashn"
    return settings


@pytest.fixture
def loopback_allowed(settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    return settings


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def data_url_bytes(value: str) -> bytes:
    return base64.b64decode(value.split(",", 1)[1])


def make_completed_job(merchant, *, title: str = "블루 린넨 셔츠", page_url: str = "https://shop.example.com/p/123"):
    """A finished job with a stored result, as the task leaves it (for share/feedback tests)."""
    from datetime import timedelta

    from django.utils import timezone

    from tryon import storage
    from tryon.models import TryOnJob

    job_id = uuid.uuid4()
    name = storage.save_file(f"results/{merchant.pk}/{job_id}.png", result_png((432, 648)))
    now = timezone.now()
    return TryOnJob.objects.create(
        id=job_id,
        merchant=merchant,
        status=TryOnJob.Status.COMPLETED,
        product_image_url="https://shop.example.com/img/1.png",
        product_title=title,
        product_page_url=page_url,
        result_image=name,
        engine="offline",
        metadata={"preview": True},
        progress=100,
        finished_at=now,
        result_expires_at=now + timedelta(days=30),
    )


S3_KEY, S3_SECRET, S3_REGION, S3_BUCKET = "toile-test-key", "toile-test-secret", "ap-northeast-2", "toile-tryon-test"


@dataclass
class S3Emulator:
    """moto's S3 server behind a gateway that checks presigned URLs as S3 does (moto itself checks neither
    the SigV4 query signature nor its expiry). ``clock_offset`` moves the gateway's clock forward."""

    moto_url: str
    gateway_url: str
    clock_offset: float = 0.0

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.moto_url,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name=S3_REGION,
        )

    def stored_keys(self) -> list[str]:
        return [item["Key"] for item in self.client().list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])]

    def env(self) -> dict[str, str]:
        """Environment of a worker process using this bucket (read by config/settings.py)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": S3_BUCKET,
            "AWS_S3_ENDPOINT_URL": self.gateway_url,
            "AWS_ACCESS_KEY_ID": S3_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "AWS_S3_REGION_NAME": S3_REGION,
        }


def presigned_url_problem(url: str, *, now: float) -> str | None:
    """Why S3 would refuse this presigned GET URL (bad signature, expired), or None when it is valid."""
    import calendar
    import hmac
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = query.pop("X-Amz-Signature", None)
    if not signature:
        return "AccessDenied"
    credential = query.get("X-Amz-Credential", "").split("/")
    if credential[0] != S3_KEY:
        return "InvalidAccessKeyId"
    request = AWSRequest(
        method="GET", url=urlunsplit(parts._replace(query=urlencode(query))), headers={"host": parts.netloc}
    )
    request.context["timestamp"] = query["X-Amz-Date"]
    auth = S3SigV4QueryAuth(Credentials(S3_KEY, S3_SECRET), "s3", credential[2], expires=int(query["X-Amz-Expires"]))
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, signature):
        return "SignatureDoesNotMatch"
    signed_at = calendar.timegm(time.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
    if now > signed_at + int(query["X-Amz-Expires"]):
        return "AccessDenied: Request has expired"
    return None


@pytest.fixture
def s3_emulator(settings) -> Iterator[S3Emulator]:
    import requests
    from moto.server import ThreadedMotoServer

    from tests.support.processes import free_port

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    state = S3Emulator(moto_url=f"http://127.0.0.1:{port}", gateway_url="")

    class Gateway(QuietHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.command == "GET" and "X-Amz-Signature=" in self.path:
                problem = presigned_url_problem(state.gateway_url + self.path, now=time.time() + state.clock_offset)
                if problem:
                    data = f"<Error><Code>{problem}</Code></Error>".encode()
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = requests.request(
                self.command, state.moto_url + self.path, headers=headers, data=body, timeout=10, allow_redirects=False
            )
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.content)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward  # noqa: N815

    gateway = LocalServer(Gateway)
    state.gateway_url = gateway.base_url
    requests.post(f"{state.moto_url}/moto-api/reset", timeout=10)  # moto keeps its state per process
    state.client().create_bucket(Bucket=S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    storages_setting = copy.deepcopy(settings.STORAGES)
    storages_setting["tryon"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": state.gateway_url,
            "access_key": S3_KEY,
            "secret_key": S3_SECRET,
            "region_name": S3_REGION,
            "querystring_expire": 3600,
            "file_overwrite": True,
        },
    }
    settings.STORAGES = storages_setting
    yield state
    gateway.close()
    moto.stop()


@contextlib.contextmanager
def product_image_server() -> Iterator[str]:
    """A local server answering every GET with a garment PNG; yields a product image URL."""
    garment = garment_png()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(garment)))
            self.end_headers()
            self.wfile.write(garment)

    with http_server(Handler) as base:
        yield f"{base}/shirt.png"
