"""Tables of the Kafka intake: where a Kafka-born job was read, and the outbox of the jobs' status events.

Imported by ``content/models.py`` so that Django registers them with the content app.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class KafkaJobSource(models.Model):
    """The message a Kafka-born job was accepted from (a redelivery of it is a duplicate and adds nothing)."""

    job = models.OneToOneField(
        "content.ImageJob",
        verbose_name=_("작업"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="kafka_source",
    )
    topic = models.CharField(_("토픽"), max_length=249)
    partition = models.IntegerField(_("파티션"))
    offset = models.BigIntegerField(_("오프셋"))
    received_at = models.DateTimeField(_("수신 시각"), auto_now_add=True)

    class Meta:
        verbose_name = _("Kafka 수신 정보")
        verbose_name_plural = _("Kafka 수신 정보")

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}@{self.offset}"


class JobStatusEvent(models.Model):
    """Outbox: one row per status a job reached, written in the transaction that changed the status.

    The relay (content/kafka/relay.py) sends unsent rows in ``id`` order, keyed by the job id, and marks them
    sent once the broker acknowledged them. A status is recorded once per job (a resumed run does not announce
    PROCESSING twice).
    """

    class Status(models.TextChoices):
        PROCESSING = "PROCESSING", _("생성 중")
        COMPLETED = "COMPLETED", _("완료")
        FAILED = "FAILED", _("실패")

    job = models.ForeignKey(
        "content.ImageJob", verbose_name=_("작업"), on_delete=models.CASCADE, related_name="status_events"
    )
    merchant_id = models.BigIntegerField(_("가맹점 ID"))
    status = models.CharField(_("상태"), max_length=12, choices=Status.choices)
    # The event's value as sent, JSON text: the status endpoint's body at that moment plus the event's own
    # fields (kept as text so the relay sends the bytes rendered here, in the endpoint's field order).
    value = models.TextField(_("내용 (JSON)"))
    created_at = models.DateTimeField(_("기록 시각"), auto_now_add=True)
    sent_at = models.DateTimeField(_("발행 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("작업 상태 이벤트")
        verbose_name_plural = _("작업 상태 이벤트")
        constraints = [models.UniqueConstraint(fields=["job", "status"], name="content_status_event_once")]
        # The relay reads only what is unsent, oldest first.
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="content_status_event_unsent")]

    def __str__(self) -> str:
        return f"{self.job_id} {self.status}"
