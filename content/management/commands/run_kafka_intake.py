"""``python manage.py run_kafka_intake``: the Procfile's ``kafka`` process (docs/kafka.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from content.kafka.config import kafka_configured
from content.kafka.process import run_kafka_process, stop_on_signals


class Command(BaseCommand):
    help = (
        "Consumes the image-generation-job topic into jobs and sends the jobs' status events "
        "(needs KAFKA_BOOTSTRAP_SERVERS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle-unless-configured",
            action="store_true",
            help="Without KAFKA_BOOTSTRAP_SERVERS, wait for SIGTERM instead of failing (for honcho: a process "
            "that exits stops all the others).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = stop_on_signals()
        if not kafka_configured():
            if not options["idle_unless_configured"]:
                raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set")
            self.stderr.write("Kafka intake off: KAFKA_BOOTSTRAP_SERVERS is not set (idle until stopped)")
            stop.wait()
            return
        run_kafka_process(stop)
