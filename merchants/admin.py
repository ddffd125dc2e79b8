from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from common.errors import InvalidInput
from merchants.admin_base import (
    MerchantScopedAdmin,
    label_html,
    request_merchant,
    request_merchant_or_none,
    show_once_response,
)
from merchants.models import ApiKey, Membership, Merchant
from merchants.origins import normalize_origins
from merchants.services import issue_api_key, revoke_api_key, set_allowed_origins

admin.site.site_header = "Toile · Content"
admin.site.site_title = gettext_lazy("가맹점 대시보드")
admin.site.index_title = gettext_lazy("홈")


# Users and groups are superuser pages (merchant users get 403 there); re-registered to wear the same theme.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, UnfoldModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, UnfoldModelAdmin):
    pass


class MembershipInline(TabularInline):
    model = Membership
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(MerchantScopedAdmin):
    merchant_path = "pk"
    list_display = ("name", "created_at")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset: QuerySet[Merchant] = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        merchant = request_merchant_or_none(request)
        return queryset.filter(pk=merchant.pk) if merchant else queryset.none()

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return [MembershipInline] if request.user.is_superuser else []

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class ApiKeyForm(forms.ModelForm):
    """Issue a secret or a publishable key; a publishable key's allowed origins are edited here too."""

    kind = forms.ChoiceField(
        label=gettext_lazy("종류"),
        choices=ApiKey.Kind.choices,
        initial=ApiKey.Kind.SECRET,
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("비밀 키는 서버에서만, 공개 키는 쇼핑몰 페이지의 위젯(toile.js)에 넣어 사용합니다."),
    )
    origins_text = forms.CharField(
        label=gettext_lazy("허용 Origin"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://shop.example.com"}),
        help_text=gettext_lazy("공개 키만: 위젯을 붙일 쇼핑몰 주소를 한 줄에 하나씩 (https://도메인, 경로 없이)."),
    )

    class Meta:
        model = ApiKey
        fields = ["name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "origins_text" in self.fields:
            self.fields["origins_text"].initial = "\n".join(self.instance.allowed_origins)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = self.instance.kind if self.instance.pk else (cleaned.get("kind") or ApiKey.Kind.SECRET)
        cleaned["kind"] = kind
        lines = [line.strip() for line in (cleaned.get("origins_text") or "").splitlines() if line.strip()]
        if kind == ApiKey.Kind.PUBLISHABLE:
            try:
                cleaned["allowed_origins"] = normalize_origins(lines)
            except InvalidInput as exc:
                self.add_error("origins_text", exc.message)
                return cleaned
            if not cleaned["allowed_origins"]:
                self.add_error("origins_text", "공개 키에는 허용할 Origin(쇼핑몰 주소)이 하나 이상 필요합니다.")
        elif lines:
            self.add_error("origins_text", "비밀 키에는 Origin을 지정하지 않습니다: 브라우저에서 쓰지 않는 키입니다.")
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(MerchantScopedAdmin):
    form = ApiKeyForm
    list_display = ("name", "kind", "prefix", "origins", "status", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind", "revoked_at")
    search_fields = ("name", "prefix")
    actions = ["revoke_selected"]
    change_form_outer_before_template = "admin/merchants/apikey_actions.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            fields = ["name", "kind", "origins_text"]
            if request.user.is_superuser:
                fields.append("merchant")
            return fields
        fields = ["name", "kind", "prefix"]
        if obj.is_publishable:
            fields += ["origins_text", "widget_snippet"]
        return fields + ["created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("kind", "prefix", "widget_snippet", "created_at", "last_used_at", "revoked_at")

    @display(description=gettext_lazy("상태"))
    def status(self, obj: ApiKey) -> str:
        return label_html(_("활성"), "success") if obj.is_active else label_html(_("폐기됨"), "danger")

    @display(description=gettext_lazy("허용 Origin"))
    def origins(self, obj: ApiKey) -> str:
        return ", ".join(obj.allowed_origins) if obj.is_publishable else "-"

    @display(description=gettext_lazy("쇼핑몰에 붙여 넣을 코드"))
    def widget_snippet(self, obj: ApiKey) -> str:
        if not obj.is_publishable:
            return "-"
        return format_html(
            '<pre id="widget-snippet" style="white-space:pre-wrap;user-select:all">{}</pre>',
            widget_snippet(obj.publishable_key),
        )

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            origins = form.cleaned_data.get("allowed_origins")
            if obj.is_publishable and origins and origins != obj.allowed_origins:
                set_allowed_origins(api_key=obj, allowed_origins=origins)
            return
        merchant = obj.merchant if request.user.is_superuser else request_merchant(request)
        issued = issue_api_key(
            merchant=merchant,
            name=obj.name,
            kind=form.cleaned_data["kind"],
            allowed_origins=form.cleaned_data.get("allowed_origins") or (),
        )
        for field in ("pk", "kind", "prefix", "hashed_key", "allowed_origins", "publishable_key", "created_at"):
            setattr(obj, field, getattr(issued.api_key, field))
        # Kept only on this in-memory object for the one response that shows it.
        obj._raw_key = issued.raw_key  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: Any = None) -> HttpResponse:
        raw_key = getattr(obj, "_raw_key", "")
        return show_once_response(
            self,
            request,
            "admin/merchants/apikey_issued.html",
            title=_("공개 키가 발급되었습니다") if obj.is_publishable else _("API 키가 발급되었습니다"),
            api_key=obj,
            raw_key=raw_key,
            snippet=widget_snippet(raw_key) if obj.is_publishable else "",
        )

    @admin.action(description=gettext_lazy("선택한 API 키 폐기"))
    def revoke_selected(self, request: HttpRequest, queryset: Any) -> None:
        for api_key in queryset:
            revoke_api_key(api_key=api_key)
        self.message_user(
            request, _("%(count)s개의 API 키를 폐기했습니다.") % {"count": queryset.count()}, messages.SUCCESS
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(require_POST(self.revoke_view))
        return [path("<path:object_id>/revoke/", view, name="merchants_apikey_revoke"), *super().get_urls()]

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        api_key = self.get_object(request, object_id)
        if api_key is None:
            raise Http404
        if api_key.is_active:
            revoke_api_key(api_key=api_key)
            self.message_user(
                request, _("API 키를 폐기했습니다. 이 키로 오는 요청은 이제 401입니다."), messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:merchants_apikey_change", args=[api_key.pk]))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


def widget_snippet(publishable_key: str) -> str:
    """The installation code of docs/widget.md with this key (the product div shows the attributes to fill)."""
    return (
        f'<script src="{settings.PUBLIC_BASE_URL}/widget/v1/toile.js" data-toile-key="{publishable_key}" defer>'
        "</script>\n"
        '<div data-toile-product="상품코드" data-toile-product-image="상품 이미지 URL"\n'
        '     data-toile-category="upper_body" data-toile-product-title="상품명"></div>'
    )
