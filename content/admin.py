"""Dashboard pages of the Content Service: the image gallery (grouped by event, download, regenerate, delete),
jobs with live progress, and the merchant's content defaults."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from unfold.decorators import display
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminTextInputWidget,
)

from common import charts
from common.errors import InvalidInput, ServiceError
from common.images import open_untrusted_image
from common.provenance.marks import MarkPosition
from common.stored_text import translate_stored
from content import archive, services, storage
from content.constants import FontFamily, Platform, Style
from content.kafka.dashboard import JobSourceFilter, job_source_html
from content.models import ContentSettings, GeneratedImage, GeneratedImageQuerySet, ImageJob
from merchants.admin_base import (
    LiveJobAdmin,
    MerchantScopedAdmin,
    ReadOnlyMixin,
    label_html,
    progress_html,
    request_merchant,
    request_merchant_or_none,
)

STATUS_TONES: dict[str, str] = {
    ImageJob.Status.PENDING: "",
    ImageJob.Status.PROCESSING: "info",
    ImageJob.Status.COMPLETED: "success",
    ImageJob.Status.FAILED: "danger",
}
STATUS_COLOURS = {
    ImageJob.Status.PENDING: charts.MUTED,
    ImageJob.Status.PROCESSING: charts.PRIMARY,
    ImageJob.Status.COMPLETED: charts.SUCCESS,
    ImageJob.Status.FAILED: charts.DANGER,
}
GALLERY_EVENTS_PER_PAGE = 8


def image_src(image: GeneratedImage) -> str:
    return storage.site_url(image.file_name)


def thumbnail(image: GeneratedImage, size: int = 72) -> str:
    """The image at its real aspect ratio (width/height attributes), ``size`` pixels high."""
    return format_html(
        '<a href="{url}" target="_blank" rel="noopener"><img src="{url}" alt="{alt}" class="content-thumb '
        'tl-thumb-{size}" width="{w}" height="{h}" loading="lazy"></a>',
        url=image_src(image),
        alt=f"{image.get_style_display()} / {image.get_platform_display()}",
        size=size,
        w=image.width,
        h=image.height,
    )


def colour_swatch(colour: str) -> str:
    # An SVG fill, not a style attribute: the colour is data (validated #RRGGBB) and CSP-safe as markup.
    return format_html(
        '<span class="tl-swatch"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" rx="3" '
        'fill="{}" stroke="#0002"/></svg> {}</span>',
        colour,
        colour,
    )


def _zip_response(built: archive.Archive) -> HttpResponse:
    response = HttpResponse(built.data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{built.file_name}"'
    return response


def job_progress(job: ImageJob) -> str:
    text = f"{job.images_done}/{job.images_total}"
    return progress_html(job.images_done, job.images_total, text)


def duration_chart(jobs: list[ImageJob]) -> charts.Chart:
    """The latest finished jobs' durations, one bar each, coloured by how they ended."""
    finished = [job for job in jobs if job.duration_seconds is not None]

    def seconds(status: str) -> list[float | None]:
        return [
            round(job.duration_seconds, 1) if job.status == status and job.duration_seconds is not None else None
            for job in finished
        ]

    return charts.Chart(
        key="content-durations",
        title=_("최근 작업 소요 시간 (초)"),
        labels=[job.id.removeprefix("job-img-").removeprefix("job-regen-")[:6] for job in finished],
        series=[
            charts.Series(_("완료"), seconds(ImageJob.Status.COMPLETED), charts.SUCCESS),
            charts.Series(_("실패"), seconds(ImageJob.Status.FAILED), charts.DANGER),
        ],
        stacked=True,
        y_title=_("초"),
    )


def _event_info(job: ImageJob) -> dict[str, Any]:
    return (job.payload or {}).get("eventInfo") or {}


