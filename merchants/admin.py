from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from merchants.admin_base import MerchantScopedAdmin, label_html, request_merchant_or_none, show_once_response
from merchants.models import ApiKey, Membership, Merchant
from merchants.services import hash_api_key, issue_api_key, revoke_api_key

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
    change_form_outer_before_template = "admin/merchants/apikey_actions.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name"]
        if request.user.is_superuser and obj is None:
            fields.append("merchant")
        if obj is not None:
            fields += ["prefix", "created_at", "last_used_at", "revoked_at"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("prefix", "created_at", "last_used_at", "revoked_at") if obj is not None else ()

    @display(description=gettext_lazy("상태"))
    def status(self, obj: ApiKey) -> str:
        return label_html(_("활성"), "success") if obj.is_active else label_html(_("폐기됨"), "danger")

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
            title=_("API 키가 발급되었습니다"),
            api_key=obj,
            raw_key=getattr(obj, "_raw_key", ""),
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
