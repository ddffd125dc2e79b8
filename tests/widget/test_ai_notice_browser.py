"""The widget's generative-AI notice and the visible AI mark, in headless Chromium on the demo shop: the notice
is shown in the consent step, in the page's language, with exactly the published text, before the photo can
leave the device; the job records the versions; the shopper sees the result with its "AI 생성" mark."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image

from common.provenance.identity import signing_identity
from tests.support.browser import chromium_context
from tests.support.credentials import corner_share, read_manifest
from tests.support.widget import try_on_in_panel
from tryon.ai_notice import AI_NOTICE_VERSION, CONSENT_VERSION
from tryon.models import TryOnJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "var/test-artifacts"))


@pytest.fixture
def demo_shop(live_server, settings, loopback_allowed, fake_fashn, monkeypatch) -> Iterator[tuple[Any, list]]:
    """The demo shop (same origin as the API) with FASHN's fake behind it: results are one flat colour, so the
    mark is easy to find. Yields the page and the (method, path) of every request it made."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.TRYON_ENGINE, settings.FASHN_API_KEY = "fashn", fake_fashn.api_key
    settings.FASHN_API_BASE, settings.FASHN_POLL_INTERVAL = fake_fashn.base_url, 0.05
    call_command("bootstrap_demo", "--base-url", live_server.url, stdout=io.StringIO())
    with chromium_context(monkeypatch, viewport={"width": 390, "height": 844}, device_scale_factor=2) as context:
        page = context.new_page()
        page.set_default_timeout(30_000)
        requests: list[tuple[str, str]] = []
        page.on("request", lambda request: requests.append((request.method, urlsplit(request.url).path)))
        assert page.goto(live_server.url + "/demo/store/").status == 200
        page.wait_for_function("() => window.Toile")
        yield page, requests


def try_on(page: Any) -> Image.Image:
    try_on_in_panel(page)
    page.locator("#tryon-image").scroll_into_view_if_needed()
    return Image.open(io.BytesIO(page.locator("#tryon-image").screenshot()))


def test_the_notice_comes_before_the_photo_leaves_and_the_result_shows_the_mark(demo_shop, live_server):
    page, requests = demo_shop
    published = Client().get("/api/ai-notice").json()["data"]["texts"]
    page.locator("button.open").first.click()
    notice = page.locator("#ai-notice")
    notice.scroll_into_view_if_needed()
    assert notice.is_visible()
    assert page.inner_text("#ai-notice-text") == published["ko"]["notice"]
    assert page.inner_text("#consent-text") == published["ko"]["consent"]
    # Part of the consent step: above the consent box and the photo pickers.
    assert notice.bounding_box()["y"] < page.locator("#consent").bounding_box()["y"]
    assert notice.bounding_box()["y"] < page.locator("#photo-file").locator("..").bounding_box()["y"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-ai-notice-390.png"))
    assert ("POST", "/api/tryon") not in requests  # nothing has left the device yet

    shown = try_on(page)
    # The shopper sees the result with the dark "AI 생성" label in its bottom-left corner, and only there.
    assert corner_share(shown, "bottom-left", "dark") > 0.05
    assert all(corner_share(shown, corner, "dark") == 0 for corner in ("top-left", "top-right", "bottom-right"))
    assert page.inner_text("#ai-badge") == "AI 생성 이미지"
    page.screenshot(path=str(ARTIFACTS / "widget-ai-mark-390.png"))

    job = TryOnJob.objects.get()
    assert (job.ai_notice_version, job.consent_version, job.language) == (AI_NOTICE_VERSION, CONSENT_VERSION, "ko")
    assert job.notice_accepted_at is not None and job.notice_accepted_at <= job.created_at


def test_an_english_shopper_reads_the_english_notice_and_gets_the_english_mark(demo_shop):
    page, _ = demo_shop
    published = Client().get("/api/ai-notice").json()["data"]["texts"]
    page.locator("button.open").first.click()
    page.click("[data-toile-lang]")
    assert page.inner_text("#ai-notice-text") == published["en"]["notice"]
    assert page.inner_text("#consent-text") == published["en"]["consent"]
    try_on(page)
    assert page.inner_text("#ai-badge") == "AI-generated image"
    job = TryOnJob.objects.get()
    assert job.language == "en"
    url = page.get_attribute("#tryon-image", "src")
    data = page.request.get(url).body()
    manifest = read_manifest(data, trust_anchor_pem=signing_identity().trust_anchor_pem)
    assert manifest.validation_state == "Trusted" and manifest.generation["visibleMark"] == "AI-generated"
