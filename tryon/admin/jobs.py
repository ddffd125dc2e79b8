"""The try-on jobs' dashboard pages: the results gallery (before/after while the shopper's photo exists, engine and
preview badges) and the jobs with live progress and a readable summary."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from common.stored_text import translate_stored
from merchants.admin_base import (
    LiveJobAdmin,
    ReadOnlyMixin,
    label_html,
    progress_html,
)
from tryon import services, storage
from tryon.admin.ai import notice_record_html
from tryon.admin.sharing import good_rate_text
from tryon.models import TryOnFeedback, TryOnJob
from tryon.selectors import feedback_summary

STATUS_TONES: dict[str, str] = {
    TryOnJob.Status.PENDING: "",
    TryOnJob.Status.PROCESSING: "info",
    TryOnJob.Status.COMPLETED: "success",
    TryOnJob.Status.FAILED: "danger",
}
ENGINE_NAMES = {"offline": gettext_lazy("오프라인 엔진"), "fashn": "FASHN"}
PLACEMENTS = {"pose": gettext_lazy("신체 랜드마크에 맞춤"), "centered": gettext_lazy("가운데 배치 (신체를 찾지 못함)")}
CUTOUTS = {
    "alpha": gettext_lazy("투명 배경 사용"),
    "background-flood-fill": gettext_lazy("배경 제거"),
    "none": gettext_lazy("상품 사진 그대로"),
}
GALLERY_PER_PAGE = 24


def _image(name: str, alt: str, css: str = "tl-thumb-72") -> str:
    return format_html(
        '<img src="{}" alt="{}" class="{}" loading="lazy">', storage.signed_file_url(name, absolute=False), alt, css
    )


def shows_photo(job: TryOnJob) -> bool:
    # Privacy: the shopper's photo exists only while the job runs and is deleted the moment it ends.
    return bool(job.person_image) and not job.is_finished


def shows_result(job: TryOnJob) -> bool:
    return job.status == TryOnJob.Status.COMPLETED and bool(job.result_image) and not job.result_deleted_at


def engine_badges(job: TryOnJob) -> str:
    if not job.engine:
        return "—"
    badges = [label_html(ENGINE_NAMES.get(job.engine, job.engine), "info")]
    if job.metadata.get("preview"):
        badges.append(label_html(_("미리보기"), "warning"))
    return format_html_join(" ", "{}", ((badge,) for badge in badges))


def metadata_summary(job: TryOnJob) -> list[tuple[str, str]]:
    """What a merchant can read of the engine's record (the raw JSON stays for superusers)."""
    meta = job.metadata or {}
    rows: list[tuple[str, str]] = []
    if job.engine:
        rows.append((_("엔진"), str(ENGINE_NAMES.get(job.engine, job.engine))))
    if "preview" in meta:
        rows.append((_("결과 종류"), _("미리보기 (합성, AI 피팅 아님)") if meta["preview"] else _("AI 피팅")))
    if meta.get("placement"):
        rows.append((_("옷 배치"), str(PLACEMENTS.get(meta["placement"], meta["placement"]))))
    if "poseDetected" in meta:
        rows.append((_("신체 인식"), _("됨") if meta["poseDetected"] else _("안 됨")))
    if meta.get("garmentCutout"):
        rows.append((_("상품 사진 처리"), str(CUTOUTS.get(meta["garmentCutout"], meta["garmentCutout"]))))
    if "silhouetteClip" in meta:
        rows.append((_("몸 윤곽에 맞춰 자르기"), _("적용") if meta["silhouetteClip"] else _("적용 안 함")))
    if meta.get("mode"):
        rows.append((_("FASHN 모드"), str(meta["mode"])))
    if meta.get("providerRetries"):
        rows.append((_("한도 초과로 다시 시도"), _("%(count)s회") % {"count": meta["providerRetries"]}))
    if meta.get("errorCode"):
        rows.append((_("오류 코드"), str(meta["errorCode"])))
    if meta.get("note"):
        rows.append((_("메모"), translate_stored(str(meta["note"]))))
    return rows


