"""Running the intake: `make run`'s honcho may start the kafka process without Kafka; librdkafka settings pass
through from the environment; deploy/ runs a broker and the consumer."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client

from content.kafka.config import consumer_config, producer_config
from tests.support import processes
from tests.support.processes import ROOT, procfile_command, procfile_process, wait_until


@pytest.mark.worker
def test_without_kafka_the_procfile_process_idles_until_stopped_and_exits_cleanly(tmp_path, db):
    env = {name: value for name, value in os.environ.items() if not name.startswith("KAFKA_")}
    env.update(
        {
            "DATABASE_URL": processes.test_database_url(),
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = tmp_path / "kafka.log"
    with procfile_process("kafka", env, log) as process:
        wait_until(lambda: "Kafka intake off" in log.read_text() or process.poll() is not None, 60)
        # honcho ends every process when one exits: this one must stay up.
        assert process.poll() is None, log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_librdkafka_settings_pass_through_from_the_environment(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = "b-1.msk.example:9098,b-2.msk.example:9098"
    settings.KAFKA_GROUP_ID = "content-service"
    settings.KAFKA_CLIENT_ENVIRONMENT = {
        "KAFKA_CONFIG_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_CONFIG_SASL_MECHANISMS": "SCRAM-SHA-512",
        "KAFKA_CONFIG_SASL_USERNAME": "content",
        "KAFKA_CONFIG_SSL_CA_LOCATION": "/etc/ssl/certs/ca-certificates.crt",
        "KAFKA_CONFIG_LOG__LEVEL": "6",  # a double underscore is an underscore: log_level
        "KAFKA_CONSUMER_CONFIG_SESSION_TIMEOUT_MS": "10000",
        "KAFKA_CONSUMER_CONFIG_ENABLE_AUTO_OFFSET_STORE": "true",  # ours to decide: stays false
        "KAFKA_PRODUCER_CONFIG_COMPRESSION_TYPE": "zstd",
        "KAFKA_PRODUCER_CONFIG_ENABLE_IDEMPOTENCE": "false",  # ours to decide: stays true
        "KAFKA_CONFIG_": "ignored",
    }
    consumer = consumer_config()
    producer = producer_config("status")
    for config in (consumer, producer):
        assert config["bootstrap.servers"] == "b-1.msk.example:9098,b-2.msk.example:9098"
        assert config["security.protocol"] == "SASL_SSL" and config["sasl.mechanisms"] == "SCRAM-SHA-512"
        assert config["sasl.username"] == "content" and config["log_level"] == "6"
        assert config["ssl.ca.location"] == "/etc/ssl/certs/ca-certificates.crt"
    assert consumer["group.id"] == "content-service" and consumer["session.timeout.ms"] == "10000"
    assert consumer["enable.auto.offset.store"] is False and "compression.type" not in consumer
    assert producer["compression.type"] == "zstd" and producer["enable.idempotence"] is True
    assert "session.timeout.ms" not in producer and "group.id" not in producer


def test_the_compose_file_runs_a_broker_and_the_procfiles_kafka_process():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert services["kafka"]["command"] == procfile_command("kafka")
    environment = services["kafka"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://") and environment["REDIS_URL"].startswith("redis://")
    assert services["broker"]["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://broker:9092"
    assert "image-generation-job.dlt" in services["kafka-topics"]["command"][0]
    # Every process records status events, so every one knows the broker (the compose default, or the cluster's).
    for name in ("web", "content-worker", "tryon-worker", "webhooks", "beat", "kafka"):
        assert services[name]["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "${KAFKA_BOOTSTRAP_SERVERS:-broker:9092}"


def test_readyz_names_a_missing_consumer_without_taking_the_web_out_of_service(db, settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = ""
    assert "kafkaConsumer" not in Client().get("/readyz").json()["checks"]  # Kafka off: nothing to check
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9"  # configured, and no consumer has reported
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["kafkaConsumer"] == "unavailable" and body["degraded"] == ["kafkaConsumer"]
