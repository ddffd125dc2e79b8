"""Webhook endpoints, the delivery outbox/log, and one row per HTTP attempt."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from webhooks.events import EventChoices


class WebhookEndpoint(models.Model):
    """A merchant's URL that receives signed events. The signing secret is stored only encrypted."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=2048)
    events = models.JSONField(_("구독 이벤트"), default=list)
    is_active = models.BooleanField(_("활성"), default=True)
    encrypted_secret = models.TextField(_("암호화된 시크릿"), editable=False)
    secret_hint = models.CharField(_("시크릿 지문"), max_length=16, editable=False, blank=True)
    disabled_reason = models.CharField(_("비활성화 사유"), max_length=500, blank=True)
    disabled_at = models.DateTimeField(_("비활성화 시각"), null=True, blank=True)
    # Start of the current run of failed attempts; cleared by any success. Drives the 5-day auto-disable.
    failing_since = models.DateTimeField(_("연속 실패 시작"), null=True, blank=True)
    # Back-pressure: failed attempts in a row, and until when nothing is sent to the endpoint (a Retry-After,
    # or the pause after five failures in a row; see webhooks/delivery/health.py). Cleared by any success.
    consecutive_failures = models.PositiveIntegerField(_("연속 실패 횟수"), default=0)
    paused_until = models.DateTimeField(_("발송 보류 종료"), null=True, blank=True)
    # The merchant's cap on requests in flight to this endpoint; empty: automatic, up to
    # WEBHOOKS_ENDPOINT_MAX_CONCURRENCY (the window adapts below it: webhooks/delivery/window.py).
    max_concurrency = models.PositiveSmallIntegerField(
        _("최대 동시 요청 수"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("이 URL로 동시에 보내는 요청의 상한입니다. 비워 두면 응답 속도에 맞춰 자동으로 조절합니다."),
    )
    # The dispatcher currently sending to this endpoint (its lease), and when one last started to: claims
    # take endpoints least recently dispatched first, and only one dispatcher sends to an endpoint at a time.
    claim_token = models.UUIDField(_("처리 토큰"), null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("처리 기한"), null=True, blank=True, editable=False)
    last_dispatched_at = models.DateTimeField(_("마지막 발송 시작"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("생성일"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("웹훅 엔드포인트")
        verbose_name_plural = _("웹훅 엔드포인트")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "is_active"])]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", _("대기")
    DELIVERED = "DELIVERED", _("성공")
    FAILED = "FAILED", _("실패")


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the emitter's transaction (outbox), then sent and retried.

    ``message_id`` is the ``webhook-id`` header: the same for every retry and replay of the event.
    """

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("엔드포인트"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # The registered event types (webhooks/events.py), read when used: the products register theirs in ready().
    event_type = models.CharField(_("이벤트"), max_length=64, choices=EventChoices())
    message_id = models.CharField(_("webhook-id"), max_length=64)
    payload = models.JSONField(_("본문"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("상태"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(_("시도 횟수"), default=0)
    next_attempt_at = models.DateTimeField(_("다음 시도"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("마지막 시도"), null=True, blank=True)
    last_response_status = models.PositiveIntegerField(_("마지막 응답 코드"), null=True, blank=True)
    last_error = models.TextField(_("마지막 오류"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("성공 시각"), null=True, blank=True)
    # A dispatcher's lease: while it lies in the future, no other dispatcher claims the row.
    claim_token = models.UUIDField(_("처리 토큰"), null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("처리 기한"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("생성일"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("웹훅 발송")
        verbose_name_plural = _("웹훅 발송")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_due_idx"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhooks_endpoint_log_idx"),
            # One endpoint's pending deliveries in due order: what a dispatcher claims for it.
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=models.Q(status="PENDING"),
                name="webhooks_endpoint_pending_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message_id"], name="webhooks_one_message_per_endpoint"),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="webhooks_delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what the receiver answered. Feeds the dashboard's success chart."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("발송"), on_delete=models.CASCADE, related_name="attempts"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    attempted_at = models.DateTimeField(_("시도 시각"), default=timezone.now, db_index=True)
    succeeded = models.BooleanField(_("성공"))
    response_status = models.PositiveIntegerField(_("응답 코드"), null=True, blank=True)
    error = models.TextField(_("오류"), blank=True)
    response_excerpt = models.TextField(_("응답 본문(일부)"), blank=True)
    duration_ms = models.PositiveIntegerField(_("소요(ms)"), default=0)

    class Meta:
        verbose_name = _("발송 시도")
        verbose_name_plural = _("발송 시도")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.response_status or self.error[:40]}"
