"""The dashboard's frame (django-unfold callbacks named in settings.UNFOLD): stylesheet, site menu, the sidebar
with its badges (running jobs, failed deliveries)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import site as admin_site
from django.db.models import Model
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.models import ContentSettings, GeneratedImage, ImageJob
from merchants.models import ApiKey, Merchant
from merchants.selectors import merchant_for_user
from sizing.models import BodyMeasurement, Product, SizeChart, SizeFeedback
from tryon.models import DailyUsage, ShareLink, TryOnFeedback, TryOnJob, TryOnSettings
from webhooks import selectors as webhook_selectors
from webhooks.models import WebhookDelivery, WebhookEndpoint
from widget.models import WidgetDailyStats


def merchant_scope(request: HttpRequest) -> Merchant | None:
    """The merchant whose numbers the page shows; None means every merchant (superusers only)."""
    return None if request.user.is_superuser else merchant_for_user(request.user)


# ----------------------------------------------------------------
def stylesheet(request: HttpRequest) -> str:
    return static("dashboard/dashboard.css")


def site_subheader(request: HttpRequest) -> str:
    merchant = merchant_for_user(request.user)
    return merchant.name if merchant is not None else _("운영자")


def site_dropdown(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"icon": "menu_book", "title": _("API 문서 (Swagger UI)"), "link": reverse("swagger-ui")},
        {"icon": "article", "title": _("API 문서 (ReDoc)"), "link": reverse("redoc")},
    ]


def _can_view(request: HttpRequest, model: type[Model]) -> bool:
    model_admin = admin_site._registry.get(model)
    return model_admin is not None and model_admin.has_view_permission(request)


def changelist(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _item(
    request: HttpRequest, model: type[Model], icon: str, *, title: Any = None, link: str = "", **extra: Any
) -> dict:
    return {
        "title": title or model._meta.verbose_name_plural,
        "icon": icon,
        "link": link or changelist(model),
        "permission": lambda request, model=model: _can_view(request, model),
        **extra,
    }


def sidebar_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """Groups of links with Material Symbols icons; badges count running jobs and failed deliveries."""
    return [
        {
            "items": [
                {"title": _("홈"), "icon": "space_dashboard", "link": reverse("admin:index")},
            ],
        },
        {
            "title": gettext_lazy("콘텐츠"),
            "separator": True,
            "items": [
                _item(
                    request,
                    GeneratedImage,
                    "photo_library",
                    title=_("이미지 갤러리"),
                    link=reverse("admin:content_generatedimage_gallery"),
                ),
                _item(request, ImageJob, "auto_awesome", **_badge(running_content_jobs(request), "info")),
                _item(request, ContentSettings, "tune"),
            ],
        },
        {
            "title": gettext_lazy("가상 피팅"),
            "separator": True,
            "items": [
                _item(
                    request,
                    TryOnJob,
                    "checkroom",
                    title=_("피팅 결과 갤러리"),
                    link=reverse("admin:tryon_tryonjob_gallery"),
                ),
                _item(request, TryOnJob, "list_alt", **_badge(running_tryon_jobs(request), "info")),
                _item(request, TryOnFeedback, "thumb_up"),
                _item(request, ShareLink, "share"),
                _item(request, DailyUsage, "bar_chart"),
                _item(request, TryOnSettings, "settings"),
            ],
        },
        {
            "title": gettext_lazy("사이즈 추천"),
            "separator": True,
            "items": [
                _item(request, Product, "inventory_2"),
                _item(request, SizeChart, "straighten"),
                _item(request, SizeFeedback, "reviews"),
                _item(request, BodyMeasurement, "accessibility_new"),
            ],
        },
        {
            "title": gettext_lazy("스토어 위젯"),
            "separator": True,
            "items": [_item(request, WidgetDailyStats, "insights")],
        },
        {
            "title": gettext_lazy("연동"),
            "separator": True,
            "items": [
                _item(request, ApiKey, "key"),
                _item(request, WebhookEndpoint, "webhook"),
                _item(request, WebhookDelivery, "outbox", **_badge(failed_deliveries(request), "danger")),
                {"title": _("API 문서"), "icon": "menu_book", "link": reverse("swagger-ui")},
            ],
        },
        {
            "title": gettext_lazy("계정"),
            "separator": True,
            "items": [
                _item(request, Merchant, "storefront"),
                _user_admin_item(request, "auth", "user", "person"),
                _user_admin_item(request, "auth", "group", "group"),
            ],
        },
    ]


def _user_admin_item(request: HttpRequest, app_label: str, model_name: str, icon: str) -> dict:
    from django.apps import apps

    return _item(request, apps.get_model(app_label, model_name), icon)


def _badge(count: int, variant: str) -> dict[str, str]:
    """unfold shows a badge whenever the item has one: only counts worth attention get one."""
    return {"badge": str(count), "badge_variant": variant} if count else {}


def running_content_jobs(request: HttpRequest) -> int:
    jobs = ImageJob.objects.filter(status__in=[ImageJob.Status.PENDING, ImageJob.Status.PROCESSING])
    merchant = merchant_scope(request)
    return (jobs if merchant is None else jobs.filter(merchant=merchant)).count()


def running_tryon_jobs(request: HttpRequest) -> int:
    jobs = TryOnJob.objects.filter(status__in=[TryOnJob.Status.PENDING, TryOnJob.Status.PROCESSING])
    merchant = merchant_scope(request)
    return (jobs if merchant is None else jobs.filter(merchant=merchant)).count()


def failed_deliveries(request: HttpRequest) -> int:
    return webhook_selectors.delivery_counts(merchant=merchant_scope(request)).failed
