"""A lane: one endpoint's claimed deliveries, sent by as many threads as its share of the endpoint's window
allows, and what its answers tell the dispatcher (the window's signals, back-pressure, the endpoint gone)."""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from common import metrics
from common.addresses import validate_public_url
from common.errors import UnsafeURL
from webhooks.delivery import window
from webhooks.delivery.attempts import Outcome
from webhooks.delivery.claims import LANE_SECONDS, ClaimedLane
from webhooks.delivery.health import pause_after, should_stop_sending
from webhooks.delivery.rows import ClaimedRow
from webhooks.delivery.sender import BLOCKED, SendResult, crashed, encode_body, post_signed
from webhooks.delivery.signing import decrypt_secret

logger = logging.getLogger(__name__)


@dataclass
class Lane:
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

    def observe(self, result: SendResult, *, started: float, elapsed: float) -> None:
        with self.lock:
            self.consecutive_failures = 0 if result.succeeded else self.consecutive_failures + 1
            self.failed = self.failed or not result.succeeded
            kind = window.classify(result)
            self.signals.add(kind, started=started, elapsed=elapsed)
            self.urgent = (
                self.urgent
                or kind == window.CONGESTED
                or (self.slow_start and self.signals.fast >= max(window.QUEUE_SAMPLES, self.granted))
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

    def announces_stop(self) -> bool:
        """Whether the lane stopped for back-pressure and has not told the endpoint's other senders yet."""
        if (self.pause_until is None and not self.gone) or self.stop_announced:
            return False
        self.stop_announced = True
        return True

    def give_back_slots(self, holder: str) -> None:
        """The lane's slots go back to its endpoint's window; its last answers count too."""
        window.renew(
            endpoint_id=self.claimed.endpoint_id,
            holder=holder,
            want=0,
            cap=self.claimed.max_concurrency,
            signals=self.take_signals(),
            stop=self.announces_stop(),
        )

    def send_rows(self, events: queue.Queue[Outcome | RunnerDone]) -> None:
        """A sending thread: takes the lane's deliveries one after another (no database access here) and reports
        each outcome, then that it ended, on ``events``."""
        try:
            while (row := self.next_row()) is not None:
                started, clock = time.time(), time.perf_counter()
                result = self._send(row)
                elapsed = time.perf_counter() - clock
                observe_attempt(row, result)
                self.observe(result, started=started, elapsed=elapsed)
                events.put(Outcome(row.id, self.claimed.endpoint_id, row.merchant_id, row.event_type, result))
        except BaseException:
            with self.lock:
                self.active -= 1
            raise
        finally:
            events.put(RunnerDone(self))

    def _send(self, row: ClaimedRow) -> SendResult:
        try:
            secret, refusal = self.prepared()
            if refusal is not None:
                return SendResult(False, None, BLOCKED(reason=refusal.message), "", 0)
            return post_signed(
                url=self.claimed.url,
                secret=secret,
                message_id=row.message_id,
                body=encode_body(row.payload),
                check_url=False,
            )
        except Exception as exc:
            logger.exception(
                "webhook send crashed", extra={"delivery_id": str(row.id), "endpoint_id": str(self.claimed.endpoint_id)}
            )
            return crashed(exc)


@dataclass
class RunnerDone:
    """Told by a sending thread as it ends."""

    lane: Lane


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
