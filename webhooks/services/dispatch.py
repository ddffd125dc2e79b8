"""The dispatcher: claims due deliveries endpoint by endpoint and sends them until none is left.

A dispatcher run (the ``webhooks.deliver_pending`` task, kicked after each commit that emits events and
run by beat as a safety net) works in *lanes*. A lane is one endpoint: a claim takes the endpoints least
recently dispatched to first (round robin, so one merchant's backlog cannot starve another's first attempt),
reserves the endpoint itself and up to ``WEBHOOKS_BATCH_SIZE`` of its due deliveries, and then up to
``WEBHOOKS_ENDPOINT_CONCURRENCY`` threads send them over kept-alive connections. Lanes are independent: a
slow endpoint holds its own threads only, and a run never waits for a batch before claiming again, it
claims whenever a lane has started its last request. The sending threads never touch the database: the
run's own thread claims, records results in bulk and releases. The run ends when a claim finds nothing
(or after ``RUN_SECONDS``, then it queues its successor).

Exactly one winner per row: on PostgreSQL the claim locks endpoints and deliveries ``FOR … SKIP LOCKED``
so concurrent dispatchers take disjoint ones without waiting; on every backend the claim is a conditional
update that re-checks the lease, and attempts are recorded only while the claim token still holds the row.
"""

from __future__ import annotations

import collections
import json
import logging
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_noop

from common import metrics
from common.errors import UnsafeURL
from common.http import validate_public_url
from common.stored_text import StoredText
from webhooks.crypto import decrypt_secret
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.sender import BLOCKED, SEND_CRASHED, SendResult, post_signed
from webhooks.services._log import log
from webhooks.services.attempts import (
    BREAKER_THRESHOLD,
    Outcome,
    defer_pending,
    pause_after,
    record_outcomes,
    should_stop_sending,
)
from webhooks.services.outbox import ask_for_help, dispatch_started, encode_body, kick_dispatcher

# A run stops claiming after this long and queues its successor, so a backlog never pins a worker slot.
RUN_SECONDS = 30.0
# A lane stops starting new requests after this long; its unsent deliveries go back to the queue and the
# endpoint waits for its next turn (a slow endpoint thus returns its turn within LANE_SECONDS + timeout).
LANE_SECONDS = 2.0
# Results are written when this many are waiting, or when the oldest has waited FLUSH_SECONDS.
FLUSH_ROWS = 200
FLUSH_SECONDS = 0.05
# While lanes are busy and the last claim found no other endpoint, look again this often.
IDLE_CLAIM_SECONDS = 0.1

UNSENT_INACTIVE = StoredText(gettext_noop("엔드포인트가 비활성화되어 발송하지 않았습니다."))


def claim_lease() -> timedelta:
    """How long claimed rows (and their endpoint) stay reserved: well past a lane's last request."""
    return timedelta(seconds=max(120.0, LANE_SECONDS + 3 * settings.WEBHOOKS_TIMEOUT_SECONDS))


