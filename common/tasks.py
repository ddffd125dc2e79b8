"""Enqueue Celery tasks only once the surrounding transaction commits (never from a rolled-back one)."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, using: str | None = None, **options: Any) -> None:
    """``task.apply_async(args, **options)`` after commit; runs at once when no transaction is open.

    ``options`` are ``apply_async`` options (``kwargs``, ``queue``, ``priority``, ``countdown`` ...).
    """
    transaction.on_commit(lambda: task.apply_async(args=args, **options), using=using)
