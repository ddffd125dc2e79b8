"""The log helper of the webhook services: ids and outcomes as ``extra`` (the formatter prints them)."""

from __future__ import annotations

import logging
from typing import Any

# One logger for the package, under the name the single module had, so logging configuration keeps working.
logger = logging.getLogger("webhooks.services")


def log(level: int, message: str, **context: Any) -> None:
    logger.log(level, message, extra=context, exc_info=level >= logging.ERROR)
