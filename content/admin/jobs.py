"""Image generation jobs: live progress, where a job came from (API or Kafka), durations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from common.stored_text import translate_stored
from content.admin.display import STATUS_TONES, colour_swatch, duration_chart, event_info, job_progress, thumbnail
from content.constants import FontFamily, Platform, Style
from content.kafka.dashboard import JobSourceFilter, job_source_html
from content.models import ImageJob
from merchants.admin_base import (
    LiveJobAdmin,
    ReadOnlyMixin,
    label_html,
)


@admin.register(ImageJob)
class ImageJobAdmin(ReadOnlyMixin, LiveJobAdmin):
    live_template = "content/admin/imagejob_live.html"
    list_display = (
        "id",
        "event_draft_id",
        "kind",
        "source",
        "status_label",
        "progress",
        "thumbnails",
        "from_cache",
        "created_at",
        "duration",
    )
    list_filter = ("status", "kind", JobSourceFilter, "from_cache")
    search_fields = ("id", "event_draft_id")
    list_before_template = "content/admin/imagejob_overview.html"
    change_form_outer_before_template = "content/admin/imagejob_live_block.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("kafka_source").prefetch_related("result_images")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [
            "id",
            "kind",
            "source",
            "event_draft_id",
            "request_summary",
            "source_image_link",
            "from_cache",
            "attempts_summary",
            "error_summary",
            "created_at",
            "started_at",
            "completed_at",
        ]
        if request.user.is_superuser:
            fields += ["merchant", "payload", "provider_attempts"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @display(description=gettext_lazy("상태"), ordering="status", label={s: t for s, t in STATUS_TONES.items()})
    def status_label(self, job: ImageJob) -> tuple[str, str]:
        return job.status, job.get_status_display()

    @display(description=gettext_lazy("접수 경로"))
    def source(self, job: ImageJob) -> str:
        return job_source_html(job)

    @display(description=gettext_lazy("진행률"))
    def progress(self, job: ImageJob) -> str:
        return job_progress(job)

    @display(description=gettext_lazy("이미지"))
    def thumbnails(self, job: ImageJob) -> str:
        images = [image for image in job.result_images.all() if image.is_listed][:9]
        if not images:
            return "—"
        return format_html(
            '<div class="tl-thumb-row">{}</div>',
            format_html_join("", "{}", ((thumbnail(image, 40),) for image in images)),
        )

    @display(description=gettext_lazy("소요 시간"))
    def duration(self, job: ImageJob) -> str:
        seconds = job.duration_seconds
        return "—" if seconds is None else _("%(seconds).1f초") % {"seconds": seconds}

    @display(description=gettext_lazy("요청 내용"))
    def request_summary(self, job: ImageJob) -> str:
        info = event_info(job)
        styles = ", ".join(str(Style(style).label) for style in job.payload.get("styles", []) if style in Style.values)
        platforms = ", ".join(
            str(Platform(platform).label)
            for platform in job.payload.get("platforms", [])
            if platform in Platform.values
        )
        colour = info.get("brandColor") or ""
        secondary = info.get("secondaryColor") or ""
        font = info.get("fontFamily") or FontFamily.NOTO_SANS_KR
        rows = [
            (_("이벤트 제목"), info.get("title") or "—"),
            (_("경품"), info.get("giftName") or "—"),
            (_("매장 이름"), info.get("storeName") or "—"),
            (_("기간"), info.get("period") or "—"),
            (_("참여 문구"), info.get("callToAction") or "—"),
            (_("이벤트 링크 (QR)"), info.get("eventUrl") or "—"),
            (_("브랜드 색상"), colour_swatch(colour) if colour else "—"),
            (_("보조 색상"), colour_swatch(secondary) if secondary else "—"),
            (_("글꼴"), FontFamily(font).label if font in FontFamily.values else font),
            (_("로고"), _("있음") if info.get("logoImage") else _("없음")),
            (_("스타일"), styles or "—"),
            (_("플랫폼"), platforms or "—"),
        ]
        return format_html('<dl class="tl-summary">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    @display(description=gettext_lazy("원본 이미지 (재생성)"))
    def source_image_link(self, job: ImageJob) -> str:
        if job.source_image is None:
            return "—"
        return thumbnail(job.source_image, 120)

    @display(description=gettext_lazy("AI 호출 기록"))
    def attempts_summary(self, job: ImageJob) -> str:
        attempts = job.provider_attempts or []
        if not attempts:
            return _("AI 제공자를 거치지 않았습니다 (기본 템플릿 또는 캐시).")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((str(item),) for item in attempts)))

    @display(description=gettext_lazy("오류"))
    def error_summary(self, job: ImageJob) -> str:
        if not (job.error_code or job.error_detail):
            return "—"
        return format_html("{}<br><small>{}</small>", job.error_code, translate_stored(job.error_detail))

    def live_context(self, job: ImageJob) -> dict[str, Any]:
        images = list(job.produced_images.order_by("created_at", "id")) or list(job.result_images.all())
        return {
            "job": job,
            "status_label": label_html(job.get_status_display(), STATUS_TONES[job.status]),
            "progress": job_progress(job),
            "percent": round(100 * job.images_done / job.images_total) if job.images_total else 0,
            "images": [(image, thumbnail(image, 120)) for image in images],
            "progress_url": self.progress_url(job),
            "poll": not job.is_finished,
            "error_detail": translate_stored(job.error_detail),
        }

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        scoped = self.get_queryset(request)
        latest = list(scoped.filter(from_cache=False, completed_at__isnull=False).order_by("-completed_at")[:30])
        counts = dict(scoped.values_list("status").annotate(n=Count("id")).order_by())
        extra_context = {
            **(extra_context or {}),
            "duration_chart": duration_chart(list(reversed(latest))),
            "status_counts": [
                (ImageJob.Status(status).label, counts.get(status, 0), tone) for status, tone in STATUS_TONES.items()
            ],
        }
        return super().changelist_view(request, extra_context)
