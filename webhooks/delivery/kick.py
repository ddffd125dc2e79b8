"""Kicking a dispatcher run: after the commit that wrote deliveries, so the first attempt is made at once; when
a run wants another worker process to join in; when a run reaches its time limit with work left.

The run is the ``webhooks.deliver_pending`` task (webhooks/tasks.py), published by name: the engine never
imports its tasks module, which imports the engine.
"""

from __future__ import annotations

import contextlib
import logging

from celery import current_app
from django.core.cache import cache
from django.db import transaction

from common.tasks import publish

logger = logging.getLogger(__name__)

DISPATCH_TASK = "webhooks.deliver_pending"
# Set while a dispatcher run is queued and has not started: commits meanwhile need not queue another one.
KICK_KEY = "webhooks:dispatch-queued"
# Bounds how long a lost kick message can suppress new kicks (beat's poller covers that time anyway).
KICK_TTL_SECONDS = 10


def kick_dispatcher(*, force: bool = False) -> None:
    """Queues a dispatcher run unless one is already queued and not yet started (``force``: queue anyway).

    A run clears the flag before its first claim (:func:`dispatch_started`), so rows committed before the
    flag was seen set are claimed by that run: a burst of commits queues one run, not one per commit.
    """
    try:
        if not cache.add(KICK_KEY, 1, timeout=KICK_TTL_SECONDS) and not force:
            return
        publish(DISPATCH_TASK)
    except Exception:
        logger.warning("webhook dispatcher not kicked; the poller will send within its interval")
        with contextlib.suppress(Exception):
            cache.delete(KICK_KEY)


def kick_dispatcher_on_commit() -> None:
    """Kicks a dispatcher once the current transaction commits: once per transaction, however many events
    it emits (robust: the caller's work is committed by then, a failed kick must not turn it into an error)."""
    connection_ = transaction.get_connection()
    if connection_.in_atomic_block:
        active = set(connection_.savepoint_ids)
        # Django keeps pending callbacks as (savepoint ids, callback, robust) and drops the ones registered
        # inside a savepoint that rolls back. A kick registered at this savepoint or an enclosing one is
        # dropped only together with the one we would add now, so it covers this commit.
        if any(callback is kick_dispatcher and ids <= active for ids, callback, _ in connection_.run_on_commit):
            return
    transaction.on_commit(kick_dispatcher, robust=True)


def ask_for_help() -> None:
    """Called by a run that found more endpoints due than it has lanes: queue another run (deduplicated like
    any kick) so an idle worker process joins in. Tasks run eagerly would run it inside this one: pointless."""
    if not current_app.conf.task_always_eager:
        kick_dispatcher()


def dispatch_started() -> None:
    """Called by a dispatcher run before it claims: rows committed from now on need a new kick."""
    with contextlib.suppress(Exception):
        cache.delete(KICK_KEY)
