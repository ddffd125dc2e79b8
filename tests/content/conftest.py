"""Helpers for Content Service tests: API calls, fetching and decoding returned images, settings."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from PIL import Image

EVENT_INFO: dict[str, Any] = {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"}


@pytest.fixture(autouse=True)
def _no_ai_keys(settings):
    """Tests start from the embedded configuration: no AI keys, loopback refused, generous rate limit."""
    settings.STABILITY_API_KEY = ""
    settings.OPENAI_API_KEY = ""
    settings.SSRF_ALLOW_LOOPBACK = False
    settings.CONTENT_RATE_LIMIT = 1000
    settings.CONTENT_BREAKER_MIN_CALLS = 3
    settings.CONTENT_BREAKER_OPEN_SECONDS = 300
    settings.CONTENT_PROVIDER_TIMEOUT = 2.0
    settings.HTTP_CONNECT_TIMEOUT = 2.0


def fetch_bytes(url: str) -> bytes:
    """GETs an image URL the API (or the dashboard, site-relative) gave: local media through the app's own route,
    anything else over HTTP."""
    parts = urlsplit(url)
    if parts.path.startswith("/media/content/") and parts.hostname in ("localhost", "testserver", None):
        local = Client().get(parts.path)
        assert local.status_code == 200, url
        return local.getvalue()
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def decode(url: str) -> Image.Image:
    image = Image.open(io.BytesIO(fetch_bytes(url)))
    image.load()
    return image


def generate(client, body: dict, *, capture=None):
    """POSTs a generate request; with ``capture`` (django_capture_on_commit_callbacks) the eager task runs."""
    if capture is None:
        return client.post("/api/content/images/generate", body, format="json")
    with capture(execute=True):
        return client.post("/api/content/images/generate", body, format="json")


@pytest.fixture
def fake_stability(settings):
    from tests.content.fakes import FakeStability

    server = FakeStability()
    settings.STABILITY_API_KEY = "sk-test-stability"
    settings.STABILITY_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def fake_openai(settings):
    from tests.content.fakes import FakeOpenAI

    server = FakeOpenAI()
    settings.OPENAI_API_KEY = "sk-test-openai"
    settings.OPENAI_API_BASE = server.url
    yield server
    server.stop()


def run_job(client, body: dict, capture) -> dict:
    """Generates through the API with the eager task and returns the finished job as a client polls it."""
    response = generate(client, body, capture=capture)
    assert response.status_code == 202, response.json()
    return client.get(f"/api/content/images/jobs/{response.json()['jobId']}").json()


AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE_CONTAINER = "content-test"


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    """A real Azurite blob server (npm, installed by ``make test``) with a public-read container."""
    import subprocess
    from pathlib import Path

    from azure.storage.blob import BlobServiceClient

    from tests.support.processes import free_port, stop_process_group, wait_for_port

    binary = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / ".bin" / "azurite-blob"
    assert binary.exists(), "Azurite is missing: run `make test` (it installs azurite@3.35.0 into .tools/)"
    port = free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "--skipApiVersionCheck",
            "--silent",
            "--location",
            str(tmp_path_factory.mktemp("azurite")),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        connection_string = (
            f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
        )
        # django-storages never creates the container.
        BlobServiceClient.from_connection_string(connection_string).create_container(
            AZURITE_CONTAINER, public_access="blob"
        )
        yield connection_string
    finally:
        # Azurite waits for idle keep-alive connections before exiting; do not let that hold the session.
        stop_process_group(process, grace=5)


@pytest.fixture
def azure_content_storage(settings, azurite):
    settings.STORAGES = {
        **settings.STORAGES,
        "content": {
            "BACKEND": "storages.backends.azure_storage.AzureStorage",
            "OPTIONS": {
                "connection_string": azurite,
                "azure_container": AZURITE_CONTAINER,
                "overwrite_files": True,
                "timeout": 20,
            },
        },
    }
    return azurite
