"""The merchant's content defaults and brand kit (platforms, colours, logo, typeface, the visible AI mark)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import display
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminTextInputWidget,
)

from common.errors import InvalidInput
from common.images import open_untrusted_image
from common.provenance.marks import MarkPosition
from content import services, storage
from content.constants import FontFamily, Platform
from content.models import ContentSettings
from merchants.admin_base import (
    MerchantScopedAdmin,
    request_merchant,
    request_merchant_or_none,
)


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
