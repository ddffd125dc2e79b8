"""Each endpoint's adaptive concurrency window: how many requests may be in flight to it, all dispatchers
together.

As TCP's congestion window (and Svix's per-endpoint throttling): an endpoint starts at
``WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY`` in *slow start*: every fast 2xx answer adds one request, so the
window doubles each round trip, until the first *congestion* signal: a timeout or connection failure, a 5xx
or 429, or a 2xx slower than ``WEBHOOKS_SLOW_ANSWER_SECONDS``. That signal halves it and ends slow start for
good: from then on AIMD, fast answers widen it by one request per window's worth of them (additive
increase) and congestion halves it (multiplicative decrease, floor 1). It is halved once per round trip:
answers to requests sent before the last cut do not cut it again, so a window's worth of 503s halves it
once, not down to 1. Its ceiling is the merchant's cap (``max_concurrency``, in the dashboard), never above
``WEBHOOKS_ENDPOINT_MAX_CONCURRENCY``. Other answers (a 4xx, a redirect) leave it. With
``WEBHOOKS_ENDPOINT_SLOW_START`` off, a new window grows additively from the start.

Fast answers must also stay fast as the window grows. When a report's fast answers take on average more
than four times the endpoint's fastest answer (plus a millisecond), requests are *queueing* — at the
receiver, or in our own worker, whose threads then wait for the CPU — and more of them in flight would only
wait longer, not be answered sooner. As TCP Vegas reads a rising round-trip time, that ends slow start and
brings the window down to what the answers' pace needs (by Little's law, the window at which their average
would come back to the threshold), never below where it started: only congestion cuts it further. The
factor leaves room for answers that vary whatever the load (jitter, a receiver's delayed acknowledgements
that hold most answers 40 ms past its fastest). A receiver across a network (answers in 20 ms) thus grows
to the ceiling; one on the same machine that answers in a fraction of a millisecond is sent a few requests
at a time, as fast as 32 would be and at less CPU for both sides (bench/webhooks_cold_start.py).

The window and who holds its slots live in one cache entry per endpoint (Redis in production, the embedded
file cache otherwise), changed by atomic read-modify-write. Every dispatcher lane sending to the endpoint, in
any worker process, holds some of its slots and renews them every ``REFRESH_SECONDS`` with the answers it has
seen since. The holders' slots never add up to more than the window; when several lanes share an endpoint
each is entitled to a max-min fair share, granted as the others give theirs back at their next renewal. A
holder that stops renewing (its process died) stops counting after ``HOLDER_TTL_SECONDS``. A window left
alone for ``IDLE_SECONDS`` is forgotten: the endpoint starts again at the initial window.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from common.cache import counting_cache
from webhooks.delivery.sender import SendResult

logger = logging.getLogger(__name__)

# How often a lane renews its slots and reports its answers (sooner after a congestion signal, and in slow
# start after each window's worth of fast answers).
REFRESH_SECONDS = 0.2
HOLDER_TTL_SECONDS = 5.0
IDLE_SECONDS = 600
KEY_PREFIX = "webhooks:window:"

FAST, CONGESTED, NEUTRAL = "fast", "congested", "neutral"

# Fast answers are queueing when they take on average more than QUEUE_FACTOR times the endpoint's fastest
# answer plus QUEUE_SLACK_SECONDS (a thread's scheduling noise), judged on at least QUEUE_SAMPLES answers.
QUEUE_FACTOR = 4.0
QUEUE_SLACK_SECONDS = 0.001
QUEUE_SAMPLES = 8
# The fewest slots worth another holder joining an endpoint's window for.
MIN_SHARE = 2
# The fastest answer is forgotten after this long (the endpoint may have moved further away), as BBR's
# min-RTT filter is.
FASTEST_ANSWER_SECONDS = 10.0


def classify(result: SendResult) -> str:
    """What an answer says about the endpoint's load: ``FAST``, ``CONGESTED`` or ``NEUTRAL``."""
    status = result.response_status
    if result.succeeded:
        return CONGESTED if result.duration_ms >= 1000 * settings.WEBHOOKS_SLOW_ANSWER_SECONDS else FAST
    if status is None or status >= 500 or status in (408, 429):
        return CONGESTED
    return NEUTRAL


