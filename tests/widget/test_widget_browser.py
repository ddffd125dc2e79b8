"""The widget in headless Chromium, on a shop page served from another origin than the Toile API.

The API is pytest-django's live server (http://localhost:PORT); each shop is a small local HTTP server on
http://127.0.0.1:OTHER_PORT that pastes the integration snippet of docs/widget.md into its product page.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from PIL import Image
from playwright.sync_api import ViewportSize

from config.celery import app as celery_app
from merchants.models import ApiKey
from merchants.services import issue_api_key
from tests.support.http import LocalServer, QuietHandler
from tests.support.processes import celery_worker
from tests.support.shop import PERSON_PHOTO, garment_png, person_jpeg
from tests.support.tryon import data_url_bytes, decode
from tests.support.widget import publishable_key_for, seed_catalogue, try_on_in_panel
from tryon.models import ShareLink, TryOnFeedback, TryOnJob
from widget.models import WidgetDailyStats

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "var/test-artifacts"))
PHONE: ViewportSize = {"width": 390, "height": 844}


def big_person_jpeg() -> bytes:
    """The portrait blown up to 2400 px high: the widget must send it downscaled (long edge 1600)."""
    image = Image.open(PERSON_PHOTO).convert("RGB")
    image = image.resize((round(image.width * 2400 / image.height), 2400))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@dataclass
class Shop:
    """A storefront on its own origin whose product page carries the widget snippet."""

    api_url: str
    key: str = ""
    base_url: str = ""
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # Only data-toile-product on the element: image and title come from the page's Open Graph tags.
    minimal: bool = False

    def page(self) -> bytes:
        product = (
            '<div data-toile-product="BLUE-SHIRT-001"></div>'
            if self.minimal
            else f"""<div data-toile-product="BLUE-SHIRT-001" data-toile-product-image="{self.base_url}/shirt.png"
     data-toile-category="upper_body" data-toile-product-title="블루 린넨 셔츠"></div>"""
        )
        return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>블루 린넨 셔츠 | 예시 쇼핑몰</title>
<meta property="og:title" content="블루 린넨 셔츠 (OG)"><meta property="og:image" content="/shirt.png"></head>
<body><h1>블루 린넨 셔츠</h1><img src="/shirt.png" alt="" width="200">
{product}
<script src="{self.api_url}/widget/v1/toile.js" data-toile-key="{self.key}" defer></script>
</body></html>""".encode()

    @property
    def origin(self) -> str:
        return self.base_url


@pytest.fixture
def shop_factory(live_server) -> Iterator[Callable[[], Shop]]:
    servers: list[LocalServer] = []

    def start() -> Shop:
        shop = Shop(api_url=live_server.url)
        shop.files = {
            "/shirt.png": (garment_png(), "image/png"),
            "/person.jpg": (person_jpeg(), "image/jpeg"),
            "/big-person.jpg": (big_person_jpeg(), "image/jpeg"),
        }

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                body, content_type = (
                    (shop.page(), "text/html; charset=utf-8") if path == "/" else shop.files.get(path, (b"", ""))
                )
                self.send_response(200 if content_type else 404)
                self.send_header("Content-Type", content_type or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = LocalServer(Handler)
        servers.append(server)
        shop.base_url = server.base_url
        return shop

    yield start
    for server in servers:
        server.close()


@dataclass
class Browser:
    page: Any
    requests: list[Any] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(request.url).netloc for request in self.requests if request.url.startswith("http")}


def latin_only_fontconfig(folder: Path) -> Path:
    """A fontconfig that hides every CJK font of the machine: Korean must come from the widget's own font."""
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>"
    )
    return config


@pytest.fixture
def browser(monkeypatch, tmp_path) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            env={**os.environ, "FONTCONFIG_FILE": str(latin_only_fontconfig(tmp_path))},
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],  # fmt: skip
        )
        context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        state = Browser(page=page)
        page.on("request", lambda request: state.requests.append(request))
        try:
            yield state
        finally:
            connections.close_all()  # the live server's threads opened their own connections
            context.close()
            chromium.close()


