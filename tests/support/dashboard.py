"""The merchant dashboard as its tests see it: a desktop browser that records every request it makes, a shop
with some of everything, and signing in through the form."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from content.models import ImageJob
from merchants.models import Merchant
from sizing.models import SizeFeedback
from tests.support.content import EVENT_INFO, run_job
from tests.support.merchants import PASSWORD, api_key_client_for, jwt_client_for
from tests.support.sizing import TOP_BODY_ROWS, make_chart, make_product
from tests.support.tryon import make_completed_job, make_running_job
from tests.support.webhooks import Receiver, Reply, make_endpoint
from tryon.models import DailyUsage, TryOnJob, TryOnSettings
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending

ARTIFACT_DIR = Path(os.environ.get("DASHBOARD_ARTIFACT_DIR", "var/test-artifacts/dashboard"))


@dataclass
class Browser:
    context: Any
    page: Any
    base_url: str
    # Every request the page attempted, those that reached the network layer, and why others failed.
    requests: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)

    def assert_nothing_left_the_machine(self) -> None:
        """Only the live server was contacted; an attempt elsewhere is one the browser itself refused (its failure "csp": blocked by the Content-Security-Policy)."""
        local = (self.base_url, "data:", "blob:", "about:")
        assert self.blocked == []
        assert [url for url in self.sent if not url.startswith(local)] == []
        elsewhere = {url: self.failures.get(url) for url in self.requests if not url.startswith(local)}
        assert all(reason == "csp" for reason in elsewhere.values()), elsewhere

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        # unfold's pages stay hidden (x-cloak) until Alpine has started, and its charts draw on window load.
        self.page.wait_for_load_state("load")
        self.page.wait_for_function("!document.querySelector('[x-cloak]')")
        ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
        path = ARTIFACT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@dataclass
class Shop:
    """A merchant with some of everything (and a bigger other merchant whose numbers must never show)."""

    merchant: Merchant
    other: Merchant
    content_job_id: str
    other_content_job_id: str
    completed_tryon: TryOnJob
    running_tryon: TryOnJob
    endpoint: WebhookEndpoint
    failed_delivery: WebhookDelivery
    receiver: Receiver

    @property
    def username(self) -> str:
        return self.merchant.memberships.get().user.username


def recommend(client: Any, product_id: str, times: int) -> None:
    for index in range(times):
        body = {
            "productId": product_id,
            "measurement": {"gender": "M", "height": 170 + index, "weight": 65, "chest": 91},
        }
        assert client.post("/api/size/recommend", body, format="json").status_code == 200


def stock_shop(merchant: Merchant, other_merchant: Merchant, receiver: Receiver, capture: Any) -> Shop:
    """Content, try-on, webhook and sizing activity for ``merchant`` and more of each for ``other_merchant``
    (``capture``: django_capture_on_commit_callbacks). The caller allows loopback, switches the AI keys off and
    raises the content rate limit (the shop fixture does)."""
    # Content: 6 images for this merchant, 9 for the other one.
    mine = run_job(
        jwt_client_for(merchant),
        {"eventDraftId": "spring-sale", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "NAVER_BLOG"]},
        capture,
    )
    theirs = run_job(
        jwt_client_for(other_merchant),
        {
            "eventDraftId": "their-event",
            "eventInfo": {**EVENT_INFO, "title": "남의 이벤트"},
            "platforms": ["INSTAGRAM", "NAVER_BLOG", "KAKAO_CHANNEL"],
        },
        capture,
    )
    # Try-on usage this month: 7 requests against a quota of 100; the other merchant has 400.
    today = timezone.localdate()
    TryOnSettings.objects.create(merchant=merchant, monthly_quota=100)
    DailyUsage.objects.create(merchant=merchant, date=today, requested=5, completed=3, failed=1)
    if (today - timedelta(days=1)).month == today.month:
        DailyUsage.objects.create(merchant=merchant, date=today - timedelta(days=1), requested=2, completed=2)
    else:
        DailyUsage.objects.filter(merchant=merchant, date=today).update(requested=7, completed=5)
    DailyUsage.objects.create(merchant=other_merchant, date=today, requested=400, completed=400)
    completed = make_completed_job(merchant, title="블루 린넨 셔츠")
    make_completed_job(other_merchant, title="남의 셔츠")
    running = make_running_job(
        merchant,
        progress=40,
        product_image_url="https://shop.example.com/img/2.png",
        product_title="스트라이프 셔츠",
        engine="offline",
        started_at=timezone.now(),
    )
    # Webhooks: one delivered, one given up (410), then the endpoint is switched back on by the merchant.
    endpoint, _secret = make_endpoint(merchant, receiver.url("/hook"), ["tryon.completed", "tryon.failed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": str(completed.pk)})
    deliver_pending()
    receiver.replies.append(Reply(status=410))
    emit_event(merchant=merchant, event_type="tryon.failed", data={"jobId": "lost"})
    deliver_pending()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=True, disabled_reason="", disabled_at=None)
    failed = WebhookDelivery.objects.get(merchant=merchant, event_type="tryon.failed")
    # Sizing: 3 recommendations and 2 of 3 feedback helpful here; 12 recommendations for the other merchant.
    make_chart(merchant, brand="BRAND_A", category="TOP", rows=TOP_BODY_ROWS)
    make_product(merchant, external_id="BLUE-SHIRT-001", brand="BRAND_A", category="TOP", name="블루 린넨 셔츠")
    recommend(api_key_client_for(merchant), "BLUE-SHIRT-001", 3)
    make_chart(other_merchant, brand="THEIRS", category="TOP", rows=TOP_BODY_ROWS)
    make_product(other_merchant, external_id="THEIR-1", brand="THEIRS", category="TOP", name="남의 상품")
    recommend(api_key_client_for(other_merchant), "THEIR-1", 12)
    for helpful in (True, True, False):
        SizeFeedback.objects.create(
            merchant=merchant, try_on_request_id=uuid.uuid4(), recommended_size="M", confidence=80, helpful=helpful
        )
    assert ImageJob.objects.get(pk=mine["jobId"]).status == ImageJob.Status.COMPLETED
    return Shop(
        merchant=merchant,
        other=other_merchant,
        content_job_id=mine["jobId"],
        other_content_job_id=theirs["jobId"],
        completed_tryon=completed,
        running_tryon=running,
        endpoint=endpoint,
        failed_delivery=failed,
        receiver=receiver,
    )


def log_in(browser: Browser, shop: Shop, *, login_path: str = "/admin/login/?next=/admin/") -> None:
    """Through the login form, as a merchant does."""
    page = browser.page
    page.goto(f"{browser.base_url}{login_path}")
    page.fill("input[name=username]", shop.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{browser.base_url}/admin/")