@admin.register(TryOnJob)
class TryOnJobAdmin(ReadOnlyMixin, LiveJobAdmin):
    live_template = "tryon/admin/tryonjob_live.html"
    list_display = (
        "before",
        "after",
        "product",
        "status_label",
        "engine_label",
        "progress_label",
        "good_rate",
        "created_at",
    )
    list_filter = ("status", "category", "engine")
    search_fields = ("product_title", "id")
    date_hierarchy = "created_at"
    change_form_outer_before_template = "tryon/admin/tryonjob_live_block.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("feedback")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [
            "id",
            "product_title",
            "category",
            "product_image_url",
            "product_page_url",
            "processing_summary",
            "error_text",
            "created_at",
            "started_at",
            "finished_at",
            "result_expires_at",
            "result_deleted_at",
            "notice_record",
        ]
        if request.user.is_superuser:
            fields += ["merchant", "provider_job_id", "metadata_raw"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @display(description=gettext_lazy("사용자 사진"))
    def before(self, job: TryOnJob) -> str:
        if shows_photo(job):
            return _image(job.person_image, _("사용자 사진 (처리 중)"))
        return format_html('<span class="tl-card-note">{}</span>', _("삭제됨 (개인정보 보호)"))

    @display(description=gettext_lazy("결과"))
    def after(self, job: TryOnJob) -> str:
        if shows_result(job):
            return _image(job.result_image, _("피팅 결과"))
        if job.result_deleted_at:
            return _("보관 기간 만료")
        return "-"

    @display(description=gettext_lazy("상품"), ordering="product_title")
    def product(self, job: TryOnJob) -> str:
        return job.product_title or str(job.id)[:8]

    @display(description=gettext_lazy("상태"), ordering="status", label={s: t for s, t in STATUS_TONES.items()})
    def status_label(self, job: TryOnJob) -> tuple[str, str]:
        return job.status, job.get_status_display()

    @display(description=gettext_lazy("엔진"), ordering="engine")
    def engine_label(self, job: TryOnJob) -> str:
        return engine_badges(job)

    @display(description=gettext_lazy("진행률"), ordering="progress")
    def progress_label(self, job: TryOnJob) -> str:
        return progress_html(job.progress, 100, f"{job.progress}%")

    @display(description=gettext_lazy("GOOD 비율"))
    def good_rate(self, job: TryOnJob) -> str:
        votes = list(job.feedback.all())
        if not votes:
            return "-"
        good = sum(1 for vote in votes if vote.vote == TryOnFeedback.Vote.GOOD)
        return f"{round(100 * good / len(votes))}% ({good}/{len(votes)})"

    @display(description=gettext_lazy("처리 요약"))
    def processing_summary(self, job: TryOnJob) -> str:
        rows = metadata_summary(job)
        if not rows:
            return "—"
        return format_html('<dl class="tl-summary">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    @display(description=gettext_lazy("생성형 AI 고지 기록"))
    def notice_record(self, job: TryOnJob) -> str:
        return notice_record_html(job)

    @display(description=gettext_lazy("오류 메시지"))
    def error_text(self, job: TryOnJob) -> str:
        return translate_stored(job.error_message) or "-"

    @display(description=gettext_lazy("처리 정보 (원본, 운영자용)"))
    def metadata_raw(self, job: TryOnJob) -> str:
        return format_html("<pre>{}</pre>", json.dumps(job.metadata, ensure_ascii=False, indent=2))

    # --- live progress and gallery ---------------------------------------------------------------------
    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("gallery/", wrap(self.gallery_view), name="tryon_tryonjob_gallery"),
            *super().get_urls(),
        ]

    def live_context(self, job: TryOnJob) -> dict[str, Any]:
        return {
            "job": job,
            "status_label": label_html(job.get_status_display(), STATUS_TONES[job.status]),
            "progress": progress_html(job.progress, 100, f"{job.progress}%"),
            "engine": engine_badges(job),
            "photo": _image(job.person_image, _("사용자 사진 (처리 중)"), "tl-thumb-360") if shows_photo(job) else "",
            "result": _image(job.result_image, _("피팅 결과"), "tl-thumb-360") if shows_result(job) else "",
            "progress_url": self.progress_url(job),
            "poll": not job.is_finished,
            "error": translate_stored(job.error_message),
        }

    def gallery_view(self, request: HttpRequest) -> HttpResponse:
        jobs = self.get_queryset(request).select_related("merchant")
        status = request.GET.get("status", "")
        if status in TryOnJob.Status.values:
            jobs = jobs.filter(status=status)
        page = Paginator(jobs.order_by("-created_at"), GALLERY_PER_PAGE).get_page(request.GET.get("page"))
        tiles = []
        for job in page:
            votes = list(job.feedback.all())
            good = sum(1 for vote in votes if vote.vote == TryOnFeedback.Vote.GOOD)
            tiles.append(
                {
                    "job": job,
                    "status_label": label_html(job.get_status_display(), STATUS_TONES[job.status]),
                    "engine": engine_badges(job),
                    "photo": _image(job.person_image, _("사용자 사진 (처리 중)"), "") if shows_photo(job) else "",
                    "result": _image(job.result_image, _("피팅 결과"), "") if shows_result(job) else "",
                    "good_rate": f"{round(100 * good / len(votes))}% ({good}/{len(votes)})" if votes else "",
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("피팅 결과 갤러리"),
            "tiles": tiles,
            "page": page,
            "status_choices": TryOnJob.Status.choices,
            "status": status,
            "show_merchant": request.user.is_superuser,
        }
        return TemplateResponse(request, "tryon/admin/gallery.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        summary = feedback_summary(self.get_queryset(request))
        extra_context = {**(extra_context or {}), "subtitle": _("피드백 GOOD 비율: %s") % good_rate_text(summary)}
        return super().changelist_view(request, extra_context)

    def delete_model(self, request: HttpRequest, obj: TryOnJob) -> None:
        services.delete_tryon_job(job=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for job in queryset:
            services.delete_tryon_job(job=job)
