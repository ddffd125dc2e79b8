"""The dashboard's home: "how is my shop doing" — four cards (this month's try-ons against the quota, content jobs
and images, webhook success rate and backlog, size recommendations and their helpful rate), each with a 30-day
chart, the outside services' queues, and a feed of recent activity. Every number comes from the apps'
selectors, scoped to the user's merchant (all merchants for a superuser without one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings as django_settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import charts
from common.remote.status import provider_statuses
from common.timeseries import last_days, month_start, start_of
from content import selectors as content_selectors
from content.models import ImageJob
from dashboard.frame import changelist, merchant_scope
from merchants.models import Merchant
from merchants.selectors import merchant_for_user, recent_api_keys
from sizing import selectors as sizing_selectors
from sizing.models import SizeFeedback
from tryon import selectors as tryon_selectors
from tryon.charts import usage_chart as tryon_usage_chart
from tryon.models import DailyUsage, TryOnJob
from tryon.providers.registry import engine_name as tryon_engine_name
from webhooks import charts as webhook_charts
from webhooks import selectors as webhook_selectors
from webhooks.models import DeliveryStatus, WebhookDelivery

CHART_DAYS = 30
FEED_LENGTH = 12


# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    key: str
    title: str
    icon: str
    number: str
    unit: str
    chart: charts.Chart
    link: str
    notes: list[str]
    meter: tuple[int, int] | None = None


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    icon: str
    tone: str  # "success", "danger" or "info"
    text: str
    link: str


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _tryon_card(merchant: Merchant | None, days: list) -> Card:
    usage = tryon_selectors.daily_usage(merchant=merchant, days=len(days))
    chart = tryon_usage_chart(usage)
    used = tryon_selectors.monthly_requests(merchant=merchant)
    if merchant is None:
        return Card(
            "tryon", _("이번 달 가상 피팅"), "checkroom", f"{used:,}", _("건"), chart, changelist(DailyUsage), []
        )
    quota = tryon_selectors.settings_for(merchant=merchant).monthly_quota
    percent = round(100 * used / quota) if quota else 100
    return Card(
        "tryon",
        _("이번 달 가상 피팅"),
        "checkroom",
        f"{used:,}",
        _("/ 한도 %(quota)s건") % {"quota": f"{quota:,}"},
        chart,
        changelist(DailyUsage),
        [_("한도의 %(percent)s%% 사용") % {"percent": percent}],
        meter=(min(used, quota), quota),
    )


def _content_card(merchant: Merchant | None, days: list) -> Card:
    totals = content_selectors.content_totals(merchant=merchant, since=start_of(month_start()))
    images = content_selectors.daily_images(merchant=merchant, days=days)
    chart = charts.daily_chart(
        "content-images",
        _("최근 30일 일별 생성 이미지"),
        days,
        [charts.Series(_("이미지"), [row["count"] for row in images], charts.PRIMARY)],
    )
    notes = [_("이번 달 생성 작업 %(jobs)s건") % {"jobs": f"{totals.jobs:,}"}]
    if totals.failed_jobs:
        notes.append(_("실패 %(failed)s건") % {"failed": totals.failed_jobs})
    return Card(
        "content",
        _("이번 달 콘텐츠 이미지"),
        "photo_library",
        f"{totals.images:,}",
        _("장"),
        chart,
        reverse("admin:content_generatedimage_gallery"),
        notes,
    )


def _webhook_card(merchant: Merchant | None, days: list) -> Card:
    daily = webhook_selectors.daily_success_rates(merchant=merchant, days=len(days), today=days[-1])
    attempts = sum(day.attempts for day in daily)
    succeeded = sum(day.succeeded for day in daily)
    backlog = webhook_selectors.delivery_counts(merchant=merchant)
    chart = webhook_charts.success_rate_chart(daily, _("최근 30일 일별 웹훅 발송 성공률 (%)"))
    notes = [
        _("대기 %(pending)s건 (재시도 중 %(retrying)s건)") % {"pending": backlog.pending, "retrying": backlog.retrying},
        _("실패 %(failed)s건") % {"failed": backlog.failed},
        _("최근 30일 시도 %(attempts)s건") % {"attempts": f"{attempts:,}"},
    ]
    return Card(
        "webhooks",
        _("웹훅 발송 성공률"),
        "webhook",
        _percent(100 * succeeded / attempts if attempts else None),
        "%",
        chart,
        changelist(WebhookDelivery),
        notes,
    )


def _sizing_card(merchant: Merchant | None, days: list) -> Card:
    daily = sizing_selectors.daily_recommendations(merchant=merchant, days=days)
    this_month = sizing_selectors.recommendations_since(merchant=merchant, day=month_start())
    helpful = sizing_selectors.helpful_summary(merchant=merchant, since=start_of(days[0]))
    chart = charts.daily_chart(
        "size-recommendations",
        _("최근 30일 일별 사이즈 추천"),
        days,
        [
            charts.Series(_("사이즈 추천"), [row["sized"] for row in daily], charts.PRIMARY),
            charts.Series(_("차트 없음"), [row["served"] - row["sized"] for row in daily], charts.MUTED),
        ],
        stacked=True,
    )
    rate = (
        _("도움됨 %(rate)s%% (%(helpful)s/%(total)s, 최근 30일)")
        % {"rate": _percent(helpful.rate), "helpful": helpful.helpful, "total": helpful.total}
        if helpful.total
        else _("최근 30일 피드백 없음")
    )
    return Card(
        "sizing",
        _("이번 달 사이즈 추천"),
        "straighten",
        f"{this_month:,}",
        _("건"),
        chart,
        changelist(SizeFeedback),
        [rate],
    )


def _change_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def recent_activity(merchant: Merchant | None, *, limit: int = FEED_LENGTH) -> list[ActivityItem]:
    """Jobs finished or failed, deliveries failing, keys issued or revoked: newest first."""
    items: list[ActivityItem] = []
    for job in content_selectors.recently_finished_jobs(merchant=merchant, limit=limit):
        if job.status == ImageJob.Status.COMPLETED:
            text = _("이미지 생성 완료 · %(event)s (%(count)s장)") % {
                "event": job.event_draft_id,
                "count": job.images_done,
            }
            items.append(
                ActivityItem(job.completed_at or job.created_at, "photo_library", "success", text, _change_url(job))
            )
        else:
            text = _("이미지 생성 실패 · %(event)s") % {"event": job.event_draft_id}
            items.append(ActivityItem(job.completed_at or job.created_at, "error", "danger", text, _change_url(job)))
    for tryon_job in tryon_selectors.recently_finished_jobs(merchant=merchant, limit=limit):
        product = tryon_job.product_title or str(tryon_job.pk)[:8]
        if tryon_job.status == TryOnJob.Status.COMPLETED:
            text = _("가상 피팅 완료 · %(product)s") % {"product": product}
            items.append(
                ActivityItem(
                    tryon_job.finished_at or tryon_job.created_at, "checkroom", "success", text, _change_url(tryon_job)
                )
            )
        else:
            text = _("가상 피팅 실패 · %(product)s") % {"product": product}
            items.append(
                ActivityItem(
                    tryon_job.finished_at or tryon_job.created_at, "error", "danger", text, _change_url(tryon_job)
                )
            )
    for delivery in webhook_selectors.recently_failed_deliveries(merchant=merchant, limit=limit):
        status = delivery.last_response_status or _("응답 없음")
        if delivery.status == DeliveryStatus.FAILED:
            template = _("웹훅 발송 실패 · %(event)s → %(url)s (%(status)s)")
        else:
            template = _("웹훅 재시도 대기 · %(event)s → %(url)s (%(status)s)")
        text = template % {"event": delivery.event_type, "url": delivery.endpoint.url, "status": status}
        items.append(
            ActivityItem(
                delivery.last_attempt_at or delivery.created_at, "sync_problem", "danger", text, _change_url(delivery)
            )
        )
    for key in recent_api_keys(merchant=merchant, limit=limit):
        items.append(
            ActivityItem(
                key.created_at, "key", "info", _("API 키 발급 · %(name)s") % {"name": key.name}, _change_url(key)
            )
        )
        if key.revoked_at:
            items.append(
                ActivityItem(
                    key.revoked_at,
                    "key_off",
                    "info",
                    _("API 키 폐기 · %(name)s") % {"name": key.name},
                    _change_url(key),
                )
            )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


@dataclass(frozen=True)
class ProviderRow:
    key: str
    name: str
    in_flight: int
    limit: int
    waiting: int
    merchant_in_flight: int
    merchant_waiting: int
    oldest_wait_seconds: int
    paused_seconds: int


PROVIDER_NAMES = {
    "fashn": gettext_lazy("FASHN 가상 피팅"),
    "product-image": gettext_lazy("상품 이미지 가져오기"),
    "stability": gettext_lazy("Stability AI 이미지"),
    "openai": gettext_lazy("OpenAI 이미지"),
}


def provider_health(merchant: Merchant | None) -> list[ProviderRow]:
    """Each outside service's slots in use and its queue, all shops together and this shop's share: how long a
    shopper's try-on or an event's artwork waits right now."""
    configured = {
        "fashn": tryon_engine_name() == "fashn",
        "product-image": True,
        "stability": bool(django_settings.STABILITY_API_KEY),
        "openai": bool(django_settings.OPENAI_API_KEY),
    }
    return [
        ProviderRow(
            key=status.provider,
            name=str(PROVIDER_NAMES.get(status.provider, status.provider)),
            in_flight=status.in_flight,
            limit=status.limit,
            waiting=status.waiting,
            merchant_in_flight=status.merchant_in_flight,
            merchant_waiting=status.merchant_waiting,
            oldest_wait_seconds=round(status.oldest_wait_seconds),
            paused_seconds=round(status.paused_seconds),
        )
        for status in provider_statuses(merchant_id=merchant.pk if merchant else None)
        if configured.get(status.provider) or status.in_flight or status.waiting
    ]


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    if not (request.user.is_superuser or merchant_for_user(request.user) is not None):
        return context
    merchant = merchant_scope(request)
    days = last_days(CHART_DAYS)
    context.update(
        {
            "title": _("홈"),
            "dashboard_merchant": merchant,
            "cards": [
                _tryon_card(merchant, days),
                _content_card(merchant, days),
                _webhook_card(merchant, days),
                _sizing_card(merchant, days),
            ],
            "activity": recent_activity(merchant),
            "providers": provider_health(merchant),
        }
    )
    return context
