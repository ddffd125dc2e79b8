"""The try-on app's side of a test: uploading through the API, fetching and decoding results, finished jobs, the
files in the try-on storage, and the fixtures the try-on, widget and dashboard tests share (a private try-on
folder per test, a shop's image host, the fake FASHN, loopback allowed). A conftest or test module imports the
fixtures it wants by name."""

from __future__ import annotations

import base64
import copy
import io
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.support.fashn import FakeFashn, fake_fashn_server, result_png
from tests.support.shop import ImageServer, image_host, person_jpeg


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


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    with image_host() as state:
        yield state


@pytest.fixture
def fake_fashn() -> Iterator[FakeFashn]:
    with fake_fashn_server() as state:
        yield state


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


def make_running_job(merchant, *, progress: int, product_image_url: str = "https://s.example.com/a.png", **fields):
    """A job a worker is running: its person photo stored (the dashboard shows it only meanwhile)."""
    from tests.support.shop import person_jpeg
    from tryon import storage
    from tryon.models import TryOnJob

    photo = storage.save_file(f"jobs/{merchant.pk}/{uuid.uuid4().hex}/person.jpg", person_jpeg())
    return TryOnJob.objects.create(
        merchant=merchant,
        status=TryOnJob.Status.PROCESSING,
        product_image_url=product_image_url,
        person_image=photo,
        progress=progress,
        **fields,
    )


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


def upload(client, image_server, *, photo: bytes | None = None, name: str = "me.jpg", **fields):
    data = {
        "userImage": SimpleUploadedFile(name, photo if photo is not None else person_jpeg(), "image/jpeg"),
        **({"productImageUrl": image_server.url("/shirt.png")} if image_server is not None else {}),
        **fields,
    }
    return client.post("/api/tryon", data, format="multipart")


def fetch_result(client, url: str) -> bytes:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, response.content[:200]
    return response.getvalue()


def stored_files(*, garments: bool = False) -> list[str]:
    """Files in the try-on storage: shoppers' photos, results and what a run leaves behind. The merchants'
    cached product images (``garments/``, public images kept for the next shopper) only with ``garments``."""
    storage = storages["tryon"]
    found: list[str] = []

    def walk(folder: str) -> None:
        try:
            dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            return
        found.extend(f"{folder}/{name}".lstrip("/") for name in files)
        for sub in dirs:
            walk(f"{folder}/{sub}".lstrip("/"))

    walk("")
    return [name for name in found if garments or not name.startswith("garments/")]


def run_try_on(client, image_server, capture, **fields) -> tuple[dict, bytes]:
    """Uploads with the eager task (``capture``: django_capture_on_commit_callbacks); the completed job as polled
    and its result's bytes."""
    with capture(execute=True):
        response = upload(client, image_server, **fields)
    assert response.status_code == 202, response.json()
    polled = client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]
    assert polled["status"] == "COMPLETED", polled
    return polled, fetch_result(client, polled["resultImageUrl"])
