"""Log lines carry the ids passed in ``extra``."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from typing import cast

import pytest
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


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_line_of_the_web_process_tree_is_json_in_production_format(tmp_path, settings):
    import os
    import sys
    from pathlib import Path

    import requests

    from tests.support.processes import free_port, procfile_process, test_database_url, wait_for_port

    port, log = free_port(), tmp_path / "web.log"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_FORMAT": "json",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
    }
    with procfile_process("web", env, log, port=port):
        wait_for_port(port, timeout=60)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/share/SeCrEt-link", timeout=10).status_code == 404
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # uvicorn's supervisor and workers, Django's and ours alike
    loggers = {entry["logger"] for entry in parsed}
    assert {"uvicorn.error", "common.access", "django.request"} <= loggers, loggers
    assert any("parent process" in entry["message"] for entry in parsed)  # the supervisor's own lines
    assert "SeCrEt-link" not in log.read_text()
