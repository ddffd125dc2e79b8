"""The share page in headless Chromium: the result image renders, the product button and the meta tags exist."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from tests.support.browser import chromium_context
from tests.support.credentials import corner_share
from tests.support.shop import person_jpeg
from tests.support.tryon import decode, make_completed_job, upload
from tryon.models import ShareLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT_DIR = Path(os.environ.get("TRYON_SCREENSHOT_DIR", "var/screenshots"))


@pytest.fixture
def page(monkeypatch) -> Iterator:
    with chromium_context(
        monkeypatch, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    ) as context:
        yield context.new_page()


def test_share_page_renders_result_and_tags(live_server, page, api_key_client, image_server, loopback_allowed):
    loopback_allowed.PUBLIC_BASE_URL = live_server.url
    # A real try-on (offline engine, run inline: Celery is eager and this test's transactions commit at once).
    created = upload(
        api_key_client, image_server, productTitle="블루 린넨 셔츠", productPageUrl="https://shop.example.com/p/123"
    )
    job_id = created.json()["data"]["jobId"]
    shared = api_key_client.post(f"/api/tryon/{job_id}/share", {"visitorId": str(uuid.uuid4())}, format="json")
    assert shared.status_code == 201
    share_url = shared.json()["data"]["shareUrl"]
    assert share_url.startswith(live_server.url + "/share/")
    link = ShareLink.objects.get(job_id=job_id)

    response = page.goto(share_url)
    assert response.status == 200
    page.wait_for_function(
        "() => { const i = document.querySelector('#result'); return i.complete && i.naturalWidth > 0 }"
    )
    person = decode(person_jpeg())
    assert page.eval_on_selector("#result", "i => [i.naturalWidth, i.naturalHeight]") == list(person.size)
    assert page.inner_text("h1") == "블루 린넨 셔츠"
    assert page.get_attribute("#product-link", "href") == "https://shop.example.com/p/123"

    def meta(selector: str) -> str | None:
        return page.get_attribute(f"meta[{selector}]", "content")

    assert meta('property="og:image"') == f"{live_server.url}/api/share/{link.token}/og-image"
    assert meta('property="og:title"') == "블루 린넨 셔츠 가상 피팅"
    assert meta('property="og:url"') == f"{live_server.url}/share/{link.token}"
    assert meta('name="twitter:card"') == "summary_large_image"
    assert meta('name="twitter:image"') == meta('property="og:image"')
    # The og:image endpoint leads to the same picture.
    og = page.request.get(meta('property="og:image"'), max_redirects=0)
    assert og.status == 302 and og.headers["cache-control"] == "public, max-age=3600"
    # Fits a phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "tryon-share-page.png"), full_page=True)
    link.refresh_from_db()
    assert link.view_count == 1


def test_expired_share_page_is_a_friendly_410(live_server, page, merchant, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    job = make_completed_job(merchant)
    link = ShareLink.objects.create(job=job, token="expired" + "x" * 25, expires_at=timezone.now() - timedelta(hours=1))
    response = page.goto(f"{live_server.url}/share/{link.token}")
    assert response.status == 410
    assert page.inner_text("#gone-title") == "공유 링크를 열 수 없습니다"
    assert "만료" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOT_DIR / "tryon-share-expired.png"))
    unknown = page.goto(f"{live_server.url}/share/unknown-token")
    assert unknown.status == 404


def test_the_share_page_shows_the_mark_and_leads_to_the_check(
    live_server, page, api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn
):
    loopback_allowed.PUBLIC_BASE_URL = live_server.url
    created = upload(api_key_client, image_server, productTitle="블루 린넨 셔츠")
    job_id = created.json()["data"]["jobId"]
    shared = api_key_client.post(f"/api/tryon/{job_id}/share", {"visitorId": str(uuid.uuid4())}, format="json")
    assert page.goto(shared.json()["data"]["shareUrl"]).status == 200
    page.wait_for_function(
        "() => { const i = document.querySelector('#result'); return i.complete && i.naturalWidth > 0 }"
    )
    # The friend sees the "AI 생성" label in the picture (FASHN's fake answers one flat colour) and beside it.
    shown = Image.open(io.BytesIO(page.locator("#result").screenshot()))
    assert corner_share(shown, "bottom-left", "dark") > 0.05
    assert all(corner_share(shown, corner, "dark") == 0 for corner in ("top-left", "top-right", "bottom-right"))
    assert page.inner_text("#ai-badge") == "AI 생성 이미지"
    assert "실제로 입어 본 사진이 아닙니다" in page.inner_text("#ai-note")
    page.screenshot(path=str(SCREENSHOT_DIR / "tryon-share-page-ai-mark.png"), full_page=True)

    page.click("#verify-link")
    page.wait_for_selector("#verify-headline")
    assert page.get_attribute("#verify-headline", "data-state") == "verified"
    assert page.inner_text("#verify-headline") == "이 서비스가 만들고 서명한 이미지이며, 서명 이후 바뀌지 않았습니다."
    details = page.inner_text("#verify-details")
    assert "FASHN tryon-v1.6" in details and "생성형 AI가 만든 이미지" in details
    page.screenshot(path=str(SCREENSHOT_DIR / "verify-page.png"), full_page=True)

    # The same check by uploading the file the share page showed.
    page.goto(f"{live_server.url}/verify")
    token = shared.json()["data"]["shareUrl"].rsplit("/", 1)[1]
    result = page.request.get(f"{live_server.url}/api/share/{token}/og-image")  # follows the redirect
    upload_path = SCREENSHOT_DIR / "shared-result.jpg"
    upload_path.write_bytes(result.body())
    page.set_input_files("#image", str(upload_path))
    page.click("#verify-upload button")
    page.wait_for_selector("#verify-headline")
    assert page.get_attribute("#verify-headline", "data-state") == "verified"
