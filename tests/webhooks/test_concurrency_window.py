"""Each endpoint's adaptive concurrency window: it grows while the endpoint answers fast, shrinks when it slows
down or fails, stays under the merchant's cap from the dashboard, and is shared by every dispatcher."""

from __future__ import annotations

import math
import re
import time
from collections import Counter

import pytest
from django.test import Client

from tests.support.text import must_search
from tests.support.webhooks import Reply, assert_delivered_once, make_endpoint, side_by_side
from webhooks.delivery.dispatcher import dispatch_due_deliveries
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def windows(allow_loopback, no_kick):
    """A small window to start with and room to grow; deliveries are sent by the test's own dispatcher runs."""
    allow_loopback.WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY = 2
    allow_loopback.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 12
    return allow_loopback


def dashboard(merchant) -> Client:
    client = Client()
    client.force_login(merchant.memberships.get().user)
    return client


def emit(merchant, count: int) -> None:
    for number in range(count):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})


def window_shown(client: Client, endpoint: WebhookEndpoint) -> int:
    """The window the endpoint's dashboard page shows (requests it may be sent at once)."""
    page = client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    return int(must_search(r"허용 (\d+)개 중 \d+개 발송 중", page).group(1))


def test_a_fast_endpoint_is_sent_more_requests_at_once_than_it_started_with(merchant, receiver, windows):
    receiver.default = Reply(status=200, delay=0.02)
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 300)

    assert dispatch_due_deliveries() == 300

    assert_delivered_once(receiver, 300)
    # It started at two and grew while every answer came fast, never beyond the maximum.
    assert 2 < receiver.peak_in_flight <= 12
    assert 2 < window_shown(dashboard(merchant), endpoint) <= 12


def additive_reach(start: int, answers: int) -> float:
    """The window additive growth alone reaches after ``answers`` fast answers (one request more per window's
    worth of them): it bounds the requests in flight without slow start."""
    return math.sqrt(start * start + 2 * answers)


def test_a_new_window_doubles_in_slow_start_past_where_additive_growth_could_reach(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 32
    receiver.default = Reply(status=200, delay=0.1)
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 120)

    assert dispatch_due_deliveries() == 120

    assert_delivered_once(receiver, 120)
    # From two, one request more per fast answer: more at once than additive growth allows after all 120
    # answers (15.6), within the few round trips that 120 requests make at that pace.
    assert receiver.peak_in_flight > additive_reach(2, 120)
    assert window_shown(dashboard(merchant), endpoint) > additive_reach(2, 120)


def test_a_window_comes_back_down_when_more_in_flight_only_waits_longer(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY = 4
    windows.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 32
    receiver.default = Reply(status=200)  # answers at once: a receiver on the same machine
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 400)

    assert dispatch_due_deliveries() == 400

    assert_delivered_once(receiver, 400)
    # Every answer was a fast 2xx, so slow start and additive growth alone end at the ceiling (as against the
    # receiver answering in 100 ms above). Here the answers took longer the more were in flight: they waited
    # for this process's CPU (the receiver's threads share it), not for the receiver, and the window came
    # back down to what their pace needs.
    assert 4 <= window_shown(dashboard(merchant), endpoint) < 32


def test_slow_start_ends_at_the_first_congestion_then_the_window_grows_additively(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 16
    receiver.default = Reply(status=200, delay=0.02)
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    client = dashboard(merchant)
    emit(merchant, 100)
    assert dispatch_due_deliveries() == 100
    assert window_shown(client, endpoint) == 16  # the ceiling: past additive growth's 14.3 after 100 answers

    # One slow answer (congestion) among fast ones: halved once, then one request more per window's worth of
    # fast answers, not one per answer as in slow start (which would be back at 16 after 40).
    receiver.replies = [Reply(status=200, delay=1.5)]  # slower than WEBHOOKS_SLOW_ANSWER_SECONDS (1 s)
    emit(merchant, 41)
    assert dispatch_due_deliveries() == 41

    assert_delivered_once(receiver, 141)
    assert 8 <= window_shown(client, endpoint) <= additive_reach(8, 40)


def test_without_slow_start_a_new_window_grows_additively(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 32
    windows.WEBHOOKS_ENDPOINT_SLOW_START = False
    receiver.default = Reply(status=200, delay=0.1)
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 120)

    assert dispatch_due_deliveries() == 120

    assert 2 < receiver.peak_in_flight <= additive_reach(2, 120)


def test_slow_answers_shrink_the_window(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY = 8
    windows.WEBHOOKS_SLOW_ANSWER_SECONDS = 0.05
    receiver.default = Reply(status=200, delay=0.08)  # 2xx, but slower than the endpoint can take
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 30)

    assert dispatch_due_deliveries() == 30

    assert_delivered_once(receiver, 30)
    # Halved once per round trip, from eight: the last requests went one or two at a time.
    assert window_shown(dashboard(merchant), endpoint) <= 2


def test_503s_halve_the_window_once_per_round_trip(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY = 8
    # A window's worth of 503s at once, then the endpoint recovers.
    receiver.replies = [Reply(status=503, delay=0.05) for _ in range(8)]
    receiver.default = Reply(status=200, delay=0.02)
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 8)

    dispatch_due_deliveries()

    # Eight answers to requests sent before the first cut: one halving, not three (nor down to one).
    assert window_shown(dashboard(merchant), endpoint) == 4
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 8


def test_a_merchants_cap_in_the_dashboard_bounds_requests_in_flight(merchant, receiver, windows):
    receiver.default = Reply(status=200, delay=0.02)
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    client = dashboard(merchant)
    url = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    form = {"url": endpoint.url, "events": ["tryon.completed"], "is_active": "on"}

    refused = client.post(url, {**form, "max_concurrency": "13"})
    assert refused.status_code == 200
    assert "1에서 12 사이의 숫자" in refused.content.decode()
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).max_concurrency is None
    assert client.post(url, {**form, "max_concurrency": "3"}).status_code == 302
    emit(merchant, 150)

    assert dispatch_due_deliveries() == 150

    assert_delivered_once(receiver, 150)
    assert receiver.peak_in_flight == 3
    page = client.get(url).content.decode()
    assert re.search(r'name="max_concurrency"[^>]*value="3"', page)
    assert "(상한 3)" in page

    # Emptied again: automatic up to the maximum.
    assert client.post(url, {**form, "max_concurrency": ""}).status_code == 302
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).max_concurrency is None


@pytest.mark.django_db(transaction=True)
def test_dispatchers_side_by_side_share_one_endpoints_window(merchant, receiver, windows):
    windows.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 6
    receiver.default = Reply(status=200, delay=0.03)
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit(merchant, 400)
    sent_by: dict[str, int] = Counter()

    def dispatcher(name: str) -> None:
        # As a second worker process does when asked to help: runs until nothing is left.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and WebhookDelivery.objects.filter(status="PENDING").exists():
            sent_by[name] += dispatch_due_deliveries()
            time.sleep(0.01)

    side_by_side(dispatcher, timeout=90)

    assert_delivered_once(receiver, 400)
    # Both sent to the one endpoint, and together never more than its window allows.
    assert min(sent_by.values()) > 0, sent_by
    assert receiver.peak_in_flight <= 6
