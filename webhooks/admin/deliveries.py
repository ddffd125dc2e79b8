"""The delivery log in the dashboard: each delivery with its attempts and a replay, and the operator view above
the list (the success rate, attempts per minute, backlog and lag)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from unfold.admin import TabularInline

from common.errors import ServiceError
from common.stored_text import translate_stored
from merchants.admin_base import (
    MerchantScopedAdmin,
    MerchantScopedInline,
    ReadOnlyMixin,
    label_html,
    request_merchant_or_none,
)
from webhooks import selectors, services
from webhooks.charts import THROUGHPUT_MINUTES, success_rate_chart, throughput_chart
from webhooks.delivery.sender import encode_body
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return _("%(s)d초") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d분 %(s)d초") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)d시간 %(m)d분") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


class WebhookAttemptInline(ReadOnlyMixin, MerchantScopedInline, TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "succeeded", "response_status", "error_text", "duration_ms", "response_excerpt")
    readonly_fields = fields
    ordering = ("-attempted_at",)

    @admin.display(description=gettext_lazy("오류"))
    def error_text(self, obj: WebhookAttempt) -> str:
        return translate_stored(obj.error)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "status_badge",
        "attempt_count",
        "last_response_status",
        "short_error",
        "next_attempt_at",
    )
    list_filter = ("status", "event_type")
    search_fields = ("message_id", "endpoint__url")
    list_select_related = ("endpoint",)
    actions = ["replay_selected"]
    inlines = [WebhookAttemptInline]
    fields = (
        "endpoint",
        "event_type",
        "message_id",
        "status",
        "attempt_count",
        "next_attempt_at",
        "last_attempt_at",
        "last_response_status",
        "last_error_text",
        "delivered_at",
        "created_at",
        "payload_pretty",
    )
    readonly_fields = fields
    change_list_template = "webhooks/admin/webhookdelivery_change_list.html"
    change_form_outer_before_template = "webhooks/admin/delivery_actions.html"

    @admin.display(description=gettext_lazy("상태"), ordering="status")
    def status_badge(self, obj: WebhookDelivery) -> str:
        tones: dict[str, str] = {DeliveryStatus.DELIVERED: "success", DeliveryStatus.FAILED: "danger"}
        tone = tones.get(obj.status, "info")
        return label_html(obj.get_status_display(), tone)

    @admin.display(description=gettext_lazy("마지막 오류"))
    def short_error(self, obj: WebhookDelivery) -> str:
        return translate_stored(obj.last_error)[:80]

    @admin.display(description=gettext_lazy("마지막 오류"))
    def last_error_text(self, obj: WebhookDelivery) -> str:
        return translate_stored(obj.last_error)

    @admin.display(description=gettext_lazy("본문"))
    def payload_pretty(self, obj: WebhookDelivery) -> str:
        # The body exactly as it was sent: never translated.
        return format_html('<pre translate="no">{}</pre>', encode_body(obj.payload).decode("utf-8"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(require_POST(self.replay_view))
        return [path("<path:object_id>/replay/", view, name="webhooks_webhookdelivery_replay"), *super().get_urls()]

    def replay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        delivery = self.get_object(request, object_id)
        if delivery is None:
            raise Http404
        try:
            services.replay_delivery(delivery=delivery)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            self.message_user(request, _("다시 발송 대기열에 넣었습니다."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))

    @admin.action(description=gettext_lazy("선택한 발송 재시도 (replay)"))
    def replay_selected(self, request: HttpRequest, queryset: Any) -> None:
        replayed, refused = 0, []
        for delivery in queryset:
            try:
                services.replay_delivery(delivery=delivery)
                replayed += 1
            except ServiceError as exc:
                refused.append(exc.message)
        if replayed:
            self.message_user(
                request, _("%(count)s건을 다시 발송 대기열에 넣었습니다.") % {"count": replayed}, messages.SUCCESS
            )
        for message in dict.fromkeys(refused):
            self.message_user(request, message, messages.WARNING)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = None if request.user.is_superuser else request_merchant_or_none(request)
        days = selectors.daily_success_rates(merchant=merchant, days=14)
        totals = (sum(day.succeeded for day in days), sum(day.attempts for day in days))
        minutes = selectors.throughput_per_minute(merchant=merchant, minutes=THROUGHPUT_MINUTES)
        backlog = selectors.delivery_backlog(merchant=merchant)
        extra_context = {
            **(extra_context or {}),
            "success_chart": success_rate_chart(days),
            "success_totals": totals,
            # The operator view: is the engine keeping up?
            "throughput_chart": throughput_chart(minutes),
            "throughput_last_minute": minutes[-2].attempts if len(minutes) > 1 else 0,
            "throughput_minutes": THROUGHPUT_MINUTES,
            "backlog": backlog,
            "lag": _duration(backlog.lag_seconds),
        }
        return super().changelist_view(request, extra_context)
