"""The dispatcher: a run claims lanes (endpoints and their due deliveries) and sends them until none is left.

A run (the ``webhooks.deliver_pending`` task, kicked after each commit that emits events and run by beat as a
safety net) claims whenever a lane has started its last request, never waiting for a batch: lanes are
independent, a slow endpoint holds its own threads only. Each lane gets as many threads as its endpoint's
window grants (window.py). While no other endpoint waits for a lane, a lane is topped up with more of its
endpoint's due deliveries instead of ending; and a healthy endpoint whose window has room for another sender
is *joined* by a second run (another worker process, asked for with a kick), which claims other deliveries of
it: one shop's flash sale is sent by every process, within the one window. The sending threads never touch
the database: the run's own thread claims, records results in bulk and releases. The run ends when a claim
finds nothing (or after ``RUN_SECONDS``, then it queues its successor).
"""

from __future__ import annotations

import collections
import logging
import queue
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from webhooks.delivery import window
from webhooks.delivery.attempts import Outcome, record_outcomes
from webhooks.delivery.claims import (
    LANE_SECONDS,
    UNSENT_INACTIVE,
    claim_lanes,
    claim_more_rows,
    finish_without_sending,
    release,
)
from webhooks.delivery.health import defer_pending
from webhooks.delivery.kick import ask_for_help, dispatch_started, kick_dispatcher
from webhooks.delivery.lanes import Lane, RunnerDone

logger = logging.getLogger(__name__)

# A run stops claiming after this long and queues its successor, so a backlog never pins a worker slot.
RUN_SECONDS = 30.0
# Results are written when this many are waiting, or when the oldest has waited FLUSH_SECONDS.
FLUSH_ROWS = 200
FLUSH_SECONDS = 0.05
# While lanes are busy and the last claim found no other endpoint, look again after this long, twice as long
# after each claim that found none, up to IDLE_CLAIM_MAX_SECONDS: a claim that finds nothing costs the run's
# thread several round trips, each waiting for the GIL behind the sending threads, while its lanes wait for
# their top-ups and results. An endpoint's first events kick an idle worker process anyway (kick.py).
IDLE_CLAIM_SECONDS = 0.1
IDLE_CLAIM_MAX_SECONDS = 0.8
# A lane is topped up when fewer than a batch, or than this many of its deliveries per sending thread, are
# left, with as many again: enough that its threads do not run dry while the run's thread records results
# or claims (32 threads to a fast receiver empty a batch of 100 in a tenth of a second).
REFILL_ROWS_PER_THREAD = 8
# A congestion signal, or a slow-start window's worth of fast answers, is reported to the endpoint's window
# this soon (else every window.REFRESH_SECONDS).
URGENT_REPORT_SECONDS = 0.02

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


class Dispatcher:
    def __init__(self, *, batch_size: int | None = None, concurrency: int | None = None) -> None:
        self.batch_size = batch_size or settings.WEBHOOKS_BATCH_SIZE
        self.concurrency = max(1, concurrency or settings.WEBHOOKS_CONCURRENCY)
        # As many lanes as endpoints at their initial window fill the run's threads.
        self.max_lanes = max(1, self.concurrency // window.initial_window())
        self.claim_token = uuid.uuid4()
        self.holder = str(self.claim_token)
        self.lanes: dict[uuid.UUID, Lane] = {}
        self.events: queue.Queue[Outcome | RunnerDone] = queue.Queue()
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
        idle_claim_wait = IDLE_CLAIM_SECONDS
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
                        idle_claim_wait = (
                            IDLE_CLAIM_SECONDS if found else min(2 * idle_claim_wait, IDLE_CLAIM_MAX_SECONDS)
                        )
                        next_claim = now if found == free else now + idle_claim_wait
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
            running = Lane(
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
            running.give_back_slots(self.holder)
            _retrying_when_locked(
                partial(
                    release,
                    claim_token=self.claim_token,
                    endpoint_ids=[] if lane.joined else [lane.endpoint_id],
                    unsent_ids=[row.id for row in lane.rows],
                )
            )
        return kept

    def _want(self, lane: Lane) -> int:
        """The threads ``lane`` could use: its fair share of the run's, beside what the other lanes hold."""
        others = [other.granted for other in self.lanes.values() if other is not lane and other.accepting()]
        return max(1, window.fair_shares(self.concurrency, [*others, self.concurrency])[-1])

    def _renew(self, lane: Lane) -> None:
        """Reports the lane's answers to its endpoint's window and takes the slots it may now hold."""
        signals = lane.take_signals()
        grant = window.renew(
            endpoint_id=lane.claimed.endpoint_id,
            holder=self.holder,
            # A lane that stopped starting requests keeps the slots of those still in flight.
            want=self._want(lane) if lane.accepting() else lane.active,
            cap=lane.claimed.max_concurrency,
            signals=signals,
            stop=lane.announces_stop(),
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

    def _spawn(self, pool: ThreadPoolExecutor, lane: Lane) -> None:
        with lane.lock:
            missing = min(lane.allowed, len(lane.rows)) - lane.active if lane.accepting() else 0
            if missing <= 0:
                return
            lane.active += missing
        lane.runners += missing
        for _ in range(missing):
            pool.submit(lane.send_rows, self.events)

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
        low = {
            lane.claimed.endpoint_id: self._top_up_size(lane)
            for lane in self.lanes.values()
            if self._wants_more_rows(lane)
        }
        if low:
            self.refills += 1
            more = _retrying_when_locked(lambda: claim_more_rows(claim_token=self.claim_token, limits=low))
            for endpoint_id in low:
                lane = self.lanes[endpoint_id]
                rows = more.get(endpoint_id, [])
                with lane.lock:
                    lane.rows.extend(rows)
                lane.refillable = len(rows) == low[endpoint_id]
        for lane in self.lanes.values():
            self._spawn(pool, lane)

    def _wants_more_rows(self, lane: Lane) -> bool:
        return (
            self.claiming
            and not self.others_waiting
            and lane.refillable
            and lane.claimed.healthy
            and not lane.failed
            and time.monotonic() - lane.started <= LANE_SECONDS
            and not lane.stopped
            and len(lane.rows) < self._top_up_size(lane)
        )

    def _top_up_size(self, lane: Lane) -> int:
        return max(self.batch_size, REFILL_ROWS_PER_THREAD * lane.allowed)

    def _wait(self, *, timeout: float) -> None:
        """Collects results and finished runners; flushes results that are due."""
        try:
            event: Outcome | RunnerDone | None = self.events.get(timeout=timeout)
        except queue.Empty:
            event = None
        while event is not None:
            if isinstance(event, RunnerDone):
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
            lane.give_back_slots(self.holder)
        return True


def dispatch_due_deliveries(*, batch_size: int | None = None, concurrency: int | None = None) -> int:
    """One dispatcher run: sends due deliveries until none is left; returns how many it finished."""
    dispatch_started()
    dispatcher = Dispatcher(batch_size=batch_size, concurrency=concurrency)
    processed = dispatcher.run()
    if processed:
        logger.info("webhook dispatcher run", extra={"deliveries": processed, "claims": dispatcher.claims})
    return processed