def _due_filter(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


@dataclass
class ClaimedRow:
    id: uuid.UUID
    message_id: str
    payload: Any
    merchant_id: int
    event_type: str


@dataclass
class ClaimedLane:
    endpoint_id: uuid.UUID
    url: str
    encrypted_secret: str
    is_active: bool
    consecutive_failures: int
    # Nothing to clear after a success: no failure streak, no pause.
    healthy: bool
    rows: list[ClaimedRow]


def claim_lanes(*, claim_token: uuid.UUID, max_lanes: int, rows_per_lane: int) -> list[ClaimedLane]:
    """Reserves up to ``max_lanes`` endpoints with due deliveries, and up to ``rows_per_lane`` of each one's.

    Skipped: endpoints another dispatcher is sending to, and endpoints paused by back-pressure (unless
    inactive: their deliveries are then finished without sending). An endpoint that has been failing gets a
    lane of one delivery, a probe.
    """
    now = timezone.now()
    lease_until = now + claim_lease()
    row_locks = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        # Free: no run's lease on it (this run's included: it releases an endpoint before claiming it again).
        free = Q(claim_token__isnull=True) | Q(claimed_until__lt=now)
        candidates = (
            WebhookEndpoint.objects.filter(
                pk__in=WebhookDelivery.objects.filter(_due_filter(now)).values("endpoint_id")
            )
            .filter(Q(is_active=False) | Q(paused_until__isnull=True) | Q(paused_until__lte=now))
            .filter(free)
            .order_by(F("last_dispatched_at").asc(nulls_first=True), "pk")
            .only(
                "id",
                "url",
                "encrypted_secret",
                "is_active",
                "consecutive_failures",
                "failing_since",
                "paused_until",
                "last_dispatched_at",
            )
        )
        if row_locks:
            # FOR NO KEY UPDATE: does not conflict with the FOR KEY SHARE that emit_event and the deliveries'
            # foreign key take, so claiming never delays an emitter's commit.
            endpoints = list(candidates.select_for_update(skip_locked=True, no_key=True, of=("self",))[:max_lanes])
            rows = _claim_rows_locking(
                endpoints, rows_per_lane, claim_token=claim_token, now=now, lease_until=lease_until
            )
        else:
            endpoints = [
                endpoint
                for endpoint in candidates[:max_lanes]
                # Taken over with a conditional update: none other can have taken it since it was read.
                if WebhookEndpoint.objects.filter(free, pk=endpoint.pk).update(
                    claim_token=claim_token, claimed_until=lease_until
                )
            ]
            rows = _claim_rows(endpoints, rows_per_lane, claim_token=claim_token, now=now, lease_until=lease_until)
        lanes = [
            ClaimedLane(
                endpoint.pk,
                endpoint.url,
                endpoint.encrypted_secret,
                endpoint.is_active,
                endpoint.consecutive_failures,
                not endpoint.consecutive_failures and not endpoint.failing_since and not endpoint.paused_until,
                rows[endpoint.pk],
            )
            for endpoint in endpoints
            if rows.get(endpoint.pk)
        ]
        WebhookEndpoint.objects.filter(pk__in=[lane.endpoint_id for lane in lanes]).update(
            claim_token=claim_token, claimed_until=lease_until, last_dispatched_at=now
        )
        if not row_locks:
            # Endpoints taken over above that had no due delivery left: let them go.
            WebhookEndpoint.objects.filter(
                pk__in=[endpoint.pk for endpoint in endpoints if not rows.get(endpoint.pk)], claim_token=claim_token
            ).update(claim_token=None, claimed_until=None)
    return lanes


def _claim_rows(
    endpoints: list[WebhookEndpoint],
    rows_per_lane: int,
    *,
    claim_token: uuid.UUID,
    now: datetime,
    lease_until: datetime,
) -> dict[uuid.UUID, list[ClaimedRow]]:
    """Claims each endpoint's first due deliveries with conditional updates (any backend)."""
    claimed: dict[uuid.UUID, list[ClaimedRow]] = {}
    for endpoint in endpoints:
        due = WebhookDelivery.objects.filter(_due_filter(now), endpoint_id=endpoint.pk)
        ids = list(
            due.order_by("next_attempt_at", "id").values_list("id", flat=True)[: _lane_size(endpoint, rows_per_lane)]
        )
        # The conditional update re-checks the lease: a row another dispatcher claimed meanwhile stays its.
        due.filter(id__in=ids).update(claim_token=claim_token, claimed_until=lease_until)
        claimed[endpoint.pk] = [
            ClaimedRow(**values)
            for values in WebhookDelivery.objects.filter(id__in=ids, claim_token=claim_token)
            .order_by("next_attempt_at", "id")
            .values("id", "message_id", "payload", "merchant_id", "event_type")
        ]
    return claimed


_CLAIM_ROWS_SQL = """
UPDATE webhooks_webhookdelivery SET claim_token = %(token)s, claimed_until = %(lease_until)s
WHERE id IN (
    SELECT due.id
    FROM unnest(%(endpoints)s::uuid[], %(limits)s::int[]) AS lane(endpoint_id, size)
    CROSS JOIN LATERAL (
        SELECT d.id FROM webhooks_webhookdelivery d
        WHERE d.endpoint_id = lane.endpoint_id AND d.status = 'PENDING' AND d.next_attempt_at <= %(now)s
          AND (d.claimed_until IS NULL OR d.claimed_until < %(now)s)
        ORDER BY d.next_attempt_at, d.id
        LIMIT lane.size
        FOR UPDATE OF d SKIP LOCKED
    ) AS due
)
RETURNING endpoint_id, id, message_id, payload, merchant_id, event_type, next_attempt_at
"""


def _claim_rows_locking(
    endpoints: list[WebhookEndpoint],
    rows_per_lane: int,
    *,
    claim_token: uuid.UUID,
    now: datetime,
    lease_until: datetime,
) -> dict[uuid.UUID, list[ClaimedRow]]:
    """PostgreSQL: every lane's rows in one statement, each endpoint's first due ones, ``SKIP LOCKED``.

    The same rows as :func:`_claim_rows` takes, in one round trip instead of three per lane.
    """
    if not endpoints:
        return {}
    params: dict[str, Any] = {
        "token": claim_token,
        "lease_until": lease_until,
        "now": now,
        "endpoints": [endpoint.pk for endpoint in endpoints],
        "limits": [_lane_size(endpoint, rows_per_lane) for endpoint in endpoints],
    }
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_ROWS_SQL, params)
        returned = cursor.fetchall()
    claimed: dict[uuid.UUID, list[ClaimedRow]] = defaultdict(list)
    for endpoint_id, row_id, message_id, payload, merchant_id, event_type, _ in sorted(
        returned, key=lambda row: (row[6], row[1])
    ):
        # Django reads jsonb as text and decodes it in the field; a raw cursor gets the text.
        payload = json.loads(payload) if isinstance(payload, str) else payload
        claimed[endpoint_id].append(ClaimedRow(row_id, message_id, payload, merchant_id, event_type))
    return claimed


