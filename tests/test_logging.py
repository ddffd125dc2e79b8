"""Log lines carry the ids passed in ``extra``."""

from __future__ import annotations

import io
import logging
import logging.config

from django.conf import settings


def _configured_line(message: str, **extra: object) -> str:
    stream = io.StringIO()
    config = {**settings.LOGGING, "handlers": {"console": {"class": "logging.StreamHandler", "stream": stream,
                                                            "formatter": "plain"}}}  # fmt: skip
    logging.config.dictConfig(config)
    try:
        logging.getLogger("tryon.pipeline").warning(message, extra=extra)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    return stream.getvalue()


def test_the_ids_passed_in_extra_follow_the_message():
    line = _configured_line("try-on job finished", job_id="0f3c", merchant_id=7, status="COMPLETED")
    assert "WARNING tryon.pipeline try-on job finished job_id=0f3c merchant_id=7 status=COMPLETED" in line


def test_a_line_without_context_is_unchanged_and_tracebacks_stay_below_their_line():
    assert _configured_line("plain message").rstrip().endswith("tryon.pipeline plain message")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    from common.logging import ContextFormatter

    handler.setFormatter(ContextFormatter("%(message)s"))
    logger = logging.getLogger("test.context")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("webhook send crashed", extra={"delivery_id": "d-1"})
    finally:
        logger.removeHandler(handler)
    first, *rest = stream.getvalue().splitlines()
    assert first == "webhook send crashed delivery_id=d-1" and rest[0].startswith("Traceback")
