"""Webhook endpoints in the dashboard: added and edited through the same services as the API (the secret is
shown once, on add), a test send from the list or the endpoint's page, the concurrency in use now."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import ServiceError
from common.stored_text import translate_stored
from merchants.admin_base import MerchantScopedAdmin, label_html, request_merchant, show_once_response
from webhooks import services
from webhooks.delivery import window
from webhooks.events import event_types
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def subscribable_event_choices() -> list[tuple[str, Any]]:
    # Lazy labels: read in the language of the page, not once at import.
    return [
        (event.name, format_lazy("{} ({})", event.name, event.label)) for event in event_types() if event.subscribable
    ]


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=gettext_lazy("구독 이벤트"),
        # A callable: the registry is read when the form is used (this module is imported before the products
        # registered their event types).
        choices=subscribable_event_choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["merchant", "url", "events", "is_active", "max_concurrency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "max_concurrency" in self.fields:
            limit = settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY
            field = self.fields["max_concurrency"]
            field.widget.attrs.update(min=1, max=limit, placeholder=_("자동"))
            field.help_text = _(
                "이 URL로 동시에 보내는 요청의 상한입니다(1–%(limit)d). 비워 두면 응답이 빠른 동안 %(limit)d까지 "
                "늘리고, 느려지거나 실패하면 줄입니다."
            ) % {"limit": limit}

    def clean_url(self) -> str:
        try:
            return services.validate_endpoint_url(self.cleaned_data["url"])
        except ServiceError as exc:
            raise forms.ValidationError(translate_stored(exc.message)) from exc

    def clean_max_concurrency(self) -> int | None:
        try:
            return services.validate_max_concurrency(self.cleaned_data.get("max_concurrency"))
        except ServiceError as exc:
            # The service's message names the API field; the form says it in the page's language.
            raise forms.ValidationError(
                _("1에서 %(limit)d 사이의 숫자를 입력하거나 비워 두세요.")
                % {"limit": settings.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY}
            ) from exc


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(MerchantScopedAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "state", "subscribed", "created_at", "deliveries_link")
    list_filter = ("is_active",)
    search_fields = ("url",)
    readonly_fields = (
        "secret_hint",
        "concurrency_now",
        "disabled_reason_text",
        "disabled_at",
        "failing_since",
        "created_at",
        "updated_at",
    )
    actions = ["send_test_event"]
    change_form_outer_before_template = "webhooks/admin/endpoint_actions.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["url", "events"]
        if request.user.is_superuser and obj is None:
            fields.insert(0, "merchant")
        if obj is not None:
            fields += ["is_active", "max_concurrency", *self.readonly_fields]
        return fields

    @admin.display(description=gettext_lazy("현재 동시 요청"))
    def concurrency_now(self, obj: WebhookEndpoint) -> str:
        current = window.windows([obj.pk]).get(obj.pk)
        if current is None:
            return _("최근 발송 없음 (다음 발송은 %(initial)d개로 시작합니다)") % {"initial": window.initial_window()}
        return _("허용 %(window)d개 중 %(in_flight)d개 발송 중 (상한 %(ceiling)d)") % {
            "window": int(current.window),
            "in_flight": current.slots,
            "ceiling": window.ceiling(obj.max_concurrency),
        }

    @admin.display(description=gettext_lazy("상태"))
    def state(self, obj: WebhookEndpoint) -> str:
        if obj.is_active and obj.paused_until and obj.paused_until > timezone.now():
            return format_html(
                '{}<br><small class="paused">{}</small>',
                label_html(_("활성, 발송 보류"), "warning"),
                _("수신 실패(연속 %(count)s회) 또는 Retry-After로 %(until)s까지 보류합니다")
                % {"count": obj.consecutive_failures, "until": f"{timezone.localtime(obj.paused_until):%H:%M:%S}"},
            )
        if obj.is_active:
            return label_html(_("활성"), "success")
        return format_html(
            '{}<br><small class="disabled-reason">{}</small>',
            label_html(_("비활성"), "danger"),
            translate_stored(obj.disabled_reason),
        )

    @admin.display(description=gettext_lazy("비활성화 사유"))
    def disabled_reason_text(self, obj: WebhookEndpoint) -> str:
        return translate_stored(obj.disabled_reason)

    @admin.display(description=gettext_lazy("구독 이벤트"))
    def subscribed(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events or [])

    @admin.display(description=gettext_lazy("발송 기록"))
    def deliveries_link(self, obj: WebhookEndpoint) -> str:
        return format_html(
            '<a href="{}?endpoint__id__exact={}">{}</a>',
            reverse("admin:webhooks_webhookdelivery_changelist"),
            obj.pk,
            _("보기"),
        )

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.update_endpoint(
                endpoint=WebhookEndpoint.objects.get(pk=obj.pk),
                url=data["url"],
                events=list(data["events"]),
                is_active=data.get("is_active"),
                max_concurrency=data.get("max_concurrency"),
            )
            return
        merchant = data["merchant"] if request.user.is_superuser else request_merchant(request)
        endpoint, secret = services.create_endpoint(merchant=merchant, url=data["url"], events=list(data["events"]))
        obj.pk = endpoint.pk
        obj.merchant = endpoint.merchant
        # Lives only on this in-memory object, for the one page that shows it.
        obj._raw_secret = secret  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Deliveries go with their endpoint (as with DELETE /api/webhooks/{id}); deleting them one by one stays
        # reserved to superusers, which must not stop a merchant from deleting the endpoint.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(WebhookDelivery._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.delete_endpoint(endpoint=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for endpoint in queryset:
            services.delete_endpoint(endpoint=endpoint)

    def response_add(self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: Any = None) -> HttpResponse:
        return show_once_response(
            self,
            request,
            "webhooks/admin/secret_created.html",
            title=_("웹훅 엔드포인트가 생성되었습니다"),
            endpoint=obj,
            secret=getattr(obj, "_raw_secret", ""),
        )

    @admin.action(description=gettext_lazy("선택한 엔드포인트로 테스트 이벤트 발송"))
    def send_test_event(self, request: HttpRequest, queryset: Any) -> None:
        for endpoint in queryset:
            self._send_test(request, endpoint)

    def _send_test(self, request: HttpRequest, endpoint: WebhookEndpoint) -> None:
        delivery = services.send_test_event(endpoint=endpoint)
        if delivery.status == DeliveryStatus.DELIVERED:
            self.message_user(
                request,
                _("%(url)s: 성공 (HTTP %(status)s)") % {"url": endpoint.url, "status": delivery.last_response_status},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("%(url)s: 실패 — %(error)s") % {"url": endpoint.url, "error": translate_stored(delivery.last_error)},
                messages.ERROR,
            )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(require_POST(self.send_test_view))
        return [
            path("<path:object_id>/send-test/", view, name="webhooks_webhookendpoint_send_test"),
            *super().get_urls(),
        ]

    def send_test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        endpoint = self.get_object(request, object_id)
        if endpoint is None:
            raise Http404
        self._send_test(request, endpoint)
        return HttpResponseRedirect(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
