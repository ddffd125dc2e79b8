"""The log helper of the webhook services."""

from __future__ import annotations

import logging
from typing import Any

# One logger for the package, under the name the single module had, so logging configuration keeps working.
logger = logging.getLogger("webhooks.services")


def log(level: int, message: str, **context: Any) -> None:
    """Logs with the ids in the text (the plain formatter shows no extras) and as structured ``extra``."""
    details = " ".join(f"{key}={value}" for key, value in context.items())
    logger.log(level, "%s %s", message, details, extra=context, exc_info=level >= logging.ERROR)
