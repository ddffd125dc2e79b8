"""Dashboard pages of the Content Service: jobs with progress, images with thumbnails, merchant settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from unfold.admin import TabularInline

from common.errors import ServiceError
from content import services
from content.models import ContentSettings, GeneratedImage, ImageJob
from content.selectors import image_url
from merchants.admin_base import MerchantScopedAdmin, MerchantScopedInline, ReadOnlyMixin, request_merchant_or_none

STATUS_COLORS = {
    ImageJob.Status.PENDING: "#9e9e9e",
    ImageJob.Status.PROCESSING: "#1e88e5",
    ImageJob.Status.COMPLETED: "#43a047",
    ImageJob.Status.FAILED: "#e53935",
}


def thumbnail(image: GeneratedImage, height: int = 72) -> str:
    return format_html(
        '<a href="{url}" target="_blank" rel="noopener"><img src="{url}" alt="{alt}" class="content-thumb" '
        'style="height:{h}px;width:auto;border-radius:4px;border:1px solid #ddd" loading="lazy"></a>',
        url=image_url(image.file_name),
        alt=f"{image.get_style_display()} / {image.get_platform_display()}",
        h=height,
    )


def progress_bar(done: int, total: int, color: str) -> str:
    """An inline SVG bar: no JavaScript, no external assets."""
    width = 120
    filled = round(width * done / total) if total else 0
    return format_html(
        '<svg width="{w}" height="14" role="img" aria-label="{done}/{total}">'
        '<rect width="{w}" height="14" rx="3" fill="#eee"/><rect width="{f}" height="14" rx="3" fill="{c}"/>'
        '<text x="{tx}" y="11" font-size="10" text-anchor="middle" fill="#222">{done}/{total}</text></svg>',
        w=width,
        f=filled,
        c=color,
        done=done,
        total=total,
        tx=width // 2,
    )


@admin.register(ContentSettings)
class ContentSettingsAdmin(MerchantScopedAdmin):
    list_display = ("__str__", "render_all_platforms_by_default")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if request.user.is_superuser:
            return True
        merchant = request_merchant_or_none(request)
        return (
            super().has_add_permission(request)
            and merchant is not None
            and not ContentSettings.objects.filter(merchant=merchant).exists()
        )


class ProducedImageInline(ReadOnlyMixin, MerchantScopedInline, TabularInline):
    model = GeneratedImage
    fk_name = "job"
    extra = 0
    can_delete = False
    fields = ("preview", "id", "style", "platform", "provider", "fallback_used", "listed")
    readonly_fields = fields
    verbose_name = "생성된 이미지"
    verbose_name_plural = "생성된 이미지"

    @admin.display(description="미리보기")
    def preview(self, image: GeneratedImage) -> str:
        return thumbnail(image, 120)

    @admin.display(description="목록에 표시", boolean=True)
    def listed(self, image: GeneratedImage) -> bool:
        return image.is_listed


@admin.register(ImageJob)
class ImageJobAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = (
        "id",
        "event_draft_id",
        "kind",
        "status_badge",
        "progress",
        "thumbnails",
        "from_cache",
        "created_at",
        "duration",
    )
    list_filter = ("status", "kind", "from_cache")
    search_fields = ("id", "event_draft_id")
    readonly_fields = (
        "id",
        "kind",
        "event_draft_id",
        "status_badge",
        "progress",
        "from_cache",
        "source_image",
        "provider_attempts",
        "error_code",
        "error_detail",
        "created_at",
        "started_at",
        "completed_at",
        "payload",
    )
    exclude = ("result_images", "status", "images_total", "images_done")
    inlines = [ProducedImageInline]
    change_list_template = "content/admin/imagejob_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("result_images")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @admin.display(description="상태", ordering="status")
    def status_badge(self, job: ImageJob) -> str:
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;font-size:11px;'
            'white-space:nowrap">{}</span>',
            STATUS_COLORS[job.status],
            job.get_status_display(),
        )

    @admin.display(description="진행률")
    def progress(self, job: ImageJob) -> str:
        return progress_bar(job.images_done, job.images_total, STATUS_COLORS[job.status])

    @admin.display(description="이미지")
    def thumbnails(self, job: ImageJob) -> str:
        images = [image for image in job.result_images.all() if image.is_listed][:9]
        if not images:
            return "—"
        return format_html(
            '<div style="display:flex;flex-wrap:wrap;gap:4px;width:{}px">{}</div>',
            3 * 58,
            format_html_join("", "{}", ((thumbnail(image, 40),) for image in images)),
        )

    @admin.display(description="소요 시간")
    def duration(self, job: ImageJob) -> str:
        seconds = job.duration_seconds
        return "—" if seconds is None else f"{seconds:.1f}초"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # type: ignore[no-untyped-def]
        jobs = self.get_queryset(request).filter(from_cache=False, completed_at__isnull=False)[:30]
        durations = [(job.id, job.duration_seconds or 0.0, job.status) for job in reversed(list(jobs))]
        counts = dict(self.get_queryset(request).values_list("status").annotate(n=Count("id")).order_by())
        extra_context = {
            **(extra_context or {}),
            "duration_chart": duration_chart(durations),
            "status_counts": [(ImageJob.Status(s).label, counts.get(s, 0), STATUS_COLORS[s]) for s in ImageJob.Status],
        }
        return super().changelist_view(request, extra_context)


def duration_chart(durations: list[tuple[str, float, str]]) -> str:
    """Bars of the latest jobs' durations (seconds), as an inline SVG."""
    if not durations:
        return ""
    width, height, gap = 600, 120, 4
    bar = min(24, max(4, (width - gap * len(durations)) // len(durations)))
    longest = max(seconds for _, seconds, _ in durations) or 1.0
    bars = []
    for index, (job_id, seconds, status) in enumerate(durations):
        bar_height = max(2, round((height - 20) * seconds / longest))
        bars.append(
            (
                index * (bar + gap),
                height - bar_height,
                bar,
                bar_height,
                STATUS_COLORS[status],
                f"{job_id}: {seconds:.1f}s",
            )
        )
    return format_html(
        '<svg width="{}" height="{}" role="img" aria-label="최근 작업 소요 시간">{}'
        '<text x="0" y="12" font-size="11" fill="#555">최대 {}초</text></svg>',
        width,
        height,
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            bars,
        ),
        f"{longest:.1f}",
    )


@admin.register(GeneratedImage)
class GeneratedImageAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = (
        "preview",
        "id",
        "event_draft_id",
        "style",
        "platform",
        "provider",
        "fallback_used",
        "listed",
        "created_at",
    )
    list_filter = ("style", "platform", "provider", "fallback_used")
    search_fields = ("id", "event_draft_id")
    readonly_fields = (
        "large_preview",
        "id",
        "event_draft_id",
        "style",
        "platform",
        "width",
        "height",
        "provider",
        "fallback_used",
        "job",
        "created_at",
        "deleted_at",
        "replaced_by",
    )
    exclude = ("file_name",)
    actions = ["regenerate_selected", "remove_from_listing"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @admin.display(description="미리보기")
    def preview(self, image: GeneratedImage) -> str:
        return thumbnail(image)

    @admin.display(description="미리보기")
    def large_preview(self, image: GeneratedImage) -> str:
        return thumbnail(image, 360)

    @admin.display(description="목록에 표시", boolean=True)
    def listed(self, image: GeneratedImage) -> bool:
        return image.is_listed

    @admin.action(description="선택한 이미지 다시 만들기")
    def regenerate_selected(self, request: HttpRequest, queryset: QuerySet[GeneratedImage]) -> None:
        started = 0
        for image in queryset.filter(deleted_at__isnull=True, replaced_by__isnull=True):
            try:
                services.request_regeneration(merchant=image.merchant, image_id=image.id, data={})
            except ServiceError as exc:
                self.message_user(request, f"{image.id}: {exc.message}", messages.ERROR)
                continue
            started += 1
        if started:
            self.message_user(request, f"{started}개 이미지의 재생성을 시작했습니다.", messages.SUCCESS)

    @admin.action(description="선택한 이미지를 목록에서 삭제 (CDN 파일은 유지)")
    def remove_from_listing(self, request: HttpRequest, queryset: QuerySet[GeneratedImage]) -> None:
        removed = 0
        for image in queryset.filter(deleted_at__isnull=True, replaced_by__isnull=True):
            services.delete_image(merchant=image.merchant, image_id=image.id)
            removed += 1
        self.message_user(request, f"{removed}개 이미지를 목록에서 삭제했습니다.", messages.SUCCESS)
