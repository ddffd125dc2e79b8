"""Log lines that carry their context: whatever a call passes in ``extra`` (``job_id``, ``merchant_id``,
``delivery_id`` ...) is printed after the message as ``key=value``, so no line is a bare sentence.

Callers pass ids and outcomes, never photos, secrets or whole payloads.
"""

from __future__ import annotations

import logging

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = " ".join(
            f"{key}={value}"
            for key, value in sorted(vars(record).items())
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
        )
        if not context:
            return text
        # The context belongs to the message line, before any traceback the base class appended.
        head, newline, tail = text.partition("\n")
        return f"{head} {context}{newline}{tail}"
