"""The dispatcher: the first attempt without beat, draining, exactly one sender per row, lanes per endpoint."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks import Webhook

from config.celery import app as celery_app
from tests.support.merchants import make_merchant
from tests.support.processes import celery_beat, celery_worker, wait_until
from tests.support.webhooks import Reply, assert_delivered_once, make_endpoint, side_by_side
from webhooks.delivery.attempts import Outcome, record_outcomes
from webhooks.delivery.claims import claim_lanes
from webhooks.delivery.dispatcher import Dispatcher, dispatch_due_deliveries
from webhooks.delivery.sender import SendResult
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending


def delivered(**filters: object) -> int:
    return WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED, **filters).count()


def test_the_first_attempt_is_made_when_the_emitter_commits(
    merchant, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    """No poller tick: committing the emitter's transaction kicks a dispatcher (eager here, a worker in
    production; see the real-worker test below)."""
    _, secret = make_endpoint(merchant, receiver.url(), ["tryon.completed"])

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": "j-1"})
        assert receiver.count() == 0  # nothing is sent before the commit

    [request] = receiver.requests
    assert Webhook(secret).verify(request.body, request.headers)["data"] == {"jobId": "j-1"}
    assert delivered(attempt_count=1) == 1


def test_a_rolled_back_emitter_kicks_nothing(merchant, receiver, allow_loopback, django_capture_on_commit_callbacks):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        emit_event(merchant=merchant, event_type="tryon.completed", data={})
        1 / 0  # noqa: B018

    assert callbacks == []
    assert receiver.count() == 0


def test_a_full_batch_is_followed_by_the_next_claim(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    for number in range(10):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    dispatcher = Dispatcher(batch_size=3)
    assert dispatcher.run() == 10

    assert delivered(attempt_count=1) == 10
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == receiver.count() == 10
    # The first claim took three; the rest followed in the same run: claims, or top-ups of the lane while no
    # other endpoint waits for one (sized by the lane's sending threads, so one may take all seven).
    assert dispatcher.claims + dispatcher.refills >= 2


def test_one_merchants_backlog_does_not_delay_another_merchants_first_attempt(
    merchant, other_merchant, receiver, allow_loopback, settings
):
    """Claims go round the endpoints (least recently served first), a batch at a time."""
    settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 1
    make_endpoint(merchant, receiver.url("/busy"), ["tryon.completed"])
    for number in range(30):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
    make_endpoint(other_merchant, receiver.url("/quiet"), ["tryon.completed"])
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={"n": "late"})

    # One lane at a time, batches of five: the busy endpoint's 30 need six turns.
    Dispatcher(batch_size=5, concurrency=1).run()

    paths = [request.path for request in receiver.requests]
    assert len(paths) == 31
    assert paths.index("/quiet") <= 5


def test_connections_to_an_endpoint_are_kept_alive_and_reused(merchant, receiver, allow_loopback, settings):
    settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 2
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    for number in range(20):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
    deliver_pending()
    for number in range(5):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 100 + number})
    deliver_pending()

    assert receiver.count() == 25
    # At most one connection per concurrent request to the endpoint, kept from one run to the next.
    assert receiver.connections() <= 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_never_send_a_row_twice(allow_loopback, no_kick, receiver):
    receiver.default = Reply(status=200, delay=0.01)
    for shop in range(8):
        merchant = make_merchant(f"Race {shop}")
        make_endpoint(merchant, receiver.url(f"/shop-{shop}"), ["tryon.completed"])
        for number in range(5):
            emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    start = threading.Barrier(2)
    finished_by: dict[str, int] = {}

    def dispatcher(name: str) -> None:
        start.wait()
        finished = 0
        # Small batches and one lane each: the two claim over and over, side by side.
        while ran := dispatch_due_deliveries(batch_size=2, concurrency=4):
            finished += ran
        finished_by[name] = finished

    side_by_side(dispatcher)

    assert sum(finished_by.values()) == 40
    assert_delivered_once(receiver, 40)
    assert WebhookAttempt.objects.count() == 40


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_dispatcher_is_skipped_not_waited_for(merchant, allow_loopback, no_kick):
    """``FOR UPDATE SKIP LOCKED``: a claim never blocks on, nor takes, a row another transaction holds."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("row locks need PostgreSQL")
    make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 1})
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 2})
    locked_id = WebhookDelivery.objects.order_by("next_attempt_at").values_list("id", flat=True).first()
    assert locked_id is not None

    def claim() -> list[uuid.UUID]:
        lanes = claim_lanes(claim_token=uuid.uuid4(), max_lanes=5, rows_per_lane=10)
        return [row.id for lane in lanes for row in lane.rows]

    claimed, finished_while_locked = _while_locked(WebhookDelivery, locked_id, claim)

    assert finished_while_locked, "the claim waited for another transaction's row lock"
    [only] = claimed
    assert only != locked_id
    assert WebhookDelivery.objects.get(id=locked_id).claim_token is None


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_another_dispatcher_is_claiming_is_skipped_not_waited_for(
    merchant, other_merchant, allow_loopback, no_kick
):
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("row locks need PostgreSQL")
    busy, _ = make_endpoint(merchant, "http://127.0.0.1:9/busy", ["tryon.completed"])
    free, _ = make_endpoint(other_merchant, "http://127.0.0.1:9/free", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={})

    def claim() -> list[uuid.UUID]:
        return [lane.endpoint_id for lane in claim_lanes(claim_token=uuid.uuid4(), max_lanes=5, rows_per_lane=10)]

    claimed, finished_while_locked = _while_locked(WebhookEndpoint, busy.pk, claim)

    assert finished_while_locked
    assert claimed == [free.pk]