@pytest.fixture
def shop_merchant(merchant, settings, live_server, loopback_allowed):
    seed_catalogue(merchant)
    settings.PUBLIC_BASE_URL = live_server.url
    return merchant


def open_shop(browser: Browser, shop: Shop) -> Any:
    page = browser.page
    assert page.goto(shop.base_url + "/").status == 200
    page.wait_for_function("() => window.Toile && window.Toile.version === '1'")
    return page


def stats(merchant) -> dict[str, int]:
    row = WidgetDailyStats.objects.filter(merchant=merchant, date=timezone.localdate()).first()
    fields = ("opens", "recommendations", "uploads", "completed", "shares", "share_views")
    return {name: getattr(row, name) if row else 0 for name in fields}


def test_button_mounts_and_the_panel_recommends_a_size(browser, shop_factory, shop_merchant):
    shop = shop_factory()
    shop.key = publishable_key_for(shop_merchant, shop.origin).raw_key
    secret = issue_api_key(merchant=shop_merchant).raw_key
    page = open_shop(browser, shop)

    button = page.locator("[data-toile-product] button.open")
    assert button.inner_text() == "사이즈 추천 · 가상 피팅"
    button.click()
    panel = page.locator("#toile-panel .panel")
    assert panel.get_attribute("role") == "dialog"
    assert page.locator("#toile-title").inner_text() == "블루 린넨 셔츠"
    page.fill("input[name=height]", "170")
    page.fill("input[name=weight]", "65")
    page.check("input[name=gender][value=M]")
    page.click("#recommend")
    page.wait_for_selector("#recommended-size")
    assert page.inner_text("#recommended-size") == "M"
    assert page.inner_text("#confidence").startswith("신뢰도 ")
    assert page.inner_text("#fit-words") in (
        "이 사이즈가 잘 맞을 가능성이 높아요.",
        "대체로 잘 맞을 거예요.",
        "두 사이즈 사이에 있어요. 상세 치수도 함께 확인해 보세요.",
    )
    # The English UI, one click away.
    page.click("[data-toile-lang]")
    assert page.inner_text("#recommend") == "Get my size"
    assert page.inner_text("#confidence").startswith("confidence ")
    page.click("[data-toile-lang]")

    # Usable on a 390 px phone: the panel fits the width, nothing scrolls sideways, the try-on controls reach.
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert panel.evaluate("p => p.scrollWidth <= p.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#start-tryon").scroll_into_view_if_needed()
    assert page.locator("#start-tryon").is_visible()
    page.locator("#toile-title").scroll_into_view_if_needed()
    # No Korean font on this "device": the panel's Korean comes from the Toile host's bundled Noto Sans KR.
    faces = page.evaluate(
        "() => document.fonts.ready.then(() => [...document.fonts]"
        ".filter(f => f.family.includes('Toile Noto Sans KR')).map(f => [f.weight, f.status]))"
    )
    assert ["400", "loaded"] in faces and ["700", "loaded"] in faces
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-panel-390.png"))

    # Only the shop and the Toile host were contacted; only the publishable key was ever sent.
    assert browser.hosts() <= {urlsplit(shop.base_url).netloc, urlsplit(shop.api_url).netloc}
    sent_keys = {r.headers.get("x-api-key") for r in browser.requests if r.headers.get("x-api-key")}
    assert sent_keys == {shop.key}
    assert secret not in page.content() and "tk_" not in page.content()
    page.keyboard.press("Escape")
    assert page.locator("#toile-panel").count() == 0
    counted = stats(shop_merchant)
    assert counted["opens"] == 1 and counted["recommendations"] == 1