class ContentSettingsForm(forms.ModelForm):
    default_platforms = forms.MultipleChoiceField(
        label=gettext_lazy("기본 플랫폼"),
        choices=Platform.choices,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=gettext_lazy(
            "요청에 platforms가 없을 때 만들 플랫폼 (비우면 Instagram). ‘9장 모두’가 켜져 있으면 그쪽이 우선합니다."
        ),
    )
    logo = forms.FileField(
        label=gettext_lazy("기본 로고 올리기"),
        required=False,
        widget=UnfoldAdminFileFieldWidget,
        help_text=gettext_lazy("PNG, JPEG, WEBP 또는 GIF. 요청에 logoUrl이 없을 때 이미지에 넣습니다."),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("기본 로고 지우기"), required=False)
    font_family = forms.ChoiceField(
        label=gettext_lazy("글꼴"),
        choices=FontFamily.choices,
        required=False,
        widget=UnfoldAdminRadioSelectWidget,
        help_text=gettext_lazy("요청에 fontFamily가 없을 때 제목, 경품, 이벤트 정보에 쓰는 글꼴입니다."),
    )

    ai_mark_position = forms.ChoiceField(
        label=gettext_lazy("AI 생성 표시 위치"),
        choices=MarkPosition.choices,
        required=False,
        widget=UnfoldAdminRadioSelectWidget,
    )

    class Meta:
        model = ContentSettings
        fields = [
            "merchant",
            "render_all_platforms_by_default",
            "default_platforms",
            "brand_color",
            "secondary_color",
            "font_family",
            "ai_mark_visible",
            "ai_mark_position",
        ]
        widgets = {
            "brand_color": UnfoldAdminTextInputWidget(attrs={"placeholder": "#FF5733"}),
            "secondary_color": UnfoldAdminTextInputWidget(attrs={"placeholder": "#FFC107"}),
        }

    def clean_brand_color(self) -> str:
        return (self.cleaned_data.get("brand_color") or "").strip().upper()

    def clean_secondary_color(self) -> str:
        return (self.cleaned_data.get("secondary_color") or "").strip().upper()

    def clean_ai_mark_position(self) -> str:
        return self.cleaned_data.get("ai_mark_position") or MarkPosition.TOP_LEFT

    def clean_font_family(self) -> str:
        return self.cleaned_data.get("font_family") or FontFamily.NOTO_SANS_KR

    def clean_logo(self) -> bytes | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > settings.CONTENT_LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("로고 파일이 너무 큽니다 (최대 %(mb)sMB).") % {"mb": settings.CONTENT_LOGO_MAX_BYTES // (1024 * 1024)}
            )
        data = upload.read()
        try:
            open_untrusted_image(data, max_pixels=4096 * 4096)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(ContentSettings)
