"""The event types Toile sends to merchants' webhook endpoints.

Every app emits events through :func:`webhooks.services.emit_event` with one of these constants.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TRYON_COMPLETED = "tryon.completed"
TRYON_FAILED = "tryon.failed"
USAGE_QUOTA_EXCEEDED = "usage.quota_exceeded"
# Sent only by "test send" (POST /api/webhooks/{id}/test); endpoints cannot subscribe to it.
WEBHOOK_TEST = "webhook.test"

SUBSCRIBABLE_EVENTS: tuple[str, ...] = (TRYON_COMPLETED, TRYON_FAILED, USAGE_QUOTA_EXCEEDED)
ALL_EVENTS: tuple[str, ...] = (*SUBSCRIBABLE_EVENTS, WEBHOOK_TEST)

EVENT_LABELS: dict[str, str] = {
    TRYON_COMPLETED: _("가상 피팅 완료"),
    TRYON_FAILED: _("가상 피팅 실패"),
    USAGE_QUOTA_EXCEEDED: _("사용량 한도 초과"),
    WEBHOOK_TEST: _("테스트 발송"),
}