def test_js_api_recommends_and_rejects_with_the_api_errors(browser, shop_factory, shop_merchant):
    shop = shop_factory()
    shop.key = publishable_key_for(shop_merchant, shop.origin).raw_key
    page = open_shop(browser, shop)
    data = page.evaluate(
        "() => Toile.recommendSize({productId: 'BLUE-SHIRT-001', measurement: {height: 170, weight: 65, gender: 'M'}})"
    )
    assert data["recommendation"]["size"] == "M" and 0 <= data["recommendation"]["confidence"] <= 100
    assert data["product"]["name"] == "블루 린넨 셔츠"
    missing = page.evaluate(
        "() => Toile.recommendSize({productId: 'NO-SUCH', measurement: {height: 170, weight: 65, gender: 'M'}})"
        ".then(() => null, e => e)"
    )
    assert missing["error"] == "NotFound" and missing["statusCode"] == 404 and missing["message"]
    invalid = page.evaluate(
        "() => Toile.recommendSize({productId: 'BLUE-SHIRT-001', measurement: {height: -1, weight: 65, gender: 'M'}})"
        ".then(() => null, e => e)"
    )
    assert invalid["error"] == "BadRequest" and invalid["statusCode"] == 400 and "height" in invalid["message"]


@pytest.fixture
def not_eager() -> Iterator[None]:
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.mark.worker
def test_js_api_try_on_reports_progress_until_completed(browser, shop_factory, shop_merchant, fake_fashn, not_eager):
    shop = shop_factory()
    shop.key = publishable_key_for(shop_merchant, shop.origin).raw_key
    fake_fashn.hold = threading.Event()  # FASHN stays "processing" until the page has reported it
    env = fake_fashn.worker_env()
    with celery_worker(queues="tryon", extra_env=env) as log:
        page = open_shop(browser, shop)
        page.evaluate(
            """async () => {
              const photo = await (await fetch('/big-person.jpg')).blob();
              window.progress = [];
              Toile.tryOn({photo, productImageUrl: location.origin + '/shirt.png', category: 'upper_body',
                           productTitle: '블루 린넨 셔츠',
                           onProgress: job => window.progress.push([job.status, job.progress])})
                .then(job => { window.final = job }, error => { window.final = {rejected: error} });
            }"""
        )
        page.wait_for_function(
            "() => window.progress.some(([s, p]) => s === 'PROCESSING' && p === 60) || window.final", timeout=90_000
        )
        fake_fashn.hold.set()
        page.wait_for_function("() => window.final", timeout=90_000)
        final = page.evaluate("window.final")
        progress = page.evaluate("window.progress")
        visitor = page.evaluate("Toile.visitorId()")
    assert final.get("status") == "COMPLETED", (final, log.read_text()[-3000:])
    assert final["resultImageUrl"].startswith(shop.api_url + "/media/tryon/")
    assert progress[0] == ["PENDING", 0] and ["PROCESSING", 60] in progress and progress[-1] == ["COMPLETED", 100]
    assert [p for _, p in progress] == sorted(p for _, p in progress)
    # The photo left the browser downscaled (long edge 1600 px), re-encoded as JPEG.
    sent = decode(data_url_bytes(fake_fashn.runs[0]["inputs"]["model_image"]))
    assert max(sent.size) == 1600
    job = TryOnJob.objects.get(pk=final["jobId"])
    assert job.visitor_key == f"v:{visitor}" and job.metadata["channel"] == "widget"
    assert stats(shop_merchant)["uploads"] == 1 and stats(shop_merchant)["completed"] == 1


