"""The librdkafka configurations of the intake's clients: our settings plus whatever the environment passes
through (``KAFKA_CONFIG_*`` for every client, ``KAFKA_CONSUMER_CONFIG_*`` / ``KAFKA_PRODUCER_CONFIG_*`` for one
kind), so TLS, SASL (MSK IAM/SCRAM, Confluent Cloud) or any tuning needs no code. docs/kafka.md has examples.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

from django.conf import settings

PREFIXES = {
    "KAFKA_CONFIG_": ("consumer", "producer"),
    "KAFKA_CONSUMER_CONFIG_": ("consumer",),
    "KAFKA_PRODUCER_CONFIG_": ("producer",),
}
# Offsets are stored by the intake only once a message's job row is durable (or its dead letter acknowledged):
# librdkafka must never store one by itself. Not overridable.
CONSUMER_FIXED: dict[str, Any] = {"enable.auto.offset.store": False}
CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable.auto.commit": True,
    "auto.commit.interval.ms": 1000,
    "auto.offset.reset": "earliest",
}
# Idempotent: a retried produce never writes a second copy and never reorders a partition's records.
PRODUCER_FIXED: dict[str, Any] = {"enable.idempotence": True}
PRODUCER_DEFAULTS: dict[str, Any] = {
    "linger.ms": 5,
    # A record not acknowledged within this long fails: a dead letter is then retried with its message, a
    # status event stays in the outbox for the next round. librdkafka's default is 5 minutes.
    "message.timeout.ms": 30000,
}


def property_name(suffix: str) -> str:
    """``SASL_MECHANISMS`` → ``sasl.mechanisms``; a double underscore stands for one (``LOG__LEVEL`` → ``log_level``)."""
    return "_".join(part.lower().replace("_", ".") for part in suffix.split("__"))


def passed_through(kind: str, environment: Mapping[str, str]) -> dict[str, str]:
    """The librdkafka properties the environment sets for clients of ``kind`` ("consumer" or "producer")."""
    properties: dict[str, str] = {}
    # Role-specific prefixes are applied after the shared one, so they win.
    for prefix, kinds in PREFIXES.items():
        if kind not in kinds:
            continue
        for name, value in environment.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                properties[property_name(name[len(prefix) :])] = value
    return properties


def _client_id(role: str) -> str:
    return f"content-{role}-{socket.gethostname()}-{os.getpid()}"


def consumer_config(**overrides: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "group.id": settings.KAFKA_GROUP_ID,
        "client.id": _client_id("intake"),
        **CONSUMER_DEFAULTS,
        **passed_through("consumer", settings.KAFKA_CLIENT_ENVIRONMENT),
        **overrides,
        **CONSUMER_FIXED,
    }


def producer_config(role: str, **overrides: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "client.id": _client_id(role),
        **PRODUCER_DEFAULTS,
        **passed_through("producer", settings.KAFKA_CLIENT_ENVIRONMENT),
        **overrides,
        **PRODUCER_FIXED,
    }


def kafka_configured() -> bool:
    return bool(settings.KAFKA_BOOTSTRAP_SERVERS)
