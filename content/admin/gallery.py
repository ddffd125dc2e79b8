"""The image gallery: by event, with downloads, ZIP archives, regeneration and removal from the listing."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import ServiceError
from common.stored_text import translate_stored
from content import archive, services, storage
from content.admin.display import GALLERY_EVENTS_PER_PAGE, event_info, image_src, zip_response
from content.constants import Platform, Style
from content.models import GeneratedImage, GeneratedImageQuerySet, ImageJob
from merchants.admin_base import MerchantScopedAdmin


class ImageGalleryViews(MerchantScopedAdmin):
    """The gallery application on the images' admin: images grouped by event (newest first), filtered by
    platform and style, each downloadable, regenerable and removable from the listing; an event's ZIP."""

    def get_queryset(self, request: HttpRequest) -> GeneratedImageQuerySet:
        # The merchant-scoped queryset of GeneratedImage.objects, which is a GeneratedImageQuerySet.
        return cast(GeneratedImageQuerySet, super().get_queryset(request))

    def _regenerate(self, request: HttpRequest, image: GeneratedImage, data: dict) -> ImageJob | None:
        try:
            return services.request_regeneration(merchant=image.merchant, image_id=image.id, data=data).job
        except ServiceError as exc:
            self.message_user(request, f"{image.id}: {translate_stored(exc.message)}", messages.ERROR)
            return None

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
            info = event_info(max(members, key=lambda image: image.created_at).job)
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
        return zip_response(archive.build_archive(images, file_name=archive.archive_file_name(event_draft_id)))

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
