"""The ``kafka`` process of the Procfile: the intake consumer on this thread, the status relay on another."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from content.kafka.consumer import IntakeConsumer
from content.kafka.relay import StatusRelay
from content.kafka.status_events import status_events_enabled

logger = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the loops finish what they hold, commit and return."""
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        logger.info("kafka process: %s received, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def run_kafka_process(stop: threading.Event) -> None:
    relay_thread = None
    if status_events_enabled():
        # Beside the consumer: one process per deployment to run, started only where Kafka is configured; the
        # relay's lock lets any number of these processes run with one relay sending at a time.
        relay = StatusRelay(stop=stop)
        relay_thread = threading.Thread(target=relay.run, name="status-relay", daemon=True)
        relay_thread.start()
    try:
        IntakeConsumer(stop=stop).run()
    finally:
        stop.set()
        if relay_thread is not None:
            relay_thread.join(timeout=40)