class ContentSettingsAdmin(MerchantScopedAdmin):
    form = ContentSettingsForm
    list_display = ("__str__", "platforms_in_use", "brand_color", "secondary_color", "font_family")
    readonly_fields = ("current_logo",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [
            "render_all_platforms_by_default",
            "default_platforms",
            "brand_color",
            "secondary_color",
            "font_family",
            "current_logo",
            "logo",
            "ai_mark_visible",
            "ai_mark_position",
        ]
        if obj is not None and obj.logo_image:
            fields.append("remove_logo")
        if request.user.is_superuser and obj is None:
            fields.insert(0, "merchant")
        return fields

    @display(description=gettext_lazy("만들 플랫폼 (요청에 없을 때)"))
    def platforms_in_use(self, preferences: ContentSettings) -> str:
        return ", ".join(
            str(Platform(platform).label) for platform in services.default_platforms(preferences.merchant, preferences)
        )

    @display(description=gettext_lazy("현재 기본 로고"))
    def current_logo(self, preferences: ContentSettings) -> str:
        if not preferences.logo_image:
            return _("없음")
        return format_html(
            '<img src="{}" alt="{}" class="tl-thumb-72 tl-logo">',
            storage.site_url(preferences.logo_image),
            _("기본 로고"),
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # The form declares its own extra fields; the admin must not restrict it to the model's.
        kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: ContentSettings, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            merchant = obj.merchant
        else:
            merchant = data["merchant"] if request.user.is_superuser else request_merchant(request)
        preferences = services.update_content_settings(
            merchant=merchant,
            render_all_platforms_by_default=data.get("render_all_platforms_by_default", False),
            default_platforms=list(data.get("default_platforms") or []),
            brand_color=data.get("brand_color", ""),
            secondary_color=data.get("secondary_color", ""),
            font_family=data.get("font_family") or FontFamily.NOTO_SANS_KR,
            logo=data.get("logo"),
            remove_logo=data.get("remove_logo", False),
            ai_mark_visible=data.get("ai_mark_visible", False),
            ai_mark_position=data.get("ai_mark_position") or None,
        )
        obj.pk, obj.merchant = preferences.pk, preferences.merchant

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        merchant = request_merchant_or_none(request)
        if merchant is not None and not request.user.is_superuser:
            # One row per merchant: its settings page is the list.
            preferences = services.content_settings_for(merchant=merchant)
            return HttpResponseRedirect(reverse("admin:content_contentsettings_change", args=[preferences.pk]))
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if request.user.is_superuser:
            return True
        merchant = request_merchant_or_none(request)
        return (
            super().has_add_permission(request)
            and merchant is not None
            and not ContentSettings.objects.filter(merchant=merchant).exists()
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
        info = _event_info(job)
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
    actions = ["regenerate_selected", "remove_from_listing", "download_zip"]

    def get_queryset(self, request: HttpRequest) -> GeneratedImageQuerySet:
        # The merchant-scoped queryset of GeneratedImage.objects, which is a GeneratedImageQuerySet.
        return cast(GeneratedImageQuerySet, super().get_queryset(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    @display(description=gettext_lazy("미리보기"))
    def preview(self, image: GeneratedImage) -> str:
        return thumbnail(image)

    @display(description=gettext_lazy("미리보기"))
    def large_preview(self, image: GeneratedImage) -> str:
        return thumbnail(image, 360)

    @display(description=gettext_lazy("목록에 표시"), boolean=True)
    def listed(self, image: GeneratedImage) -> bool:
        return image.is_listed

    @admin.action(description=gettext_lazy("선택한 이미지 다시 만들기"))
    def regenerate_selected(self, request: HttpRequest, queryset: GeneratedImageQuerySet) -> None:
        started = 0
        for image in queryset.listed():
            if self._regenerate(request, image, data={}) is not None:
                started += 1
        if started:
            self.message_user(
                request, _("%(count)s개 이미지의 재생성을 시작했습니다.") % {"count": started}, messages.SUCCESS
            )

    @admin.action(description=gettext_lazy("선택한 이미지를 목록에서 삭제 (CDN 파일은 유지)"))
    def remove_from_listing(self, request: HttpRequest, queryset: GeneratedImageQuerySet) -> None:
        removed = 0
        for image in queryset.listed():
            services.delete_image(merchant=image.merchant, image_id=image.id)
            removed += 1
        self.message_user(
            request, _("%(count)s개 이미지를 목록에서 삭제했습니다.") % {"count": removed}, messages.SUCCESS
        )

    @admin.action(description=gettext_lazy("선택한 이미지를 ZIP으로 내려받기"))
    def download_zip(self, request: HttpRequest, queryset: GeneratedImageQuerySet) -> HttpResponse:
        images = list(queryset.order_by("event_draft_id", "platform", "style", "id"))
        events = {image.event_draft_id for image in images}
        name = archive.archive_file_name(events.pop()) if len(events) == 1 else "images.zip"
        return _zip_response(archive.build_archive(images, file_name=name))

    def _regenerate(self, request: HttpRequest, image: GeneratedImage, data: dict) -> ImageJob | None:
        try:
            return services.request_regeneration(merchant=image.merchant, image_id=image.id, data=data).job
        except ServiceError as exc:
            self.message_user(request, f"{image.id}: {translate_stored(exc.message)}", messages.ERROR)
            return None

    # --- gallery ----------------------------------------------------------------------------------------
    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("gallery/", wrap(self.gallery_view), name="content_generatedimage_gallery"),
            path("gallery/archive/", wrap(self.archive_view), name="content_generatedimage_archive"),
            path("<path:object_id>/download/", wrap(self.download_view), name="content_generatedimage_download"),
            path("<path:object_id>/regenerate/", wrap(self.regenerate_view), name="content_generatedimage_regenerate"),
            path("<path:object_id>/remove/", wrap(self.remove_view), name="content_generatedimage_remove"),
            *super().get_urls(),
        ]

    def _listed_image(self, request: HttpRequest, object_id: str) -> GeneratedImage:
        image = self.get_object(request, object_id)
        if image is None or not self.has_view_permission(request, image):
            raise Http404
        return image

    def _back(self, request: HttpRequest) -> HttpResponseRedirect:
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:content_generatedimage_gallery")
        return HttpResponseRedirect(target)

    def gallery_view(self, request: HttpRequest) -> HttpResponse:
        """Listed images grouped by event (newest event first), filtered by platform and style."""
        images = self.get_queryset(request).listed()
        platform, style = request.GET.get("platform", ""), request.GET.get("style", "")
        if platform in Platform.values:
            images = images.filter(platform=platform)
        if style in Style.values:
            images = images.filter(style=style)
        events = images.values("merchant_id", "event_draft_id").annotate(latest=Max("created_at")).order_by("-latest")
        page = Paginator(events, GALLERY_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
        keys = [(event["merchant_id"], event["event_draft_id"]) for event in page]
        selected = Q(pk__in=[])
        for merchant_id, event_draft_id in keys:
            selected |= Q(merchant_id=merchant_id, event_draft_id=event_draft_id)
        grouped: dict[tuple[int, str], list[GeneratedImage]] = {key: [] for key in keys}
        for image in images.filter(selected).select_related("job", "merchant").order_by("platform", "style", "id"):
            image.src = image_src(image)  # type: ignore[attr-defined]  # read by the gallery template
            grouped[(image.merchant_id, image.event_draft_id)].append(image)
        groups = []
        for (_merchant_id, event_draft_id), members in grouped.items():
            info = _event_info(max(members, key=lambda image: image.created_at).job)
            groups.append(
                {
                    "archive_query": urlencode({"event": event_draft_id, "merchant": str(members[0].merchant_id)}),
                    "event_draft_id": event_draft_id,
                    "title": info.get("title") or event_draft_id,
                    "gift": info.get("giftName") or "",
                    "merchant": members[0].merchant,
                    "latest": max(image.created_at for image in members),
                    "images": members,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("이미지 갤러리"),
            "groups": groups,
            "page": page,
            # Not "styles": unfold's base template lists its stylesheets under that name.
            "platform_choices": Platform.choices,
            "style_choices": Style.choices,
            "platform": platform,
            "style": style,
            "show_merchant": request.user.is_superuser,
        }
        return TemplateResponse(request, "content/admin/gallery.html", context)

    def archive_view(self, request: HttpRequest) -> HttpResponse:
        """Every listed image of one event (``?event=…``; a superuser also names ``&merchant=…``) as one ZIP."""
        event_draft_id = request.GET.get("event", "")
        queryset = self.get_queryset(request).listed().filter(event_draft_id=event_draft_id)
        merchant_id = request.GET.get("merchant", "")
        if merchant_id.isdigit():
            queryset = queryset.filter(merchant_id=int(merchant_id))
        images = list(queryset.order_by("platform", "style", "id"))
        if not event_draft_id or not images or len({image.merchant_id for image in images}) != 1:
            raise Http404
        return _zip_response(archive.build_archive(images, file_name=archive.archive_file_name(event_draft_id)))

    def download_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        image = self._listed_image(request, object_id)
        handle = storage.open_file(image.file_name)
        extension = image.file_name.rsplit(".", 1)[-1] if "." in image.file_name else "png"
        filename = f"{image.event_draft_id}-{image.platform.lower()}-{image.style.lower()}.{extension}"
        return FileResponse(handle, as_attachment=True, filename=filename)

    def regenerate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._regenerate_view)(request, object_id)

    def _regenerate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        image = self._listed_image(request, object_id)
        if not image.is_listed:
            self.message_user(request, _("이미 삭제되었거나 다시 만든 이미지입니다."), messages.WARNING)
            return self._back(request)
        style = request.POST.get("style", "")
        job = self._regenerate(request, image, data={"style": style} if style in Style.values else {})
        if job is None:
            return self._back(request)
        self.message_user(
            request, _("이미지를 다시 만들고 있습니다. 이 페이지에서 진행 상황을 볼 수 있습니다."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:content_imagejob_change", args=[job.pk]))

    def remove_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._remove_view)(request, object_id)

    def _remove_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        image = self._listed_image(request, object_id)
        if image.is_listed:
            services.delete_image(merchant=image.merchant, image_id=image.id)
            self.message_user(request, _("이미지를 목록에서 삭제했습니다 (CDN 파일은 유지됩니다)."), messages.SUCCESS)
        return self._back(request)