def _lane_size(endpoint: WebhookEndpoint, rows_per_lane: int) -> int:
    """A paused endpoint whose pause is over gets one delivery (a probe); a new or failing one, a few."""
    if not endpoint.is_active:
        return rows_per_lane
    if endpoint.consecutive_failures >= BREAKER_THRESHOLD:
        return 1
    if endpoint.consecutive_failures or endpoint.last_dispatched_at is None:
        # Not known to answer yet: a dead endpoint then costs a small claim, not a whole batch handed back.
        return min(rows_per_lane, 2 * settings.WEBHOOKS_ENDPOINT_CONCURRENCY)
    return rows_per_lane


def release(
    *,
    claim_token: uuid.UUID,
    endpoint_ids: list[uuid.UUID],
    unsent_ids: list[uuid.UUID],
    held: dict[uuid.UUID, datetime] | None = None,
) -> None:
    """Gives back endpoints and the claimed deliveries that were not sent (no attempt is spent on those).

    ``held``: endpoints this run has just paused, with the end of their pause. They stay reserved until then
    (so no dispatcher sends to them before the pause is recorded) and their unsent deliveries wait for it.
    Separate statements, endpoints first: no transaction holds delivery locks while waiting for an endpoint.
    """
    held = held or {}
    WebhookEndpoint.objects.filter(
        pk__in=[endpoint_id for endpoint_id in endpoint_ids if endpoint_id not in held], claim_token=claim_token
    ).update(claim_token=None, claimed_until=None)
    if held:
        pause_end = Case(
            *(When(endpoint_id=endpoint_id, then=Value(until)) for endpoint_id, until in held.items()),
            output_field=DateTimeField(),
        )
        WebhookEndpoint.objects.filter(pk__in=list(held), claim_token=claim_token).update(
            claimed_until=Case(
                *(When(pk=endpoint_id, then=Value(until)) for endpoint_id, until in held.items()),
                output_field=DateTimeField(),
            )
        )
    if unsent_ids:
        unsent = WebhookDelivery.objects.filter(id__in=unsent_ids, claim_token=claim_token)
        if held:
            unsent.filter(endpoint_id__in=list(held)).update(
                claim_token=None, claimed_until=None, next_attempt_at=Greatest(F("next_attempt_at"), pause_end)
            )
        unsent.update(claim_token=None, claimed_until=None)


