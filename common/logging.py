"""Log lines that carry their context: whatever a call passes in ``extra`` (``job_id``, ``merchant_id``,
``delivery_id`` ...) is printed after the message as ``key=value`` (``LOG_FORMAT=plain``) or as fields of one
JSON object per line (``LOG_FORMAT=json``), so no line is a bare sentence. :class:`RequestContextFilter` adds
the id of the HTTP request a line belongs to (``request_id``, carried into the Celery tasks the request
enqueued) and the Celery task running (``task_id``, ``task``).

Callers pass ids and outcomes, never photos, secrets or whole payloads; paths and query strings that carry a
secret (share tokens, signed file URLs, password-reset tokens, keys) are cut short in every line whoever wrote
it (Django's own "Not Found: /share/<token>" included): :func:`redact`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

# The id of the HTTP request being answered, or of the request that enqueued the running task.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# A path segment that is a credential, after the prefix that says so (the share page, its API and OG image,
# signed file URLs, FASHN's callback, Django's password-reset link).
_SECRET_PATH = re.compile(r"(/(?:api/)?share/|/media/tryon/|/hooks/tryon-engine/|/reset/[^/\s]+/)[^/\s?#'\"]+")
_SECRET_QUERY = re.compile(
    r"([?&](?:token|key|api_key|apikey|link|signature|x-amz-signature|x-amz-credential)=)[^&\s#'\"]+", re.IGNORECASE
)


def redact(text: str) -> str:
    """``text`` with the secrets of the paths and query strings it quotes replaced by "…"."""
    if "/" not in text and "=" not in text:
        return text
    return _SECRET_QUERY.sub(r"\1…", _SECRET_PATH.sub(r"\1…", text))


# Attributes every LogRecord has; anything else on a record came from ``extra``.
# uvicorn's color_message repeats the message with terminal colours.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


class ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = " ".join(f"{key}={value}" for key, value in sorted(_context(record).items()))
        if not context:
            return redact(text)
        # The context belongs to the message line, before any traceback the base class appended.
        head, newline, tail = text.partition("\n")
        return redact(f"{head} {context}{newline}{tail}")


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context fields, a traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in _context(record).items():
            if isinstance(value, str) or not isinstance(value, (int, float, bool, type(None))):
                value = redact(str(value))
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        if not hasattr(record, "task_id"):
            from celery import current_task

            if current_task and current_task.request.id:
                record.task_id = current_task.request.id
                record.task = current_task.name
        return True


class PeriodicTickFilter(logging.Filter):
    """Drops the INFO lines of periodic ticks (beat sending one, a worker receiving and finishing one) unless
    ``LOG_PERIODIC_TASKS`` is on: every few seconds they would bury the lines a person reads (URLs, keys,
    errors, job outcomes). Warnings and errors of those tasks always pass."""

    LOGGERS = ("celery.beat", "celery.app.trace", "celery.worker.strategy")

    def __init__(self) -> None:
        super().__init__()
        self._periodic: tuple[str, ...] | None = None

    def _names(self) -> tuple[str, ...]:
        if self._periodic is None:
            from django.conf import settings

            self._periodic = (
                ()
                if settings.LOG_PERIODIC_TASKS
                else tuple(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())
            )
        return self._periodic

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or not record.name.startswith(self.LOGGERS):
            return True
        names = self._names()
        if not names:
            return True
        message = record.getMessage()
        return not any(f"{name}[" in message or f"({name})" in message for name in names)
