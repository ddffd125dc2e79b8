"""The dashboard: endpoints (secret once), delivery log filters, replay action, success-rate chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.charts import charts_in
from tests.support.text import must_search
from tests.support.webhooks import Reply, make_endpoint
from webhooks.delivery.signing import decrypt_secret
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending

pytestmark = pytest.mark.django_db


def dashboard(merchant) -> Client:
    client = Client()
    client.force_login(merchant.memberships.get().user)
    return client


def test_endpoint_added_in_the_dashboard_shows_the_secret_once(merchant, allow_loopback):
    client = dashboard(merchant)

    response = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "http://127.0.0.1:9/hook", "events": ["tryon.completed", "usage.quota_exceeded"]},
    )

    assert response.status_code == 200
    secret = must_search(r'id="webhook-secret"[^>]*>(whsec_[^<]+)<', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.merchant == merchant
    assert endpoint.events == ["tryon.completed", "usage.quota_exceeded"]
    assert decrypt_secret(endpoint.encrypted_secret) == secret
    assert secret not in client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert secret not in client.get("/admin/webhooks/webhookendpoint/").content.decode()


def test_dashboard_refuses_unsafe_urls(merchant):
    response = dashboard(merchant).post(
        "/admin/webhooks/webhookendpoint/add/", {"url": "http://169.254.169.254/", "events": ["tryon.completed"]}
    )
    assert response.status_code == 200
    assert "메타데이터" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_disabled_endpoint_shows_why(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=410))
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    deliver_pending()

    page = dashboard(merchant).get("/admin/webhooks/webhookendpoint/").content.decode()

    assert "비활성" in page
    assert "410 Gone" in page


def test_merchant_sees_only_its_own_endpoints_and_deliveries(merchant, other_merchant, allow_loopback):
    make_endpoint(merchant, "http://127.0.0.1:9/mine", ["tryon.completed"])
    theirs, _ = make_endpoint(other_merchant, "http://127.0.0.1:9/theirs", ["tryon.completed"])
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={})
    client = dashboard(merchant)

    endpoints = client.get("/admin/webhooks/webhookendpoint/").content.decode()
    assert "/mine" in endpoints and "/theirs" not in endpoints
    deliveries = client.get("/admin/webhooks/webhookdelivery/").content.decode()
    assert "/theirs" not in deliveries
    their_delivery = WebhookDelivery.objects.get(endpoint=theirs)
    assert client.get(f"/admin/webhooks/webhookdelivery/{their_delivery.pk}/change/").status_code == 404


def test_delivery_log_filters_by_status_and_event(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed", "tryon.failed"])
    receiver.replies.append(Reply(status=500))
    emit_event(merchant=merchant, event_type="tryon.failed", data={})
    deliver_pending()  # the failed-event delivery gets the 500
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    deliver_pending()
    client = dashboard(merchant)

    def rows(query: str) -> int:
        page = client.get(f"/admin/webhooks/webhookdelivery/{query}").content.decode()
        return len(re.findall(r'name="_selected_action"', page))

    assert rows("") == 2
    assert rows("?status__exact=PENDING") == 1
    assert rows("?status__exact=DELIVERED") == 1
    assert rows("?event_type__exact=tryon.completed") == 1
    assert rows("?event_type__exact=tryon.completed&status__exact=PENDING") == 0


def test_replay_action_resets_failed_deliveries(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=410))
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    deliver_pending()
    delivery = WebhookDelivery.objects.get()
    WebhookEndpoint.objects.update(is_active=True)
    client = dashboard(merchant)

    response = client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "replay_selected", "_selected_action": [str(delivery.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1건" in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.PENDING, 0)
    assert deliver_pending() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_delivery_page_shows_each_attempt(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=502, body=b"bad gateway from receiver"))
    emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": "job-7"})
    deliver_pending()
    delivery = WebhookDelivery.objects.get()

    page = dashboard(merchant).get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/").content.decode()

    assert "bad gateway from receiver" in page
    assert "job-7" in page


def test_success_rate_chart_per_day(merchant, other_merchant, allow_loopback):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    for when, ok in [(now, True), (now, True), (now, True), (now, False), (yesterday, False), (yesterday, True)]:
        WebhookAttempt.objects.create(delivery=delivery, merchant=merchant, attempted_at=when, succeeded=ok)
    their_endpoint, _ = make_endpoint(other_merchant, "http://127.0.0.1:9/theirs", ["tryon.completed"])
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={})
    theirs = WebhookDelivery.objects.get(endpoint=their_endpoint)
    WebhookAttempt.objects.create(delivery=theirs, merchant=other_merchant, attempted_at=now, succeeded=False)

    page = dashboard(merchant).get("/admin/webhooks/webhookdelivery/").content.decode()

    chart = charts_in(page)["webhook-success"]
    rates = dict(zip(chart["labels"], chart["series"]["성공률"], strict=True))
    today = timezone.localdate()
    assert len(rates) == 14
    assert rates[f"{today:%m/%d}"] == 75.0  # 3 of 4: the other merchant's failed attempt is not counted
    assert rates[f"{today - timedelta(days=1):%m/%d}"] == 50.0
    assert [day for day, rate in rates.items() if rate is not None] == [
        f"{today - timedelta(days=1):%m/%d}",
        f"{today:%m/%d}",
    ]  # days without attempts have no bar
    assert "시도 6건 중 4건 성공" in page


def test_endpoint_list_links_to_its_filtered_delivery_log(merchant, allow_loopback):
    first, _ = make_endpoint(merchant, "http://127.0.0.1:9/first", ["tryon.completed"])
    second, _ = make_endpoint(merchant, "http://127.0.0.1:9/second", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    client = dashboard(merchant)

    listing = client.get("/admin/webhooks/webhookendpoint/").content.decode()
    link = must_search(rf'href="([^"]*endpoint__id__exact={first.pk})"', listing).group(1)
    page = client.get(link.replace("&amp;", "&"))

    assert page.status_code == 200
    assert len(re.findall(r'name="_selected_action"', page.content.decode())) == 1


def test_editing_an_endpoint_in_the_dashboard_goes_through_the_same_rules(merchant, allow_loopback):
    endpoint, secret = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    client = dashboard(merchant)
    url = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"

    refused = client.post(url, {"url": "http://10.1.2.3/hook", "events": ["tryon.failed"], "is_active": "on"})
    assert refused.status_code == 200
    assert "사설망" in refused.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/hook"

    saved = client.post(url, {"url": "http://127.0.0.1:9/v2", "events": ["tryon.failed", "usage.quota_exceeded"]})
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/v2"
    assert endpoint.events == ["tryon.failed", "usage.quota_exceeded"]
    assert endpoint.is_active is False  # the unticked checkbox
    assert endpoint.disabled_reason
    assert decrypt_secret(endpoint.encrypted_secret) == secret


def test_test_send_action_reports_the_result(merchant, receiver, allow_loopback):
    ok, _ = make_endpoint(merchant, receiver.url("/ok"), ["tryon.completed"])
    client = dashboard(merchant)

    response = client.post(
        "/admin/webhooks/webhookendpoint/",
        {"action": "send_test_event", "_selected_action": [str(ok.pk)]},
        follow=True,
    )

    page = response.content.decode()
    assert "성공 (HTTP 200)" in page
    assert receiver.count("/ok") == 1
    assert WebhookDelivery.objects.get().event_type == "webhook.test"


def test_deleting_an_endpoint_in_the_dashboard_removes_its_deliveries(merchant, allow_loopback):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    kept, _ = make_endpoint(merchant, "http://127.0.0.1:9/kept", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    client = dashboard(merchant)

    response = client.post(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(WebhookEndpoint.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [kept.pk]


def test_delivery_page_replays_with_one_button(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=410))
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    deliver_pending()
    delivery = WebhookDelivery.objects.get()
    WebhookEndpoint.objects.update(is_active=True)
    client = dashboard(merchant)
    page = client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert f'action="/admin/webhooks/webhookdelivery/{delivery.pk}/replay/"' in page
    url = f"/admin/webhooks/webhookdelivery/{delivery.pk}/replay/"
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "다시 발송 대기열에 넣었습니다" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    # A pending delivery has nothing to replay: no button.
    assert 'id="replay-form"' not in response.content.decode()
    assert deliver_pending() == 1 and receiver.count() == 2


def test_endpoint_page_sends_a_test_event(merchant, receiver, allow_loopback):
    endpoint, _ = make_endpoint(merchant, receiver.url("/ok"), ["tryon.completed"])
    client = dashboard(merchant)
    response = client.post(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/send-test/", follow=True)
    assert "성공 (HTTP 200)" in response.content.decode()
    assert receiver.count("/ok") == 1


def test_delivery_page_shows_throughput_lag_and_backlog(merchant, other_merchant, receiver, allow_loopback):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    for number in range(3):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
    waiting, retrying, _ = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("created_at")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=waiting.pk).update(next_attempt_at=now - timedelta(seconds=95))
    WebhookDelivery.objects.filter(pk=retrying.pk).update(next_attempt_at=now + timedelta(minutes=5))
    two_minutes_ago = now - timedelta(minutes=2)
    for when, ok in [(two_minutes_ago, True), (two_minutes_ago, True), (two_minutes_ago, False), (now, True)]:
        WebhookAttempt.objects.create(delivery=waiting, merchant=merchant, attempted_at=when, succeeded=ok)
    # Another merchant's backlog and attempts are not shown.
    theirs, _ = make_endpoint(other_merchant, "http://127.0.0.1:9/theirs", ["tryon.completed"])
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={})
    their_delivery = WebhookDelivery.objects.get(endpoint=theirs)
    WebhookDelivery.objects.filter(pk=their_delivery.pk).update(next_attempt_at=now - timedelta(hours=3))
    WebhookAttempt.objects.create(delivery=their_delivery, merchant=other_merchant, attempted_at=now, succeeded=False)
    WebhookEndpoint.objects.filter(pk=theirs.pk).update(paused_until=now + timedelta(minutes=1))

    page = dashboard(merchant).get("/admin/webhooks/webhookdelivery/").content.decode()

    engine = page.split('id="webhook-engine"')[1].split('id="webhook-success"')[0]
    assert re.search(r'id="webhook-lag"><strong>1분 3[5-9]초<', engine)  # the oldest due one waited 95 s
    assert 'id="webhook-backlog">2건<' in engine  # the one 95 s late and the one due now
    assert 'id="webhook-scheduled">1건<' in engine
    assert 'id="webhook-paused">0개' in engine
    chart = charts_in(page)["webhook-throughput"]
    bars = {
        minute: (ok + failed, ok)
        for minute, ok, failed in zip(chart["labels"], chart["series"]["성공"], chart["series"]["실패"], strict=True)
    }
    assert len(bars) == 15
    assert bars[f"{timezone.localtime(two_minutes_ago):%H:%M}"] == (3, 2)
    assert bars[f"{timezone.localtime(now):%H:%M}"] == (1, 1)
    assert sum(attempts for attempts, _ in bars.values()) == 4
    assert "<script" not in engine


def test_a_paused_endpoint_shows_why_in_the_list(merchant, allow_loopback):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        paused_until=timezone.now() + timedelta(minutes=2), consecutive_failures=6
    )

    page = dashboard(merchant).get("/admin/webhooks/webhookendpoint/").content.decode()

    assert "발송 보류" in page and "연속 6회" in page
