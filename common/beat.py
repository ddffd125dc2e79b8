"""A beat that any number of copies can run: each periodic tick is sent by the first beat to claim it.

Every beat keeps its own schedule, so two of them would each send every periodic task. Before sending, a
beat claims the tick's slot (the task's interval, counted from the epoch) with an atomic ``add`` in the
shared cache (Redis in production); the beat that loses skips that tick. So a second beat is a hot standby:
one tick per interval is sent while both run, and the survivor carries on alone if one stops. Two ticks can
still fall into neighbouring slots a moment apart; every periodic task is idempotent (recovery works from
leases, dispatch claims rows, purges delete what is due), so that costs one extra, empty run.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import schedule as interval_schedule
from django.core.cache import cache

logger = logging.getLogger(__name__)

FALLBACK_SLOT_SECONDS = 60  # crontab-like schedules: one send per minute at most


def slot_seconds(entry: ScheduleEntry) -> float:
    if isinstance(entry.schedule, interval_schedule):
        return max(1.0, entry.schedule.run_every.total_seconds())
    return FALLBACK_SLOT_SECONDS


def claim_tick(entry: ScheduleEntry, *, now: float | None = None) -> bool:
    """True if this beat is the first to claim the entry's current slot (or the cache cannot tell)."""
    seconds = slot_seconds(entry)
    slot = int((now if now is not None else time.time()) // seconds)
    try:
        return bool(cache.add(f"beat:tick:{entry.name}:{slot}", socket.gethostname(), timeout=int(seconds * 2) + 1))
    except Exception:  # the cache is down: a duplicate tick is harmless, a missing one is not
        logger.warning("beat: cannot claim the tick of %s, sending it anyway", entry.name, exc_info=True)
        return True


class SingleTickScheduler(PersistentScheduler):
    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        if not claim_tick(entry):
            logger.debug("beat: %s already sent by another beat for this tick", entry.name)
            return
        super().apply_entry(entry, producer=producer)
