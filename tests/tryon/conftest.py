"""Try-on test helpers: real photos, a local product-image server and a fake FASHN API on localhost."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PIL import Image

from tests.support.fashn import FakeFashn, fake_fashn_server, result_png
from tests.support.http import LocalServer, QuietHandler
from tests.support.shop import PERSON_PHOTO, garment_png, person_jpeg, plain_jpeg, product_image_server  # noqa: F401


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


@dataclass
class ImageServer:
    """Serves ``files[path] = (body, content_type)`` on localhost, each with an ETag; answers a matching
    ``If-None-Match`` with 304. ``requests`` records (path, If-None-Match) of every GET."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    state = ImageServer(files={"/shirt.png": (garment_png(), "image/png")})

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            state.requests.append((self.path, self.headers.get("If-None-Match", "")))
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
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = LocalServer(Handler)
    state.base_url = server.base_url
    yield state
    server.close()


@pytest.fixture
def fake_fashn() -> Iterator[FakeFashn]:
    with fake_fashn_server() as state:
        yield state


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