def finish_without_sending(*, claim_token: uuid.UUID, ids: list[uuid.UUID], reason: str) -> int:
    return WebhookDelivery.objects.filter(id__in=ids, claim_token=claim_token, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=reason, claim_token=None, claimed_until=None
    )


T = TypeVar("T")


def _retrying_when_locked(work: Callable[[], T]) -> T:
    """SQLite (embedded mode) answers "database is locked" to a writer that lost a race; try again."""
    for attempt in range(50):
        try:
            return work()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


# --- The run ------------------------------------------------------------------------------------------


@dataclass
class _Lane:
    claimed: ClaimedLane
    started: float
    rows: collections.deque[ClaimedRow]
    runners: int = 0
    stopped: bool = False
    failed: bool = False
    gone: bool = False
    # End of the pause the lane's failures call for (the same rule recording applies), if it stopped for one.
    pause_until: datetime | None = None
    consecutive_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _prepared: tuple[str, UnsafeURL | None] | Exception | None = None

    def accepting(self) -> bool:
        """Whether the lane still starts new requests (else its last ones are in flight, or it has stopped)."""
        return not self.stopped and bool(self.rows) and time.monotonic() - self.started <= LANE_SECONDS

    def next_row(self) -> ClaimedRow | None:
        with self.lock:
            return self.rows.popleft() if self.accepting() else None

    def observe(self, result: SendResult) -> None:
        with self.lock:
            self.consecutive_failures = 0 if result.succeeded else self.consecutive_failures + 1
            self.failed = self.failed or not result.succeeded
            if should_stop_sending(consecutive_failures=self.consecutive_failures, result=result):
                self.stopped = True
                self.gone = self.gone or result.response_status == 410
                pause = pause_after(consecutive_failures=self.consecutive_failures, result=result)
                if pause is not None:
                    self.pause_until = max(timezone.now() + pause, self.pause_until or timezone.now())

    def prepared(self) -> tuple[str, UnsafeURL | None]:
        """The secret and the URL check, done once per lane; raises what decrypting the secret raised."""
        with self.lock:
            if self._prepared is None:
                try:
                    secret = decrypt_secret(self.claimed.encrypted_secret)
                    try:
                        validate_public_url(self.claimed.url)
                        self._prepared = (secret, None)
                    except UnsafeURL as exc:
                        self._prepared = (secret, exc)
                except Exception as exc:
                    self._prepared = exc
            if isinstance(self._prepared, Exception):
                raise self._prepared
            return self._prepared


@dataclass
class _RunnerDone:
    lane: _Lane