def test_demo_store_panel_try_on_feedback_and_share(browser, live_server, settings, loopback_allowed):
    """The demo shop of `make run`: same origin as the API, so the status polls carry no Origin header."""
    settings.PUBLIC_BASE_URL = live_server.url
    call_command("bootstrap_demo", "--base-url", live_server.url, stdout=io.StringIO())
    page = browser.page
    assert page.goto(live_server.url + "/demo/store/").status == 200
    page.wait_for_function("() => window.Toile")
    buttons = page.locator("button.open")
    assert buttons.count() == 5
    buttons.first.click()
    try_on_in_panel(page)
    assert page.inner_text("#tryon-status") == "완성됐어요!"
    assert page.inner_text("#ai-badge") == "AI 생성 이미지 · 미리보기 (간이 엔진)"
    page.click("#vote-good")
    page.wait_for_function(
        "() => document.querySelector('#toile-panel').shadowRoot.querySelector('#vote-status').textContent"
    )
    assert page.inner_text("#vote-status") == "의견 감사합니다!"
    page.click("#share-button")
    share_url = page.locator("#share-url").input_value()
    assert share_url.startswith(live_server.url + "/share/")
    page.locator("#tryon-image").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-tryon-result-390.png"))

    merchant = ApiKey.objects.get(kind="publishable", revoked_at__isnull=True).merchant
    job = TryOnJob.objects.get(merchant=merchant)
    assert job.status == TryOnJob.Status.COMPLETED and job.person_image == ""
    assert TryOnFeedback.objects.get(job=job).vote == "GOOD"
    viewer = page.context.new_page()
    assert viewer.goto(share_url).status == 200
    assert ShareLink.objects.get(job=job).view_count == 1
    assert stats(merchant) == {"opens": 1, "recommendations": 0, "uploads": 1, "completed": 1, "shares": 1,
                               "share_views": 1}  # fmt: skip
    assert browser.hosts() == {urlsplit(live_server.url).netloc}
    assert "tk_" not in page.content()


def test_the_key_is_refused_from_origins_not_on_its_list(browser, shop_factory, shop_merchant, other_merchant):
    allowed, stranger, neighbour = shop_factory(), shop_factory(), shop_factory()
    key = publishable_key_for(shop_merchant, allowed.origin).raw_key
    publishable_key_for(other_merchant, neighbour.origin)  # another merchant's widget runs on this origin
    call = (
        "() => Toile.recommendSize({productId: 'BLUE-SHIRT-001', measurement: {height: 170, weight: 65, gender: 'M'}})"
        ".then(data => ({ok: data}), error => error)"
    )
    for shop in (allowed, stranger, neighbour):
        shop.key = key

    # Not a widget origin at all: the preflight is refused, the browser does not send the request.
    page = open_shop(browser, stranger)
    assert page.locator("button.open").count() == 1  # the script itself loads anywhere
    refused = page.evaluate(call)
    assert refused["error"] == "NetworkError" and refused["statusCode"] == 0
    # A widget origin, but not this key's: the server refuses the pair.
    page = open_shop(browser, neighbour)
    forbidden = page.evaluate(call)
    assert forbidden["error"] == "Forbidden" and forbidden["statusCode"] == 403
    assert neighbour.origin in forbidden["message"]
    # The key's own shop works.
    page = open_shop(browser, allowed)
    assert page.evaluate(call)["ok"]["recommendation"]["size"] == "M"
    assert stats(shop_merchant)["recommendations"] == 1


def test_publishable_key_gets_403_on_the_webhook_api(browser, shop_factory, shop_merchant):
    shop = shop_factory()
    shop.key = publishable_key_for(shop_merchant, shop.origin).raw_key
    page = open_shop(browser, shop)
    # From the shop page the browser may not even ask (no CORS for the management API)…
    blocked = page.evaluate(
        "([api, key]) => fetch(api + '/api/webhooks', {headers: {'x-api-key': key}}).then(r => r.status, () => 'blocked')",
        [shop.api_url, shop.key],
    )
    assert blocked == "blocked"
    # …and asked directly, the API answers 403 in the Toile format.
    response = page.request.get(shop.api_url + "/api/webhooks", headers={"x-api-key": shop.key, "Origin": shop.origin})
    assert response.status == 403
    body = response.json()
    assert body["error"] == "Forbidden" and body["statusCode"] == 403 and body["message"]


def test_a_bare_product_element_takes_image_and_title_from_open_graph(browser, shop_factory, shop_merchant):
    shop = shop_factory()
    shop.minimal = True
    shop.key = publishable_key_for(shop_merchant, shop.origin).raw_key
    page = open_shop(browser, shop)
    page.click("button.open")
    assert page.inner_text("#toile-title") == "블루 린넨 셔츠 (OG)"
    assert page.locator("#tryon").count() == 1
    # Without any image the panel offers size advice only.
    page.evaluate("() => Toile.open('NOT-ON-THIS-PAGE')")
    assert page.locator("#size-form").count() == 1 and page.locator("#tryon").count() == 0
