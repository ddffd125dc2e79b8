"""One batch of records from ``image-generation-job`` → jobs, duplicates and dead letters.

Records are parsed and checked one by one (a bad one is refused alone), the good ones accepted together by
:func:`content.generation.accept_generation_requests` (one transaction), and the refused ones written to the
dead-letter topic. A failure of our own stores raises :data:`OWN_FAULTS` for the consumer to retry the
batch; any other error is isolated to the record that causes it, which is dead-lettered (stage PROCESSING),
so that no record can stop its partition.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import KafkaException, Message
from django.db import IntegrityError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from common.errors import ServiceError, ServiceUnavailable
from content.generation import AcceptedJob, GenerationRequest, KafkaOrigin, accept_generation_requests
from content.kafka import metrics
from content.kafka.dead_letter import DeadLetters, DeadLetterUnavailable
from content.kafka.messages import BadRecord, MerchantDirectory, RecordParser, Stage

logger = logging.getLogger(__name__)

# Our own stores failing: the database (down, restarted, a unique-key race with another consumer), Redis, the
# Celery broker, Kafka for the dead letters. Never the record's fault: retried, never dead-lettered or skipped.
OWN_FAULTS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    IntegrityError,
    RedisError,
    BrokerUnavailable,
    ServiceUnavailable,
    KafkaException,
    DeadLetterUnavailable,
)

RecordKey = tuple[str, int, int]


def record_key(record: Message) -> RecordKey:
    return (record.topic() or "", record.partition() or 0, record.offset() or 0)


@dataclass
class BatchResult:
    outcomes: Counter[str] = field(default_factory=Counter)


class Intake:
    """Turns batches into jobs. ``done`` remembers the records of a batch already settled, so that a batch
    retried after a fault of ours does not write their dead letters twice."""

    def __init__(self, dead_letters: DeadLetters, *, accept: Callable = accept_generation_requests) -> None:
        self.dead_letters = dead_letters
        self.accept = accept
        self.parser = RecordParser()
        self.merchants = MerchantDirectory()
        self.done: set[RecordKey] = set()

    def forget(self, keys: set[RecordKey] | None = None) -> None:
        """Clears what was settled (all of it, or the given records of partitions this consumer lost)."""
        if keys is None:
            self.done.clear()
        else:
            self.done -= keys

    def process(self, records: list[Message]) -> BatchResult:
        """Settles every record of the batch or raises one of :data:`OWN_FAULTS` (then retry the same batch)."""
        result = BatchResult()
        pending = [record for record in records if record_key(record) not in self.done]
        parsed: list[tuple[Message, GenerationRequest]] = []
        refused: list[tuple[Message, BadRecord]] = []
        for record in pending:
            try:
                job = self.parser.parse(record)
                merchant = self.merchants.get(job.merchant_id)
            except BadRecord as bad:
                refused.append((record, bad))
                continue
            except OWN_FAULTS:
                raise
            except Exception as exc:  # a record our parsing cannot cope with must not stop its partition
                logger.exception("kafka record could not be parsed", extra={"offset": record.offset()})
                refused.append(
                    (record, BadRecord(Stage.PROCESSING, type(exc).__name__, str(exc) or type(exc).__name__))
                )
                continue
            origin = KafkaOrigin(
                topic=record.topic() or "", partition=record.partition() or 0, offset=record.offset() or 0
            )
            parsed.append((record, GenerationRequest(merchant=merchant, data=job.data, origin=origin)))
        self._settle_refused(refused, result)

        answers = self._accept_isolating([request for _, request in parsed])
        refused = []
        for (record, _request), answer in zip(parsed, answers, strict=True):
            if isinstance(answer, AcceptedJob):
                result.outcomes[metrics.DUPLICATE if answer.duplicate else metrics.ACCEPTED] += 1
                self.done.add(record_key(record))
            else:
                refused.append((record, answer))
        for outcome in (metrics.ACCEPTED, metrics.DUPLICATE):
            if result.outcomes[outcome]:
                metrics.INTAKE.labels(outcome).inc(result.outcomes[outcome])
        self._settle_refused(refused, result)
        return result

    def _settle_refused(self, refused: list[tuple[Message, BadRecord]], result: BatchResult) -> None:
        self.dead_letters.send(refused)
        for record, _bad in refused:
            self.done.add(record_key(record))
        if refused:
            result.outcomes[metrics.DEAD_LETTERED] += len(refused)
            metrics.INTAKE.labels(metrics.DEAD_LETTERED).inc(len(refused))

    def _accept_isolating(self, requests: list[GenerationRequest]) -> list[AcceptedJob | BadRecord]:
        if not requests:
            return []
        try:
            return [_as_answer(answer) for answer in self.accept(requests)]
        except OWN_FAULTS:
            raise
        except Exception as exc:
            if len(requests) == 1:
                logger.exception("kafka record could not be accepted", extra={"job_id": requests[0].data.get("jobId")})
                return [BadRecord(Stage.PROCESSING, type(exc).__name__, str(exc) or type(exc).__name__)]
            logger.warning("kafka batch failed (%s); accepting its records one by one", type(exc).__name__)
            return [answer for request in requests for answer in self._accept_isolating([request])]


def _as_answer(answer: AcceptedJob | ServiceError) -> AcceptedJob | BadRecord:
    if isinstance(answer, AcceptedJob):
        return answer
    return BadRecord(Stage.ACCEPTANCE, answer.code or type(answer).__name__, answer.message)
