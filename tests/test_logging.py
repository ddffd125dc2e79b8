"""Log lines carry the ids passed in ``extra``."""

from __future__ import annotations

import io
import logging
import logging.config
from typing import cast

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


def _console(stream: io.StringIO, log_format: str) -> dict:
    """The project's console handler, writing to ``stream`` in ``log_format``."""
    handlers = cast(dict, settings.LOGGING["handlers"])
    return {**handlers["console"], "stream": stream, "formatter": log_format}


def _console_lines(records: list[tuple[str, int, str]]) -> str:
    """What the project's console handler prints for (logger, level, message) records."""
    stream = io.StringIO()
    console = _console(stream, "plain")
    logging.config.dictConfig({**settings.LOGGING, "handlers": {"console": console}})
    try:
        for name, level, message in records:
            logging.getLogger(name).log(level, message)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    return stream.getvalue()


TICKS = [
    ("celery.beat", logging.INFO, "Scheduler: Sending due task webhooks-deliver-pending (webhooks.deliver_pending)"),
    ("celery.worker.strategy", logging.INFO, "Task tryon.recover_stalled_jobs[7d1e] received"),
    ("celery.app.trace", logging.INFO, "Task tryon.recover_stalled_jobs[7d1e] succeeded in 0.01s: {}"),
    ("celery.app.trace", logging.ERROR, "Task webhooks.deliver_pending[88aa] raised unexpected: OperationalError()"),
    ("celery.app.trace", logging.INFO, "Task tryon.run_job[5c2f] succeeded in 1.2s: None"),
    ("tryon.pipeline", logging.INFO, "try-on job finished"),
]


def test_the_console_keeps_job_outcomes_and_errors_but_not_every_periodic_tick(settings):
    printed = _console_lines(TICKS)
    assert "Sending due task" not in printed and "recover_stalled_jobs" not in printed
    assert "webhooks.deliver_pending[88aa] raised unexpected" in printed  # a periodic task's error stays
    assert "tryon.run_job[5c2f] succeeded" in printed and "try-on job finished" in printed
    settings.LOG_PERIODIC_TASKS = True  # an operator who wants them
    assert _console_lines(TICKS).count("\n") == len(TICKS)


def test_tokens_and_keys_in_logged_paths_are_cut_short(db, settings):
    from django.test import Client

    stream = io.StringIO()
    for log_format in ("plain", "json"):
        console = _console(stream, log_format)
        logging.config.dictConfig({**settings.LOGGING, "handlers": {"console": console}})
        try:
            assert Client().get("/share/SeCrEtToKeN123").status_code == 404  # Django logs "Not Found: <path>"
            logging.getLogger("tryon.views").warning(
                "fetch %s failed", "/media/tryon/SiGnEd.Value?X-Amz-Signature=abc123&key=sk_live_1"
            )
        finally:
            logging.config.dictConfig(settings.LOGGING)
    printed = stream.getvalue()
    assert "/share/…" in printed and "/media/tryon/…" in printed
    for secret in ("SeCrEtToKeN123", "SiGnEd", "abc123", "sk_live_1"):
        assert secret not in printed, printed
