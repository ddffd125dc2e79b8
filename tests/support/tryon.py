"""The try-on app's side of a test: finished jobs, decoded results, and the fixtures the try-on, widget and
dashboard tests share (a private try-on folder per test, a shop's image host, the fake FASHN, loopback allowed).
A conftest or test module imports the fixtures it wants by name."""

from __future__ import annotations

import base64
import copy
import io
import uuid
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.support.fashn import FakeFashn, fake_fashn_server, result_png
from tests.support.shop import ImageServer, image_host


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
