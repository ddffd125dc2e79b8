"""The request id's way into Celery: a message header set when a request enqueues, restored around the run.

Imported by config/celery.py, so it must not need Django at import time.
"""

from __future__ import annotations

import logging.config
from typing import Any

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun, worker_init

from common.logging import request_id_var

_restore_tokens: dict[str, Any] = {}


@before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _restore_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    if request_id and task_id:
        _restore_tokens[task_id] = request_id_var.set(str(request_id))


@task_postrun.connect
def _forget_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    token = _restore_tokens.pop(task_id or "", None)
    if token is not None:
        request_id_var.reset(token)


@worker_init.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    from django.conf import settings

    if settings.METRICS_PORT:
        from common import metrics

        metrics.start_metrics_server(settings.METRICS_PORT)


@setup_logging.connect
def _log_as_django_does(**kwargs: Any) -> None:
    """Celery's processes log with the project's LOGGING (format, request and task ids), not Celery's own."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