class Dispatcher:
    def __init__(self, *, batch_size: int | None = None, concurrency: int | None = None) -> None:
        self.batch_size = batch_size or settings.WEBHOOKS_BATCH_SIZE
        self.per_endpoint = max(1, settings.WEBHOOKS_ENDPOINT_CONCURRENCY)
        self.concurrency = max(concurrency or settings.WEBHOOKS_CONCURRENCY, self.per_endpoint)
        self.max_lanes = max(1, self.concurrency // self.per_endpoint)
        self.claim_token = uuid.uuid4()
        self.lanes: dict[uuid.UUID, _Lane] = {}
        self.events: queue.Queue[Outcome | _RunnerDone] = queue.Queue()
        self.unrecorded: list[Outcome] = []
        self.oldest_unrecorded = 0.0
        self.processed = 0
        self.claims = 0
        self.paused: set[uuid.UUID] = set()

    def run(self) -> int:
        """Sends until a claim finds nothing; returns how many claimed deliveries were finished."""
        started = time.monotonic()
        next_claim = started
        more_work = False
        # Twice the threads: a lane whose last requests are in flight no longer counts against the lanes, so
        # the next one starts beside it instead of waiting for it.
        with ThreadPoolExecutor(max_workers=2 * self.concurrency, thread_name_prefix="webhook-send") as pool:
            try:
                while True:
                    now = time.monotonic()
                    claiming = now - started < RUN_SECONDS
                    free = self.max_lanes - sum(lane.accepting() for lane in self.lanes.values())
                    if claiming and free > 0 and now >= next_claim:
                        found = self._claim(pool, free)
                        more_work = found > 0
                        # A full claim is followed by the next one as soon as a lane is free; otherwise wait.
                        next_claim = now if found == free else now + IDLE_CLAIM_SECONDS
                        if not found and not self.lanes:
                            break
                    if not self.lanes and not claiming:
                        break
                    wake = [time.monotonic() + FLUSH_SECONDS]
                    if claiming and free > 0:
                        wake.append(next_claim)
                    if self.unrecorded:
                        wake.append(self.oldest_unrecorded + FLUSH_SECONDS)
                    self._wait(timeout=max(0.001, min(wake) - time.monotonic()))
                    if self._finish_idle_lanes():
                        next_claim = time.monotonic()
            finally:
                for lane in self.lanes.values():
                    lane.stopped = True
                while self.lanes:
                    self._wait(timeout=FLUSH_SECONDS)
                    self._finish_idle_lanes()
                self._flush()
                if self.paused:
                    # Off the busy path: the deliveries the pauses hold wait for their ends.
                    _retrying_when_locked(lambda: defer_pending(endpoint_ids=list(self.paused), now=timezone.now()))
        if more_work and time.monotonic() - started >= RUN_SECONDS:
            kick_dispatcher(force=True)
        return self.processed

    def _claim(self, pool: ThreadPoolExecutor, wanted: int) -> int:
        self.claims += 1
        claimed = _retrying_when_locked(
            lambda: claim_lanes(claim_token=self.claim_token, max_lanes=wanted, rows_per_lane=self.batch_size)
        )
        if len(claimed) == wanted:
            ask_for_help()
        for lane in claimed:
            if not lane.is_active:
                ids = [row.id for row in lane.rows]
                self.processed += _retrying_when_locked(
                    partial(finish_without_sending, claim_token=self.claim_token, ids=ids, reason=UNSENT_INACTIVE())
                )
                _retrying_when_locked(
                    partial(release, claim_token=self.claim_token, endpoint_ids=[lane.endpoint_id], unsent_ids=[])
                )
                continue
            running = _Lane(
                claimed=lane,
                started=time.monotonic(),
                rows=collections.deque(lane.rows),
                consecutive_failures=lane.consecutive_failures,
            )
            running.runners = min(self.per_endpoint, len(lane.rows))
            self.lanes[lane.endpoint_id] = running
            for _ in range(running.runners):
                pool.submit(self._run_lane, running)
        return len(claimed)

    def _run_lane(self, lane: _Lane) -> None:
        """A sending thread: takes the lane's deliveries one after another (no database access here)."""
        try:
            while (row := lane.next_row()) is not None:
                result = _send(lane, row)
                observe_attempt(row, result)
                lane.observe(result)
                self.events.put(Outcome(row.id, lane.claimed.endpoint_id, row.merchant_id, row.event_type, result))
        finally:
            self.events.put(_RunnerDone(lane))

    def _wait(self, *, timeout: float) -> None:
        """Collects results and finished runners; flushes results that are due."""
        try:
            event: Outcome | _RunnerDone | None = self.events.get(timeout=timeout)
        except queue.Empty:
            event = None
        while event is not None:
            if isinstance(event, _RunnerDone):
                event.lane.runners -= 1
            else:
                if not self.unrecorded:
                    self.oldest_unrecorded = time.monotonic()
                self.unrecorded.append(event)
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                event = None
        if len(self.unrecorded) >= FLUSH_ROWS or (
            self.unrecorded and time.monotonic() - self.oldest_unrecorded >= FLUSH_SECONDS
        ):
            self._flush()

    def _flush(self) -> None:
        if not self.unrecorded:
            return
        outcomes, self.unrecorded = self.unrecorded, []
        still_healthy = {
            endpoint_id for endpoint_id, lane in self.lanes.items() if lane.claimed.healthy and not lane.failed
        }
        recorded = _retrying_when_locked(
            lambda: record_outcomes(outcomes, claim_token=self.claim_token, still_healthy=still_healthy)
        )
        self.processed += len(recorded)

    def _finish_idle_lanes(self) -> bool:
        """Releases the lanes whose threads have all stopped; True if any was."""
        done = [lane for lane in self.lanes.values() if lane.runners == 0]
        if not done:
            return False
        if any(lane.gone or (lane.failed and lane.pause_until is None) for lane in done):
            # Failures are recorded before their endpoint is free to be claimed again: the next claim reads
            # its failure count (or that a 410 disabled it). A paused one stays reserved until its pause ends.
            self._flush()
        unsent = [row.id for lane in done for row in lane.rows]
        endpoint_ids = [lane.claimed.endpoint_id for lane in done]
        held = {lane.claimed.endpoint_id: lane.pause_until for lane in done if lane.pause_until is not None}
        self.paused.update(held)
        _retrying_when_locked(
            lambda: release(claim_token=self.claim_token, endpoint_ids=endpoint_ids, unsent_ids=unsent, held=held)
        )
        for lane in done:
            del self.lanes[lane.claimed.endpoint_id]
        return True


def observe_attempt(row: ClaimedRow, result: SendResult) -> None:
    """Counts the attempt by outcome and, once delivered, how long after its event it arrived (metrics)."""
    status = result.response_status
    outcome = "success" if result.succeeded else f"http_{status // 100}xx" if status else "no_response"
    metrics.WEBHOOK_ATTEMPTS.labels(outcome).inc()
    if result.succeeded:
        try:
            occurred = datetime.fromisoformat(str(row.payload["timestamp"]).replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError):
            return
        metrics.WEBHOOK_LAG.observe(max(0.0, (timezone.now() - occurred).total_seconds()))


def _send(lane: _Lane, row: ClaimedRow) -> SendResult:
    try:
        secret, refusal = lane.prepared()
        if refusal is not None:
            return SendResult(False, None, BLOCKED(reason=refusal.message), "", 0)
        return post_signed(
            url=lane.claimed.url,
            secret=secret,
            message_id=row.message_id,
            body=encode_body(row.payload),
            check_url=False,
        )
    except Exception as exc:
        # Our own failure (e.g. an undecryptable secret) counts as a failed attempt, so the row is retried on
        # schedule and the merchant sees the reason, instead of being re-claimed every lease forever.
        log(logging.ERROR, "webhook send crashed", delivery_id=str(row.id), endpoint_id=str(lane.claimed.endpoint_id))
        return SendResult(False, None, SEND_CRASHED(error=type(exc).__name__), "", 0)


def dispatch_due_deliveries(*, batch_size: int | None = None, concurrency: int | None = None) -> int:
    """One dispatcher run: sends due deliveries until none is left; returns how many it finished."""
    dispatch_started()
    dispatcher = Dispatcher(batch_size=batch_size, concurrency=concurrency)
    processed = dispatcher.run()
    if processed:
        log(logging.INFO, "webhook dispatcher run", deliveries=processed, claims=dispatcher.claims)
    return processed
