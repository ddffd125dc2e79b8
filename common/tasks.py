"""Enqueueing Celery tasks after commit, and what a broker outage or a locked database does to them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from celery import Task, current_app
from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _
from kombu.exceptions import BatchPublishError
from kombu.exceptions import OperationalError as BrokerUnavailable

from common.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

# "database is locked" (SQLite), a dropped or restarted PostgreSQL connection: worth running the task again.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)
# Options for shared_task(...) of tasks that must survive such errors instead of dying with the job half done.
RETRY_ON_TRANSIENT_DATABASE_ERRORS: dict[str, Any] = {
    "autoretry_for": TRANSIENT_DATABASE_ERRORS,
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 8,
}
QUEUE_RETRY_AFTER_SECONDS = 30


class QueueUnavailable(ServiceUnavailable):
    """The broker did not take the message: the work was not started (503, the client may try again)."""

    def __init__(self) -> None:
        super().__init__(
            _("작업 대기열에 연결할 수 없어 요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
            code="QUEUE_UNAVAILABLE",
            retry_after=QUEUE_RETRY_AFTER_SECONDS,
        )


def publish(task: Task | str, *args: Any, **options: Any) -> None:
    """Publishes ``task`` (a task or a task's name) with ``args``; raises :class:`QueueUnavailable` when the
    broker is unreachable.

    By name is how a service enqueues its own app's task: the tasks module imports the services, never the other
    way round, and Celery routes a name as it routes the task itself (``CELERY_TASK_ROUTES``). Tasks receive
    ids, never objects.
    """
    app = task.app if isinstance(task, Task) else current_app
    name = task.name if isinstance(task, Task) else task
    if app.conf.task_always_eager:
        # Runs here and now (tests, debugging); its own errors are the caller's to see.
        _registered(app, name).apply_async(args=args, **options)
        return
    try:
        app.send_task(name, args=args, **options)
    except (BrokerUnavailable, OSError) as exc:
        logger.error("could not publish %s: %s", name, type(exc).__name__)
        raise QueueUnavailable() from exc


def _registered(app: Any, name: str) -> Task:
    if name not in app.tasks:
        app.loader.import_default_modules()  # every app's tasks module, as a worker imports them at start
    return app.tasks[name]


def publish_many(task: Task | str, messages: Sequence[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
    """Publishes many messages of ``task`` (a task or its name; each message its ``(args, options)``) through
    one producer, batched where the transport can (kombu's ``Producer.batch``: one Redis pipeline per 1 000
    messages).

    Raises :class:`QueueUnavailable` when the broker did not take them; then none, some or all may have been
    published, so the caller must be able to publish them again (the tasks being idempotent).
    """
    app = task.app if isinstance(task, Task) else current_app
    name = task.name if isinstance(task, Task) else task
    if app.conf.task_always_eager:
        for args, options in messages:
            _registered(app, name).apply_async(args=args, **options)
        return
    try:
        with app.producer_or_acquire() as producer, producer.batch():
            for args, options in messages:
                app.send_task(name, args=args, producer=producer, **options)
    except (BrokerUnavailable, BatchPublishError, OSError) as exc:
        logger.error("could not publish %d %s messages: %s", len(messages), name, type(exc).__name__)
        raise QueueUnavailable() from exc


def enqueue_on_commit(
    task: Task | str,
    *args: Any,
    using: str | None = None,
    on_failure: Callable[[], None] | None = None,
    **options: Any,
) -> None:
    """Publishes the task once the surrounding transaction commits (at once when none is open).

    If the broker is down, ``on_failure`` runs (e.g. to mark the job FAILED, so that it does not wait forever)
    and :class:`QueueUnavailable` propagates to the request, which answers 503. ``options`` are
    ``apply_async`` options (``kwargs``, ``queue``, ``priority``, ``countdown`` ...).
    """

    def publish_after_commit() -> None:
        try:
            publish(task, *args, **options)
        except QueueUnavailable:
            if on_failure is not None:
                on_failure()
            raise

    transaction.on_commit(publish_after_commit, using=using)
