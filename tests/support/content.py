"""The Content Service as a test calls it: an event to draw, generating through the API, and fetching and
decoding the images a job returns."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import requests
from django.test import Client
from PIL import Image

EVENT_INFO: dict[str, Any] = {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"}


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


def run_job(client, body: dict, capture) -> dict:
    """Generates through the API with the eager task and returns the finished job as a client polls it."""
    response = generate(client, body, capture=capture)
    assert response.status_code == 202, response.json()
    return client.get(f"/api/content/images/jobs/{response.json()['jobId']}").json()
