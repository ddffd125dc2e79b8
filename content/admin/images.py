"""Generated images: the list with previews, and its actions (regenerate, remove from the listing, ZIP)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from content import archive, services
from content.admin.display import thumbnail, zip_response
from content.admin.gallery import ImageGalleryViews
from content.models import GeneratedImage, GeneratedImageQuerySet
from merchants.admin_base import (
    ReadOnlyMixin,
)


@admin.register(GeneratedImage)
class GeneratedImageAdmin(ReadOnlyMixin, ImageGalleryViews):
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
        return zip_response(archive.build_archive(images, file_name=name))
