"""Webhook delivery as an operator's /metrics shows it: attempts by outcome, lag, the backlog."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.metrics import METRICS_TOKEN, sample, scrape
from tests.support.webhooks import Reply, make_endpoint
from webhooks.delivery.dispatcher import dispatch_due_deliveries
from webhooks.services import emit_event

pytestmark = pytest.mark.django_db


def test_attempts_by_outcome_lag_and_backlog(merchant, receiver, allow_loopback, no_kick, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    operator = Client()
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    before = scrape(operator)
    receiver.replies = [Reply(status=503), Reply(status=200), Reply(status=200)]
    for number in range(3):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": f"j-{number}"})
    waiting = scrape(operator)
    assert sample(waiting, "webhook_pending_deliveries") == 3
    assert sample(waiting, "webhook_oldest_pending_seconds") >= 0

    dispatch_due_deliveries()
    after = scrape(operator)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("webhook_attempts_total", outcome="success") == 2
    assert delta("webhook_attempts_total", outcome="http_5xx") == 1
    assert delta("webhook_delivery_lag_seconds_count") == 2
    assert sample(after, "webhook_pending_deliveries") == 1  # the 503 one waits for its retry
