"""The dispatcher: claims due deliveries endpoint by endpoint and sends them until none is left.

A dispatcher run (the ``webhooks.deliver_pending`` task, kicked after each commit that emits events and
run by beat as a safety net) works in *lanes*. A lane is one endpoint: a claim takes the endpoints least
recently dispatched to first (round robin, so one merchant's backlog cannot starve another's first attempt),
reserves the endpoint itself and up to ``WEBHOOKS_BATCH_SIZE`` of its due deliveries, and then as many
threads as the endpoint's concurrency window grants (``window.py``: adaptive, shared by every dispatcher)
send them over kept-alive connections. Lanes are independent: a slow endpoint holds its own threads only,
and a run never waits for a batch before claiming again, it claims whenever a lane has started its last
request. While no other endpoint waits for a lane, a lane is topped up with more of its endpoint's due
deliveries instead of ending; and a healthy endpoint whose window has room for another sender is *joined*
by a second run (another worker process, asked for with a kick), which claims other deliveries of it: one
shop's flash sale is sent by every process, within the one window. The sending threads never touch the
database: the run's own thread claims, records results in bulk and releases. The run ends when a claim
finds nothing (or after ``RUN_SECONDS``, then it queues its successor).

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
from collections.abc import Callable, Collection
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
from webhooks.services import window
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
# A lane is topped up when fewer than a batch, or than this many of its deliveries per sending thread, are
# left: enough that its threads do not run dry while the run's thread records results or claims.
REFILL_ROWS_PER_THREAD = 4
# A congestion signal, or a slow-start window's worth of fast answers, is reported to the endpoint's window
# this soon (else every window.REFRESH_SECONDS).
URGENT_REPORT_SECONDS = 0.02

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
    # The merchant's cap on requests in flight (None: automatic, up to the global maximum).
    max_concurrency: int | None = None
    # Another dispatcher holds the endpoint; this lane shares its window (the endpoint row is not ours).
    joined: bool = False


_ENDPOINT_FIELDS = (
    "id",
    "url",
    "encrypted_secret",
    "is_active",
    "consecutive_failures",
    "failing_since",
    "paused_until",
    "last_dispatched_at",
    "max_concurrency",
)


def claim_lanes(
    *,
    claim_token: uuid.UUID,
    max_lanes: int,
    rows_per_lane: int,
    sending_to: Collection[uuid.UUID] = (),
) -> list[ClaimedLane]:
    """Reserves up to ``max_lanes`` endpoints with due deliveries, and up to ``rows_per_lane`` of each one's.

    Skipped: endpoints another dispatcher is sending to, and endpoints paused by back-pressure (unless
    inactive: their deliveries are then finished without sending). An endpoint that has been failing gets a
    lane of one delivery, a probe. Lanes left over join healthy endpoints another dispatcher is sending to
    whose window has room for one more (never one in ``sending_to``, the caller's own lanes).
    """
    lanes = _claim_free_lanes(
        claim_token=claim_token, max_lanes=max_lanes, rows_per_lane=rows_per_lane, skip=set(sending_to)
    )
    if len(lanes) < max_lanes:
        lanes += _join_lanes(
            claim_token=claim_token,
            max_lanes=max_lanes - len(lanes),
            rows_per_lane=rows_per_lane,
            skip={*sending_to, *(lane.endpoint_id for lane in lanes)},
        )
    return lanes


def _claim_free_lanes(
    *, claim_token: uuid.UUID, max_lanes: int, rows_per_lane: int, skip: set[uuid.UUID]
) -> list[ClaimedLane]:
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
            # A run's lane that joined an endpoint goes on: the endpoint given up by its first sender is not
            # claimed by the same run a second time.
            .exclude(pk__in=skip)
            .order_by(F("last_dispatched_at").asc(nulls_first=True), "pk")
            .only(*_ENDPOINT_FIELDS)
        )
        if row_locks:
            # FOR NO KEY UPDATE: does not conflict with the FOR KEY SHARE that emit_event and the deliveries'
            # foreign key take, so claiming never delays an emitter's commit.
            endpoints = list(candidates.select_for_update(skip_locked=True, no_key=True, of=("self",))[:max_lanes])
        else:
            endpoints = [
                endpoint
                for endpoint in candidates[:max_lanes]
                # Taken over with a conditional update: none other can have taken it since it was read.
                if WebhookEndpoint.objects.filter(free, pk=endpoint.pk).update(
                    claim_token=claim_token, claimed_until=lease_until
                )
            ]
        limits = {endpoint.pk: _lane_size(endpoint, rows_per_lane) for endpoint in endpoints}
        rows = _claim_due_rows(limits, claim_token=claim_token, now=now, lease_until=lease_until)
        lanes = [_lane(endpoint, rows[endpoint.pk]) for endpoint in endpoints if rows.get(endpoint.pk)]
        WebhookEndpoint.objects.filter(pk__in=[lane.endpoint_id for lane in lanes]).update(
            claim_token=claim_token, claimed_until=lease_until, last_dispatched_at=now
        )
        if not row_locks:
            # Endpoints taken over above that had no due delivery left: let them go.
            WebhookEndpoint.objects.filter(
                pk__in=[endpoint.pk for endpoint in endpoints if not rows.get(endpoint.pk)], claim_token=claim_token
            ).update(claim_token=None, claimed_until=None)
    return lanes


def _lane(endpoint: WebhookEndpoint, rows: list[ClaimedRow], *, joined: bool = False) -> ClaimedLane:
    return ClaimedLane(
        endpoint.pk,
        endpoint.url,
        endpoint.encrypted_secret,
        endpoint.is_active,
        endpoint.consecutive_failures,
        not endpoint.consecutive_failures and not endpoint.failing_since and not endpoint.paused_until,
        rows,
        max_concurrency=endpoint.max_concurrency,
        joined=joined,
    )


def _join_lanes(
    *, claim_token: uuid.UUID, max_lanes: int, rows_per_lane: int, skip: set[uuid.UUID]
) -> list[ClaimedLane]:
    """Lanes on healthy endpoints that other dispatchers are sending to and whose window has room for one
    more sender: this run claims other due deliveries of theirs (the endpoint row stays the other run's)."""
    now = timezone.now()
    held = (
        WebhookEndpoint.objects.filter(pk__in=WebhookDelivery.objects.filter(_due_filter(now)).values("endpoint_id"))
        .filter(is_active=True, consecutive_failures=0, failing_since__isnull=True, paused_until__isnull=True)
        .filter(claim_token__isnull=False, claimed_until__gte=now)
        .exclude(claim_token=claim_token)
        .exclude(pk__in=skip)
        .order_by(F("last_dispatched_at").asc(nulls_first=True), "pk")
        .only(*_ENDPOINT_FIELDS)
    )
    endpoints = list(held[: 4 * max_lanes])
    windows = window.windows(endpoint.pk for endpoint in endpoints)
    endpoints = [e for e in endpoints if e.pk in windows and windows[e.pk].room_for_another()][:max_lanes]
    if not endpoints:
        return []
    rows = claim_more_rows(claim_token=claim_token, limits=dict.fromkeys((e.pk for e in endpoints), rows_per_lane))
    return [_lane(endpoint, rows[endpoint.pk], joined=True) for endpoint in endpoints if rows.get(endpoint.pk)]


def claim_more_rows(*, claim_token: uuid.UUID, limits: dict[uuid.UUID, int]) -> dict[uuid.UUID, list[ClaimedRow]]:
    """Claims up to ``limits[endpoint]`` more due deliveries of each endpoint (still active and not paused)
    that this run is already sending to: its lane goes on instead of ending and being claimed again."""
    now = timezone.now()
    lease_until = now + claim_lease()
    with transaction.atomic():
        sendable = set(
            WebhookEndpoint.objects.filter(pk__in=list(limits), is_active=True)
            .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
            .values_list("pk", flat=True)
        )
        limits = {endpoint_id: size for endpoint_id, size in limits.items() if endpoint_id in sendable}
        return _claim_due_rows(limits, claim_token=claim_token, now=now, lease_until=lease_until)


def _claim_due_rows(
    limits: dict[uuid.UUID, int], *, claim_token: uuid.UUID, now: datetime, lease_until: datetime
) -> dict[uuid.UUID, list[ClaimedRow]]:
    """Claims each endpoint's first ``limits[endpoint]`` due deliveries: with row locks where the database
    has ``SKIP LOCKED``, else with conditional updates."""
    if connection.features.has_select_for_update_skip_locked:
        return _claim_rows_locking(limits, claim_token=claim_token, now=now, lease_until=lease_until)
    return _claim_rows(limits, claim_token=claim_token, now=now, lease_until=lease_until)


def _claim_rows(
    limits: dict[uuid.UUID, int],
    *,
    claim_token: uuid.UUID,
    now: datetime,
    lease_until: datetime,
) -> dict[uuid.UUID, list[ClaimedRow]]:
    """Claims each endpoint's first ``limits[endpoint]`` due deliveries with conditional updates (any backend)."""
    claimed: dict[uuid.UUID, list[ClaimedRow]] = {}
    for endpoint_id, size in limits.items():
        due = WebhookDelivery.objects.filter(_due_filter(now), endpoint_id=endpoint_id)
        ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:size])
        # The conditional update re-checks the lease: a row another dispatcher claimed meanwhile stays its.
        due.filter(id__in=ids).update(claim_token=claim_token, claimed_until=lease_until)
        claimed[endpoint_id] = [
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
    limits: dict[uuid.UUID, int],
    *,
    claim_token: uuid.UUID,
    now: datetime,
    lease_until: datetime,
) -> dict[uuid.UUID, list[ClaimedRow]]:
    """PostgreSQL: every lane's rows in one statement, each endpoint's first due ones, ``SKIP LOCKED``.

    The same rows as :func:`_claim_rows` takes, in one round trip instead of three per lane.
    """
    if not limits:
        return {}
    params: dict[str, Any] = {
        "token": claim_token,
        "lease_until": lease_until,
        "now": now,
        "endpoints": list(limits),
        "limits": list(limits.values()),
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
        return min(rows_per_lane, 2 * window.initial_window())
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
    # Sending threads submitted and not yet reported done (the run's thread counts these).
    runners: int = 0
    # Sending threads in their loop, and how many may be (the lane's share of the window and of the run's
    # threads); guarded by ``lock``: a thread beyond ``allowed`` ends before its next request.
    active: int = 0
    allowed: int = 0
    # Slots of the endpoint's window this lane holds, and what it saw since it last renewed them.
    granted: int = 0
    signals: window.Signals = field(default_factory=window.Signals)
    renewed: float = 0.0
    urgent: bool = False
    # The endpoint's window is in slow start: a window's worth of fast answers is reported at once.
    slow_start: bool = False
    # More of the endpoint's deliveries may be claimed for this lane (the last top-up found some).
    refillable: bool = True
    # Another dispatcher sent to the endpoint meanwhile: its health is not known from the claim alone.
    shared: bool = False
    helped: bool = False
    stopped: bool = False
    failed: bool = False
    gone: bool = False
    # End of the pause the lane's failures call for (the same rule recording applies), if it stopped for one.
    pause_until: datetime | None = None
    stop_announced: bool = False
    consecutive_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _prepared: tuple[str, UnsafeURL | None] | Exception | None = None

    def accepting(self) -> bool:
        """Whether the lane still starts new requests (else its last ones are in flight, or it has stopped)."""
        return not self.stopped and bool(self.rows) and time.monotonic() - self.started <= LANE_SECONDS

    def next_row(self) -> ClaimedRow | None:
        """The next delivery for a sending thread, or None: the thread ends (and no longer counts)."""
        with self.lock:
            if self.accepting() and self.active <= self.allowed:
                return self.rows.popleft()
            self.active -= 1
            return None

    def observe(self, result: SendResult, *, started: float) -> None:
        with self.lock:
            self.consecutive_failures = 0 if result.succeeded else self.consecutive_failures + 1
            self.failed = self.failed or not result.succeeded
            kind = window.classify(result)
            self.signals.add(kind, started=started)
            self.urgent = (
                self.urgent
                or kind == window.CONGESTED
                or (self.slow_start and self.signals.fast >= max(1, self.granted))
            )
            if should_stop_sending(consecutive_failures=self.consecutive_failures, result=result):
                self.stopped = True
                self.urgent = True
                self.gone = self.gone or result.response_status == 410
                pause = pause_after(consecutive_failures=self.consecutive_failures, result=result)
                if pause is not None:
                    self.pause_until = max(timezone.now() + pause, self.pause_until or timezone.now())

    def take_signals(self) -> window.Signals:
        with self.lock:
            signals, self.signals, self.urgent = self.signals, window.Signals(), False
            return signals

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
        self.concurrency = max(1, concurrency or settings.WEBHOOKS_CONCURRENCY)
        # As many lanes as endpoints at their initial window fill the run's threads.
        self.max_lanes = max(1, self.concurrency // window.initial_window())
        self.claim_token = uuid.uuid4()
        self.holder = str(self.claim_token)
        self.lanes: dict[uuid.UUID, _Lane] = {}
        self.events: queue.Queue[Outcome | _RunnerDone] = queue.Queue()
        self.unrecorded: list[Outcome] = []
        self.oldest_unrecorded = 0.0
        self.processed = 0
        self.claims = 0
        self.refills = 0
        self.paused: set[uuid.UUID] = set()
        # The last claim filled every free lane: other endpoints may be waiting for one, so lanes end after
        # their batch (round robin) instead of being topped up.
        self.others_waiting = False
        self.claiming = True

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
                    self.claiming = now - started < RUN_SECONDS
                    free = self.max_lanes - sum(lane.accepting() for lane in self.lanes.values())
                    if self.claiming and free > 0 and now >= next_claim:
                        found = self._claim(pool, free)
                        more_work = found > 0
                        self.others_waiting = found == free
                        # A full claim is followed by the next one as soon as a lane is free; otherwise wait.
                        next_claim = now if found == free else now + IDLE_CLAIM_SECONDS
                        if not found and not self.lanes:
                            break
                    if not self.lanes and not self.claiming:
                        break
                    wake = [time.monotonic() + FLUSH_SECONDS]
                    if self.claiming and free > 0:
                        wake.append(next_claim)
                    if self.unrecorded:
                        wake.append(self.oldest_unrecorded + FLUSH_SECONDS)
                    renewing = [lane.renewed for lane in self.lanes.values() if lane.accepting()]
                    if renewing:
                        wake.append(min(renewing) + window.REFRESH_SECONDS)
                    self._wait(timeout=max(0.001, min(wake) - time.monotonic()))
                    self._steer(pool)
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
            lambda: claim_lanes(
                claim_token=self.claim_token,
                max_lanes=wanted,
                rows_per_lane=self.batch_size,
                sending_to=list(self.lanes),
            )
        )
        if len(claimed) == wanted:
            ask_for_help()
        kept = 0
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
            self.lanes[lane.endpoint_id] = running
            self._renew(running)
            if not running.stopped:
                # With no slot yet (other senders hold the window above their share), it waits for them to
                # give their share back at their next renewal.
                kept += 1
                self._spawn(pool, running)
                continue
            # Another sender stopped for back-pressure meanwhile: the lane goes back at once.
            del self.lanes[lane.endpoint_id]
            self._give_back_slots(running)
            _retrying_when_locked(
                partial(
                    release,
                    claim_token=self.claim_token,
                    endpoint_ids=[] if lane.joined else [lane.endpoint_id],
                    unsent_ids=[row.id for row in lane.rows],
                )
            )
        return kept

    def _want(self, lane: _Lane) -> int:
        """The threads ``lane`` could use: its fair share of the run's, beside what the other lanes hold."""
        others = [other.granted for other in self.lanes.values() if other is not lane and other.accepting()]
        return max(1, window.fair_shares(self.concurrency, [*others, self.concurrency])[-1])

    def _renew(self, lane: _Lane) -> None:
        """Reports the lane's answers to its endpoint's window and takes the slots it may now hold."""
        signals = lane.take_signals()
        grant = window.renew(
            endpoint_id=lane.claimed.endpoint_id,
            holder=self.holder,
            # A lane that stopped starting requests keeps the slots of those still in flight.
            want=self._want(lane) if lane.accepting() else lane.active,
            cap=lane.claimed.max_concurrency,
            signals=signals,
            stop=self._announces_stop(lane),
        )
        lane.renewed = time.monotonic()
        lane.granted = grant.slots
        lane.slow_start = grant.slow_start
        lane.shared = lane.shared or grant.holders > 1 or lane.claimed.joined
        if grant.stop:
            lane.stopped = True  # another dispatcher's lane stopped for back-pressure
        if grant.room_for_another() and lane.refillable and not lane.helped and not self.others_waiting:
            # The window could take another sender: a worker process that is idle joins in.
            lane.helped = True
            ask_for_help()
        shares = window.fair_shares(self.concurrency, [other.granted for other in self.lanes.values()])
        for other, share in zip(self.lanes.values(), shares, strict=True):
            with other.lock:
                other.allowed = share

    @staticmethod
    def _announces_stop(lane: _Lane) -> bool:
        """Whether the lane stopped for back-pressure and has not told the endpoint's other senders yet."""
        if (lane.pause_until is None and not lane.gone) or lane.stop_announced:
            return False
        lane.stop_announced = True
        return True

    def _spawn(self, pool: ThreadPoolExecutor, lane: _Lane) -> None:
        with lane.lock:
            missing = min(lane.allowed, len(lane.rows)) - lane.active if lane.accepting() else 0
            if missing <= 0:
                return
            lane.active += missing
        lane.runners += missing
        for _ in range(missing):
            pool.submit(self._run_lane, lane)

    def _steer(self, pool: ThreadPoolExecutor) -> None:
        """Between results: renews windows that are due, tops up lanes that run low, starts the threads their
        windows now allow."""
        now = time.monotonic()
        for lane in list(self.lanes.values()):
            if not lane.runners and not lane.accepting():
                continue  # finished; released next
            due = now - lane.renewed >= (URGENT_REPORT_SECONDS if lane.urgent else window.REFRESH_SECONDS)
            if due and (lane.accepting() or lane.urgent):
                self._renew(lane)
        low = {lane.claimed.endpoint_id: self.batch_size for lane in self.lanes.values() if self._wants_more_rows(lane)}
        if low:
            self.refills += 1
            more = _retrying_when_locked(lambda: claim_more_rows(claim_token=self.claim_token, limits=low))
            for endpoint_id in low:
                lane = self.lanes[endpoint_id]
                rows = more.get(endpoint_id, [])
                with lane.lock:
                    lane.rows.extend(rows)
                lane.refillable = len(rows) == self.batch_size
        for lane in self.lanes.values():
            self._spawn(pool, lane)

    def _wants_more_rows(self, lane: _Lane) -> bool:
        return (
            self.claiming
            and not self.others_waiting
            and lane.refillable
            and lane.claimed.healthy
            and not lane.failed
            and time.monotonic() - lane.started <= LANE_SECONDS
            and not lane.stopped
            and len(lane.rows) < max(self.batch_size, REFILL_ROWS_PER_THREAD * lane.allowed)
        )

    def _run_lane(self, lane: _Lane) -> None:
        """A sending thread: takes the lane's deliveries one after another (no database access here)."""
        try:
            while (row := lane.next_row()) is not None:
                started = time.time()
                result = _send(lane, row)
                observe_attempt(row, result)
                lane.observe(result, started=started)
                self.events.put(Outcome(row.id, lane.claimed.endpoint_id, row.merchant_id, row.event_type, result))
        except BaseException:
            with lane.lock:
                lane.active -= 1
            raise
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
            endpoint_id
            for endpoint_id, lane in self.lanes.items()
            if lane.claimed.healthy and not lane.failed and not lane.shared
        }
        recorded = _retrying_when_locked(
            lambda: record_outcomes(outcomes, claim_token=self.claim_token, still_healthy=still_healthy)
        )
        self.processed += len(recorded)

    def _finish_idle_lanes(self) -> bool:
        """Releases the lanes whose threads have all stopped; True if any was."""
        done = [
            lane
            for lane in self.lanes.values()
            if lane.runners == 0 and not self._wants_more_rows(lane) and not (lane.accepting() and not lane.granted)
        ]
        if not done:
            return False
        if any(lane.gone or (lane.failed and lane.pause_until is None) for lane in done):
            # Failures are recorded before their endpoint is free to be claimed again: the next claim reads
            # its failure count (or that a 410 disabled it). A paused one stays reserved until its pause ends.
            self._flush()
        unsent = [row.id for lane in done for row in lane.rows]
        endpoint_ids = [lane.claimed.endpoint_id for lane in done if not lane.claimed.joined]
        held = {
            lane.claimed.endpoint_id: lane.pause_until
            for lane in done
            if lane.pause_until is not None and not lane.claimed.joined
        }
        self.paused.update(lane.claimed.endpoint_id for lane in done if lane.pause_until is not None)
        _retrying_when_locked(
            lambda: release(claim_token=self.claim_token, endpoint_ids=endpoint_ids, unsent_ids=unsent, held=held)
        )
        for lane in done:
            del self.lanes[lane.claimed.endpoint_id]
            self._give_back_slots(lane)
        return True

    def _give_back_slots(self, lane: _Lane) -> None:
        """The lane's slots go back to its endpoint's window; its last answers count too."""
        window.renew(
            endpoint_id=lane.claimed.endpoint_id,
            holder=self.holder,
            want=0,
            cap=lane.claimed.max_concurrency,
            signals=lane.take_signals(),
            stop=self._announces_stop(lane),
        )


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
