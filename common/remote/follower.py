"""The follower: one loop per worker process that admits remote calls and runs their steps on a few threads.

It runs in the worker's main process beside the prefork pool (started by :class:`FollowerStep`), so a call in
flight costs a row and, during a network step, one thread: no worker slot. Each tick admits due WAITING calls
to free provider slots and claims due ACTIVE calls; the steps run on a small thread pool. Claims are renewed
while a step runs; a follower that dies leaves claims that run out, and any other follower resumes those calls
(a submitted prediction by its id: never paid for twice).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.remote import calls
from common.remote.admission import admit
from common.remote.handlers import RemoteHandler, for_queues, inline_following
from common.stored_text import StoredText

logger = logging.getLogger(__name__)

IDLE_TICK_SECONDS = 0.2
LONG_WAITS_PER_TICK = 20
BUSY_TICK_SECONDS = 0.02
# A step that raised something unexpected is tried again after this many seconds, up to MAX_STEP_FAILURES.
STEP_RETRY_SECONDS = 5.0
MAX_STEP_FAILURES = 5
STEP_FAILED = StoredText(gettext_noop("원격 작업을 처리하는 중 오류가 반복되어 중단했습니다."))


def claim_seconds() -> float:
    return float(settings.JOB_LEASE_SECONDS)


def run_step(handler: RemoteHandler, call: Any) -> None:
    """One step of ``call``; an unexpected error backs it off and, past MAX_STEP_FAILURES, gives it up."""
    try:
        handler.advance(call)
    except calls.ClaimLost:
        logger.warning("remote call taken over by another follower", extra={"call": f"{handler.name}:{call.pk}"})
    except Exception:
        logger.exception("remote call step failed", extra={"call": f"{handler.name}:{call.pk}"})
        try:
            if call.attempts + 1 >= MAX_STEP_FAILURES:
                handler.give_up(call, STEP_FAILED())
            else:
                calls.check_again(call, after=STEP_RETRY_SECONDS, attempts=call.attempts + 1)
        except Exception:  # the database is down too: the claim runs out and another step tries later
            logger.warning("remote call could not be backed off", exc_info=True)


class Follower:
    def __init__(self, handlers: list[RemoteHandler], *, threads: int | None = None) -> None:
        self.handlers = handlers
        self.threads = threads or settings.REMOTE_FOLLOWER_THREADS
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="remote")
        self._working: dict[tuple[str, Any], tuple[RemoteHandler, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._renewed_at = time.monotonic()

    def start(self) -> None:
        names = ", ".join(handler.name for handler in self.handlers)
        logger.info("remote follower started (%s; %d threads)", names, self.threads)
        self._thread = threading.Thread(target=self._run, name="remote-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stops admitting; waits up to ``timeout`` for steps under way; hands the rest to other followers."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        while self._working and time.monotonic() < deadline:
            time.sleep(0.05)
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            left = list(self._working.values())
        for handler, call in left:
            try:
                calls.release_claims(handler.model, owner=self.owner, pks=[call.pk])
            except Exception:  # their claims run out instead
                logger.warning("remote follower could not hand over a call", exc_info=True)
        connections.close_all()

    def free_threads(self) -> int:
        with self._lock:
            return self.threads - len(self._working)

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                close_old_connections()
                busy = self.tick()
            except Exception:  # the database or cache is down: try again shortly, never die
                logger.warning("remote follower tick failed", exc_info=True)
                connections.close_all()
                self._stop.wait(1.0)
            self._stop.wait(BUSY_TICK_SECONDS if busy else IDLE_TICK_SECONDS)
        connections.close_all()

    def tick(self) -> bool:
        now = timezone.now()
        self._renew_claims()
        dispatched = False
        for handler in self.handlers:
            limits = handler.limits()
            for provider, provider_limits in limits.items():
                granted = admit(
                    handler.model,
                    provider,
                    provider_limits,
                    owner=self.owner,
                    claim_seconds=claim_seconds(),
                    max_grants=self.free_threads(),
                    now=now,
                )
                for call in granted:
                    dispatched = self._dispatch(handler, call) or dispatched
            due = calls.claim_due(
                handler.model,
                providers=limits,
                owner=self.owner,
                claim_seconds=claim_seconds(),
                limit=self.free_threads(),
                now=now,
            )
            for call in due:
                dispatched = self._dispatch(handler, call) or dispatched
            self._end_long_waits(handler, now)
        return dispatched

    def _end_long_waits(self, handler: RemoteHandler, now: Any) -> None:
        """Calls that waited for a slot longer than their handler allows are handed back to it (a content job
        draws without AI, a try-on fails with a message): a backed-up provider never leaves a job waiting
        forever."""
        limit = handler.max_wait_seconds()
        if limit is None:
            return
        for call in calls.claim_waiting_since(
            handler.model,
            providers=handler.limits(),
            before=now - timedelta(seconds=limit),
            owner=self.owner,
            claim_seconds=claim_seconds(),
            limit=LONG_WAITS_PER_TICK,
        ):
            try:
                handler.waited_too_long(call)
            except Exception:  # its claim runs out and the next tick tries again
                logger.warning("remote call that waited too long not ended", exc_info=True)

    def _dispatch(self, handler: RemoteHandler, call: Any) -> bool:
        key = (handler.name, call.pk)
        with self._lock:
            self._working[key] = (handler, call)
        try:
            self._pool.submit(self._step, key, handler, call)
        except RuntimeError:  # the pool is shutting down: another follower takes the call
            with self._lock:
                self._working.pop(key, None)
            calls.release_claims(handler.model, owner=self.owner, pks=[call.pk])
            return False
        return True

    def _step(self, key: tuple[str, Any], handler: RemoteHandler, call: Any) -> None:
        try:
            close_old_connections()
            run_step(handler, call)
        finally:
            with self._lock:
                self._working.pop(key, None)

    def _renew_claims(self) -> None:
        if time.monotonic() - self._renewed_at < claim_seconds() / 3:
            return
        self._renewed_at = time.monotonic()
        with self._lock:
            working = list(self._working.values())
        by_model: dict[Any, list[Any]] = {}
        for handler, call in working:
            by_model.setdefault(handler.model, []).append(call.pk)
        for model, pks in by_model.items():
            calls.renew_claims(model, owner=self.owner, pks=pks, claim_seconds=claim_seconds())


def follow_inline(handler: RemoteHandler, call_pks: Iterable[Any], *, timeout: float = 600.0) -> None:
    """Follows the given calls in this thread until they are done: for eager Celery (tests, debugging), where no
    worker runs a follower. Same admission and steps as a worker's, one at a time."""
    pending = set(call_pks)
    owner = f"inline:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + timeout
    model = handler.model
    with inline_following():
        while pending and time.monotonic() < deadline:
            now = timezone.now()
            worked = False
            for provider, limits in handler.limits().items():
                for call in admit(
                    model, provider, limits, owner=owner, claim_seconds=claim_seconds(), max_grants=1, now=now
                ):
                    run_step(handler, call)
                    worked = True
            due = calls.claim_due(
                model, providers=handler.limits(), owner=owner, claim_seconds=claim_seconds(), limit=1, now=now
            )
            for call in due:
                run_step(handler, call)
                worked = True
            pending -= set(model._default_manager.filter(pk__in=pending, state="DONE").values_list("pk", flat=True))
            if pending and not worked:
                time.sleep(0.05)


class FollowerStep(bootsteps.StartStopStep):
    """Starts the follower in a worker's main process for the handlers of the queues it consumes."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.follower: Follower | None = None

    def start(self, worker: Any) -> None:
        queues = list(worker.app.amqp.queues.consume_from)
        handlers = for_queues(queues)
        if handlers and not worker.app.conf.task_always_eager:
            self.follower = Follower(handlers)
            self.follower.start()

    def stop(self, worker: Any) -> None:
        if self.follower is not None:
            self.follower.stop()
            self.follower = None

    def shutdown(self, worker: Any) -> None:
        self.stop(worker)