def initial_window() -> int:
    return max(1, min(settings.WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY, settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY))


def ceiling(cap: int | None) -> int:
    """The most requests in flight an endpoint may reach: the merchant's cap, at most the global maximum."""
    limit = max(1, settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY)
    return max(1, min(cap, limit)) if cap else limit


@dataclass
class Signals:
    """What a lane saw since its last renewal."""

    fast: int = 0
    # Wall-clock start of the latest request that met congestion (None: none did).
    congested_since: float | None = None
    # Seconds the fast answers took, in all and the shortest (None: no fast answer).
    fast_seconds: float = 0.0
    fastest: float | None = None

    def add(self, kind: str, *, started: float, elapsed: float = 0.0) -> None:
        if kind == FAST:
            self.fast += 1
            self.fast_seconds += elapsed
            self.fastest = elapsed if self.fastest is None else min(self.fastest, elapsed)
        elif kind == CONGESTED:
            self.congested_since = max(started, self.congested_since or started)

    def __bool__(self) -> bool:
        return bool(self.fast) or self.congested_since is not None


@dataclass(frozen=True)
class Grant:
    """A holder's slots after a renewal, and the endpoint's window as it now stands."""

    slots: int
    window: float
    holders: int
    # Another holder stopped for back-pressure since this one took its slots: stop too.
    stop: bool = False
    # The window is in slow start: holders report after each window's worth of fast answers (a round trip)
    # rather than every REFRESH_SECONDS, so that it doubles each round trip.
    slow_start: bool = False

    def room_for_another(self) -> bool:
        """Whether one more holder (a dispatcher in another worker process) would get a useful share: two
        requests in flight. A small window is worth splitting: against a fast receiver the senders' CPU is
        what limits the pace, and two processes' threads each wait less for their own process's."""
        return not self.stop and self.window / (self.holders + 1) >= MIN_SHARE


def _key(endpoint_id: uuid.UUID) -> str:
    return f"{KEY_PREFIX}{endpoint_id}"


def _fresh(now: float) -> dict[str, Any]:
    return {
        "window": float(initial_window()),
        "cut_at": 0.0,
        "slow_start": bool(settings.WEBHOOKS_ENDPOINT_SLOW_START),
        "holders": {},
        "stops": 0,
        "at": now,
    }


