"""Enqueueing Celery tasks after commit, and what a broker outage or a locked database does to them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from celery import Task, current_app
from celery.utils.saferepr import saferepr
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
            sender = _BatchSender(app, name)
            with producer.connection._reraise_as_library_errors():
                for args, options in messages:
                    sender.send(producer, args, options)
    except (BrokerUnavailable, BatchPublishError, OSError) as exc:
        logger.error("could not publish %d %s messages: %s", len(messages), name, type(exc).__name__)
        raise QueueUnavailable() from exc


# The per-message options :class:`_BatchSender` builds itself; any other (eta, countdown, expires, a task id...)
# and the message goes through ``send_task``.
_BATCH_OPTIONS = frozenset({"priority", "declare", "queue", "headers", "serializer", "retry", "retry_policy"})


class _BatchSender:
    """What ``app.send_task`` works out for every message (the task's options, its settings), worked out once
    for a batch of messages of one task: ``send_task`` spent 0.5 ms of CPU on each message, most of it on that,
    and a Kafka backlog publishes 500 jobs a batch. Each message is then built and published by the same
    ``amqp`` calls as in ``send_task`` (routing, headers, the publish signals); tests/test_tasks.py compares the
    two. The rare cases it leaves out (a task with time limits or expiry, a parent worker task, sent events)
    go through ``send_task``."""

    def __init__(self, app: Any, name: str) -> None:
        self.app = app
        self.name = name
        self.task_type = app.tasks.get(name)
        options: dict[str, Any] = {}
        if self.task_type is not None:
            options = {k: v for k, v in self.task_type._get_exec_options().items() if v is not None}
        self.task_options = options
        self.simple = (
            options.keys() <= _BATCH_OPTIONS and app.current_worker_task is None and not app.conf.task_send_sent_event
        )
        self.reply_to = app.thread_oid
        self.backend = app.backend
        # as_task_v2 reads this setting twice a message (a fifth of the rest of its cost) to make the reprs.
        self.repr_levels = app.conf.task_repr_maxlevels
        self.kwargsrepr = saferepr({}, app.amqp.kwargsrepr_maxsize, maxlevels=self.repr_levels)

    def send(self, producer: Any, args: tuple[Any, ...], options: dict[str, Any]) -> None:
        if not self.simple or not options.keys() <= _BATCH_OPTIONS:
            self.app.send_task(self.name, args=args, producer=producer, **options)
            return
        amqp = self.app.amqp
        task_id = str(uuid.uuid4())
        routed = amqp.router.route({**self.task_options, **options}, self.name, args, None, self.task_type)
        message = amqp.create_task_message(
            task_id,
            self.name,
            args,
            None,
            reply_to=self.reply_to,
            ignore_result=None,
            argsrepr=saferepr(args, amqp.argsrepr_maxsize, maxlevels=self.repr_levels),
            kwargsrepr=self.kwargsrepr,
            **routed,
        )
        self.backend.on_task_call(producer, task_id)  # as send_task does for a result not ignored (a no-op here)
        amqp.send_task_message(producer, self.name, message, **routed)


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