def _while_locked(model, pk, work):
    """Runs ``work`` in a thread while another transaction holds ``pk``'s row lock; (result, finished in time)."""
    locked, release = threading.Event(), threading.Event()
    result: list = []

    def holder() -> None:
        try:
            with transaction.atomic():
                list(model.objects.select_for_update().filter(pk=pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def worker() -> None:
        try:
            result.append(work())
        finally:
            connection.close()

    holding = threading.Thread(target=holder)
    holding.start()
    assert locked.wait(timeout=10)
    working = threading.Thread(target=worker)
    working.start()
    working.join(timeout=5)
    finished = not working.is_alive()
    release.set()
    working.join(timeout=30)
    holding.join(timeout=30)
    return (result[0] if result else None), finished


def test_endpoints_being_sent_to_are_not_claimed_twice(merchant, allow_loopback):
    """Only one dispatcher sends to an endpoint at a time: its lane lease keeps the others off it."""
    make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    for number in range(4):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    first = claim_lanes(claim_token=uuid.uuid4(), max_lanes=5, rows_per_lane=2)
    second = claim_lanes(claim_token=uuid.uuid4(), max_lanes=5, rows_per_lane=2)

    assert [len(lane.rows) for lane in first] == [2]
    assert second == []


def test_a_dispatcher_that_lost_its_claim_records_nothing(merchant, receiver, allow_loopback):
    """Exactly one winner per row: once another dispatcher has taken a row over (the first one stalled past
    its lease), the first one's late result changes nothing."""
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    stalled = uuid.uuid4()
    [lane] = claim_lanes(claim_token=stalled, max_lanes=1, rows_per_lane=1)
    [row] = lane.rows
    # The stalled dispatcher's lease runs out; another one claims the row and delivers it.
    expired = timezone.now() - timedelta(seconds=1)
    WebhookDelivery.objects.update(claimed_until=expired)
    WebhookEndpoint.objects.update(claimed_until=expired)
    assert deliver_pending() == 1

    late = Outcome(row.id, lane.endpoint_id, row.merchant_id, row.event_type, SendResult(False, 500, "HTTP 500", "", 3))
    assert record_outcomes([late], claim_token=stalled) == []

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.last_response_status) == ("DELIVERED", 1, 200)
    assert WebhookAttempt.objects.count() == 1
    assert receiver.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_slow_endpoint_does_not_block_another_merchants_deliveries(allow_loopback, no_kick, receiver, other_receiver):
    allow_loopback.WEBHOOKS_TIMEOUT_SECONDS = 120
    slow_shop, fast_shop = make_merchant("Slow shop"), make_merchant("Fast shop")
    make_endpoint(slow_shop, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(hold=True)
    make_endpoint(fast_shop, other_receiver.url(), ["tryon.completed"])
    # The slow shop's events are older: a dispatcher working in order would send them first and wait.
    for number in range(3):
        emit_event(merchant=slow_shop, event_type="tryon.completed", data={"n": number})
    for number in range(3):
        emit_event(merchant=fast_shop, event_type="tryon.completed", data={"n": number})
    errors: list[BaseException] = []

    def run() -> None:
        try:
            deliver_pending()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    dispatcher = threading.Thread(target=run)
    dispatcher.start()
    try:
        wait_until(lambda: delivered(merchant=fast_shop) == 3, timeout=60)
        # ... while the slow endpoint still holds every request it was sent.
        assert receiver.held == receiver.count() >= 1
        assert delivered(merchant=slow_shop) == 0
    finally:
        receiver.release.set()
        dispatcher.join(timeout=60)
    assert not errors
    assert delivered(merchant=slow_shop) == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_on_commit_without_beat(merchant, receiver, allow_loopback):
    celery_app.conf.task_always_eager = False
    _, secret = make_endpoint(merchant, receiver.url(), ["tryon.completed"])

    with celery_worker(queues="webhooks", extra_env={"SSRF_ALLOW_LOOPBACK": "true"}):
        for number in range(10):
            emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
        wait_until(lambda: delivered() == 10, timeout=60)

    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == 10 and set(ids.values()) == {1}
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_on_a_real_worker_never_send_a_row_twice(allow_loopback, no_kick, receiver):
    celery_app.conf.task_always_eager = False
    receiver.default = Reply(status=200, delay=0.02)
    for shop in range(4):
        merchant = make_merchant(f"Worker {shop}")
        make_endpoint(merchant, receiver.url(f"/shop-{shop}"), ["tryon.completed"])
        for number in range(10):
            emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    env = {"SSRF_ALLOW_LOOPBACK": "true", "WEBHOOKS_BATCH_SIZE": "3"}
    with celery_worker(queues="webhooks", extra_env=env) as worker_log:
        # Several runs queued at once: the worker's two processes run them side by side.
        for _ in range(4):
            deliver_pending.apply_async()
        try:
            wait_until(lambda: delivered() == 40, timeout=60)
        except AssertionError:
            raise AssertionError(f"{delivered()} of 40; worker log:\n{worker_log.read_text()[-4000:]}") from None

    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert set(WebhookDelivery.objects.values_list("attempt_count", flat=True)) == {1}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_delivers_what_no_kick_announced(merchant, receiver, allow_loopback, no_kick):
    """The safety net: rows committed without a kick (a lost message, a crash) are sent by beat's poller."""
    celery_app.conf.task_always_eager = False
    _, secret = make_endpoint(merchant, receiver.url(), ["usage.quota_exceeded"])
    env = {"SSRF_ALLOW_LOOPBACK": "true", "WEBHOOKS_POLL_INTERVAL_SECONDS": "1"}

    with celery_worker(queues="webhooks", extra_env=env), celery_beat(extra_env=env) as beat_log:
        emit_event(merchant=merchant, event_type="usage.quota_exceeded", data={"limit": 100})
        try:
            wait_until(lambda: delivered() == 1, timeout=45)
        except AssertionError:
            raise AssertionError(f"not delivered; beat log:\n{beat_log.read_text(errors='replace')[-3000:]}") from None

    [request] = receiver.requests
    assert Webhook(secret).verify(request.body, request.headers)["data"] == {"limit": 100}


def test_a_transaction_emitting_many_events_kicks_once(merchant, allow_loopback, django_capture_on_commit_callbacks):
    from webhooks.delivery.kick import kick_dispatcher

    make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for number in range(5):
            emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    assert callbacks == [kick_dispatcher]


def test_a_kick_rolled_back_with_a_savepoint_does_not_stand_for_later_events(
    merchant, allow_loopback, django_capture_on_commit_callbacks
):
    from webhooks.delivery.kick import kick_dispatcher

    make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            emit_event(merchant=merchant, event_type="tryon.completed", data={"n": "rolled back"})
            1 / 0  # noqa: B018
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": "kept"})

    assert callbacks == [kick_dispatcher]
    assert WebhookDelivery.objects.get().payload["data"] == {"n": "kept"}


def test_a_runs_next_claim_keeps_the_endpoints_it_is_still_sending_to(merchant, other_merchant, allow_loopback):
    busy, _ = make_endpoint(merchant, "http://127.0.0.1:9/busy", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    run = uuid.uuid4()
    [lane] = claim_lanes(claim_token=run, max_lanes=1, rows_per_lane=10)
    assert lane.endpoint_id == busy.pk
    make_endpoint(other_merchant, "http://127.0.0.1:9/other", ["tryon.completed"])
    emit_event(merchant=other_merchant, event_type="tryon.completed", data={})

    claim_lanes(claim_token=run, max_lanes=5, rows_per_lane=10)

    busy.refresh_from_db()
    assert busy.claimed_until is not None
    assert busy.claim_token == run and busy.claimed_until > timezone.now()


def test_a_batch_with_a_failure_amid_successes_records_each_attempt(merchant, allow_loopback, caplog):
    """One batch, recorded in bulk: each delivery gets its own state and attempt row (a failure amid successes
    is retried, the others are delivered), and a row whose claim was lost meanwhile is left alone. Deliveries
    are one INFO line per batch; the failure is a WARNING of its own."""
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    for number in range(4):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
    token = uuid.uuid4()
    [lane] = claim_lanes(claim_token=token, max_lanes=1, rows_per_lane=10)
    first, second, third, lost = lane.rows
    WebhookDelivery.objects.filter(pk=lost.id).update(claim_token=uuid.uuid4())  # another dispatcher's now

    def outcome(row, result: SendResult) -> Outcome:
        return Outcome(row.id, endpoint.pk, row.merchant_id, row.event_type, result)

    outcomes = [
        outcome(first, SendResult(True, 200, None, "ok", 5)),
        outcome(second, SendResult(False, 503, "HTTP 503 응답", "busy", 7)),
        outcome(third, SendResult(True, 204, None, "", 9)),
        outcome(lost, SendResult(True, 200, None, "ok", 11)),
    ]
    with caplog.at_level("INFO", logger="webhooks.delivery.attempts"):
        recorded = record_outcomes(outcomes, claim_token=token)

    assert recorded == outcomes[:3]
    rows = {row.pk: row for row in WebhookDelivery.objects.all()}
    assert (rows[first.id].status, rows[first.id].attempt_count, rows[first.id].last_response_status) == (
        "DELIVERED",
        1,
        200,
    )
    assert (rows[third.id].status, rows[third.id].last_response_status) == ("DELIVERED", 204)
    assert rows[first.id].delivered_at and rows[first.id].claim_token is None and rows[first.id].last_error is None
    failed = rows[second.id]
    assert (failed.status, failed.attempt_count, failed.last_response_status) == ("PENDING", 1, 503)
    assert failed.last_error == "HTTP 503 응답" and failed.next_attempt_at > timezone.now()
    assert failed.claim_token is None and failed.delivered_at is None
    untouched = rows[lost.id]
    assert (untouched.status, untouched.attempt_count, untouched.last_attempt_at) == ("PENDING", 0, None)
    attempts = {
        attempt.delivery_id: (
            attempt.succeeded,
            attempt.response_status,
            attempt.error,
            attempt.response_excerpt,
            attempt.duration_ms,
            attempt.merchant_id,
        )
        for attempt in WebhookAttempt.objects.all()
    }
    assert attempts == {
        first.id: (True, 200, "", "ok", 5, merchant.pk),
        second.id: (False, 503, "HTTP 503 응답", "busy", 7, merchant.pk),
        third.id: (True, 204, "", "", 9, merchant.pk),
    }
    assert WebhookEndpoint.objects.get().consecutive_failures == 0  # the batch's last answer was a success
    records = [record for record in caplog.records if record.name == "webhooks.delivery.attempts"]
    assert [(record.levelname, record.getMessage()) for record in records] == [
        ("WARNING", "webhook attempt failed"),
        ("INFO", "webhooks delivered"),
    ]
    summary = records[-1]
    assert (summary.delivered, summary.failed, summary.endpoint_id) == (2, 1, str(endpoint.pk))
