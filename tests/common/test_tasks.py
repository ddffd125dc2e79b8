"""Publishing many messages at once (common/tasks.py ``publish_many``) puts on the broker what ``send_task`` would."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import redis
from django.conf import settings

from common.logging import request_id_var
from common.tasks import publish_many
from config.celery import app as celery_app
from content.models import ImageJob

# What differs between any two messages: their ids.
IDS = {("headers", "id"), ("headers", "root_id"), ("properties", "correlation_id"), ("properties", "delivery_tag")}


def _queued(client: redis.Redis, queue: str) -> dict[str, list[dict[str, Any]]]:
    """The raw messages on ``queue``'s priority lists, by list, ids blanked and bodies decoded; the lists emptied."""
    found: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(client.scan_iter(match=f"{queue}*")):
        raw = [json.loads(item) for item in client.lrange(key, 0, -1)]
        client.delete(key)
        for message in raw:
            for part, name in IDS:
                assert message[part][name], f"{part}.{name} missing"
                message[part][name] = "…"
            message["body"] = json.loads(base64.b64decode(message["body"]))
        found[key.decode()] = raw
    return found


@pytest.mark.parametrize("task_name", [ImageJob.TASK, "merchants.ping", "not.registered"])
def test_publish_many_puts_on_the_broker_what_send_task_puts(task_name):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the suite runs against a real Redis broker"
    celery_app.conf.task_always_eager = False
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = f"probe-{uuid.uuid4().hex}"
    messages: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (("job-1",), {"priority": 9, "declare": [], "queue": queue}),
        (("job-2", 3), {"priority": 1, "queue": queue}),
        (("job-3",), {"queue": queue, "headers": {"extra": "x"}}),
        (("job-4",), {"queue": queue, "countdown": 5}),  # an option only send_task handles
    ]
    token = request_id_var.set("req-probe")  # the before_task_publish handler's header (common/task_context.py)
    try:
        for args, options in messages:
            celery_app.send_task(task_name, args=args, **options)
        expected = _queued(client, queue)
        publish_many(task_name, messages)
        published = _queued(client, queue)
    finally:
        request_id_var.reset(token)

    assert sum(len(listed) for listed in expected.values()) == len(messages)
    assert all(message["headers"]["request_id"] == "req-probe" for listed in expected.values() for message in listed)
    # eta: a moment later for the second publication; everything else byte for byte.
    for listed in [*expected.values(), *published.values()]:
        for message in listed:
            if message["headers"]["eta"]:
                message["headers"]["eta"] = "…"
    assert published == expected