def fair_shares(total: int, demands: list[int]) -> list[int]:
    """Max-min fair split of ``total`` among ``demands`` (nobody gets more than asked; leftovers go round)."""
    shares = [0] * len(demands)
    left = total
    for position, index in enumerate(sorted(range(len(demands)), key=lambda i: demands[i])):
        share = min(demands[index], left // (len(demands) - position))
        shares[index] = share
        left -= share
    return shares


def _queueing_threshold(state: dict[str, Any], *, signals: Signals, now: float) -> float | None:
    """The average answer time above which ``signals``' fast answers are queueing (None: too few to tell);
    keeps the endpoint's fastest answer up to date."""
    if signals.fastest is None:
        return None
    fastest = state.get("fastest")
    if fastest is None or signals.fastest <= fastest or now - state.get("fastest_at", 0.0) > FASTEST_ANSWER_SECONDS:
        fastest = state["fastest"] = signals.fastest
        state["fastest_at"] = now
    if signals.fast < QUEUE_SAMPLES:
        return None
    return QUEUE_FACTOR * fastest + QUEUE_SLACK_SECONDS


def _apply(state: dict[str, Any], *, signals: Signals, cap: int | None, now: float) -> None:
    """Slow start until the first congestion, then AIMD: one cut per round trip on congestion, else one
    request more per fast answer (slow start) or per window's worth of them (additive increase), unless the
    answers are queueing: then down to the window their pace needs."""
    window = min(float(state["window"]), float(ceiling(cap)))
    threshold = _queueing_threshold(state, signals=signals, now=now)
    average = signals.fast_seconds / signals.fast if signals.fast else 0.0
    if signals.congested_since is not None and signals.congested_since > state["cut_at"]:
        window = max(1.0, window / 2)
        state["cut_at"] = now
        state["slow_start"] = False
    elif threshold is not None and average > threshold:
        # At the same pace of answers (Little's law), this many in flight would average the threshold.
        window = max(min(window, float(initial_window())), window * threshold / average)
        state["slow_start"] = False
    elif signals.fast and state.get("slow_start"):
        # At most doubled per report, as TCP's slow start per round trip: a report that came late (its
        # holder's thread was busy) does not leap to the ceiling before the answers' pace was read at the
        # windows in between.
        window = min(window + signals.fast, 2 * window, float(ceiling(cap)))
    elif signals.fast:
        # n additions of 1/w each, in closed form: w² grows by about 2 per answer; at most doubled per report
        # (hundreds of answers of a fast receiver arrive between two).
        window = min(math.sqrt(window * window + 2 * signals.fast), 2 * window, float(ceiling(cap)))
    state["window"] = window


def renew(
    *,
    endpoint_id: uuid.UUID,
    holder: str,
    want: int,
    cap: int | None,
    signals: Signals | None = None,
    stop: bool = False,
) -> Grant:
    """Reports ``signals`` and asks for up to ``want`` slots; returns what ``holder`` may now have in flight.

    ``stop``: the holder stopped for back-pressure (a pause, a 410); the endpoint's other holders stop at
    their next renewal. Holders that come later start afresh: the pause recorded on the endpoint keeps claims
    off it until it ends. Without a reachable cache each lane keeps to the initial window on its own.
    """
    signals = signals or Signals()
    now = time.time()
    granted, stopped = 0, False

    def change(state: dict[str, Any] | None) -> dict[str, Any]:
        nonlocal granted, stopped
        if not state:
            state = _fresh(now)
        _apply(state, signals=signals, cap=cap, now=now)
        previous = state["holders"].get(holder)
        # Holders are [slots, want, expiry, the stops counter when they came].
        stopped = bool(stop or (previous and previous[3] < state["stops"]))
        if stop:
            state["stops"] += 1
        holders = {name: entry for name, entry in state["holders"].items() if entry[2] > now and name != holder}
        granted = 0
        if want > 0 and not stopped:
            slots = max(1, int(state["window"]))
            entitled = fair_shares(slots, [entry[1] for entry in holders.values()] + [want])[-1]
            # Never beyond the window: what the others hold above their share comes back at their renewal.
            granted = max(0, min(entitled, slots - sum(entry[0] for entry in holders.values())))
            holders[holder] = [granted, want, now + HOLDER_TTL_SECONDS, previous[3] if previous else state["stops"]]
        state["holders"] = holders
        state["at"] = now
        return state

    try:
        state = counting_cache().update(_key(endpoint_id), change, IDLE_SECONDS)
    except Exception:
        _warn_unshared()
        return Grant(min(want, initial_window()), float(initial_window()), 1)
    return Grant(granted, state["window"], len(state["holders"]), stopped, bool(state.get("slow_start")))


def windows(endpoint_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Grant]:
    """The current window of each endpoint that has one (``slots``: those held), for claims and the dashboard."""
    ids = list(endpoint_ids)
    if not ids:
        return {}
    try:
        states = counting_cache().get_many([_key(endpoint_id) for endpoint_id in ids])
    except Exception:
        _warn_unshared()
        return {}
    now = time.time()
    found: dict[uuid.UUID, Grant] = {}
    for endpoint_id in ids:
        state = states.get(_key(endpoint_id))
        if not state:
            continue
        live = [entry for entry in state["holders"].values() if entry[2] > now]
        found[endpoint_id] = Grant(sum(entry[0] for entry in live), state["window"], len(live))
    return found


_last_warning = 0.0


def _warn_unshared() -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning("webhook concurrency windows unreachable in the cache; each lane keeps to the initial window")
