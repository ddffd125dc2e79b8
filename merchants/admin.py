from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.admin import TabularInline

from merchants.admin_base import MerchantScopedAdmin, request_merchant_or_none, show_once_response
from merchants.models import ApiKey, Membership, Merchant
from merchants.services import hash_api_key, issue_api_key, revoke_api_key

admin.site.site_header = "Toile · Content 대시보드"
admin.site.site_title = "가맹점 대시보드"
admin.site.index_title = "대시보드"


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
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        merchant = request_merchant_or_none(request)
        return queryset.filter(pk=getattr(merchant, "pk", None))

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return [MembershipInline] if request.user.is_superuser else []

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(ApiKey)
class ApiKeyAdmin(MerchantScopedAdmin):
    list_display = ("name", "prefix", "status", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    actions = ["revoke_selected"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name"]
        if request.user.is_superuser and obj is None:
            fields.append("merchant")
        if obj is not None:
            fields += ["prefix", "created_at", "last_used_at", "revoked_at"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("prefix", "created_at", "last_used_at", "revoked_at") if obj is not None else ()

    @admin.display(description="상태")
    def status(self, obj: ApiKey) -> str:
        return "활성" if obj.is_active else "폐기됨"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        merchant = obj.merchant if request.user.is_superuser else request_merchant_or_none(request)
        issued = issue_api_key(merchant=merchant, name=obj.name)
        obj.pk = issued.api_key.pk
        obj.prefix = issued.api_key.prefix
        obj.hashed_key = hash_api_key(issued.raw_key)
        obj.created_at = issued.api_key.created_at
        # Kept only on this in-memory object for the one response that shows it.
        obj._raw_key = issued.raw_key  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: Any = None) -> HttpResponse:
        return show_once_response(
            self,
            request,
            "admin/merchants/apikey_issued.html",
            title="API 키가 발급되었습니다",
            api_key=obj,
            raw_key=getattr(obj, "_raw_key", ""),
        )

    @admin.action(description="선택한 API 키 폐기")
    def revoke_selected(self, request: HttpRequest, queryset: Any) -> None:
        for api_key in queryset:
            revoke_api_key(api_key=api_key)
        self.message_user(request, f"{queryset.count()}개의 API 키를 폐기했습니다.", messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
