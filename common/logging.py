"""Log lines that carry their context: whatever a call passes in ``extra`` (``job_id``, ``merchant_id``,
``delivery_id`` ...) is printed after the message as ``key=value`` (``LOG_FORMAT=plain``) or as fields of one
JSON object per line (``LOG_FORMAT=json``), so no line is a bare sentence. :class:`RequestContextFilter` adds
the id of the HTTP request a line belongs to (``request_id``, carried into the Celery tasks the request
enqueued) and the Celery task running (``task_id``, ``task``).

Callers pass ids and outcomes, never photos, secrets or whole payloads.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

# The id of the HTTP request being answered, or of the request that enqueued the running task.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra``.
# uvicorn's color_message repeats the message with terminal colours.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


class ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = " ".join(f"{key}={value}" for key, value in sorted(_context(record).items()))
        if not context:
            return text
        # The context belongs to the message line, before any traceback the base class appended.
        head, newline, tail = text.partition("\n")
        return f"{head} {context}{newline}{tail}"


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
            "message": record.getMessage(),
        }
        for key, value in _context(record).items():
            entry.setdefault(key, value if isinstance(value, (str, int, float, bool, type(None))) else str(value))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
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
