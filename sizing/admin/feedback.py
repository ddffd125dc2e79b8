"""What shoppers told the sizing app, in the dashboard: size feedback (with the products' helpful rates) and
body measurements (with their distribution, following the list's filters)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from merchants.admin_base import MerchantScopedAdmin, ReadOnlyMixin, request_merchant_or_none
from sizing import selectors
from sizing.admin.display import distribution_html, helpful_rate_text
from sizing.models import BodyMeasurement, Product, SizeFeedback


@admin.register(SizeFeedback)
class SizeFeedbackAdmin(MerchantScopedAdmin):
    list_display = ("created_at", "product", "recommended_size", "confidence", "helpful", "fit", "comment")
    # RelatedOnlyFieldListFilter: the plain "product" filter would list every merchant's products.
    list_filter = ("helpful", "fit", ("product", admin.RelatedOnlyFieldListFilter))
    search_fields = ("comment", "recommended_size", "product__name", "product__external_id")
    autocomplete_fields = ("product",)
    fields = (
        "try_on_request_id",
        "product",
        "recommended_size",
        "confidence",
        "helpful",
        "fit",
        "comment",
        "created_at",
    )
    readonly_fields = ("try_on_request_id", "recommended_size", "confidence", "helpful", "comment", "created_at")
    change_list_template = "sizing/admin/sizefeedback_change_list.html"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class SizeFeedbackForm(form):  # type: ignore[misc, valid-type]
            def clean_product(self) -> Product | None:
                product = self.cleaned_data.get("product")
                # Superusers are offered every merchant's products; feedback may only name its merchant's own
                # (it feeds that product's helpful rate and bias correction).
                if product is not None and obj is not None and product.merchant_id != obj.merchant_id:
                    raise ValidationError(_("다른 가맹점의 상품은 지정할 수 없습니다."))
                return product

        return SizeFeedbackForm

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        products = Product.objects.all()
        if not request.user.is_superuser:
            products = products.filter(merchant=request_merchant_or_none(request))
        rates = [
            {"product": product, "rate": helpful_rate_text(product.feedback_helpful, product.feedback_total)}
            for product in selectors.helpful_rates(products=products).filter(feedback_total__gt=0).order_by("name")
        ]
        return super().changelist_view(request, {**(extra_context or {}), "helpful_rates": rates})


@admin.register(BodyMeasurement)
class BodyMeasurementAdmin(ReadOnlyMixin, MerchantScopedAdmin):
    list_display = (
        "created_at",
        "visitor_id",
        "product",
        "gender",
        "height",
        "weight",
        "chest",
        "waist",
        "hip",
        "recommended_size",
        "confidence",
    )
    list_filter = ("source", "gender", ("product", admin.RelatedOnlyFieldListFilter))
    search_fields = ("visitor_id",)
    change_list_template = "sizing/admin/bodymeasurement_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "context_data") and "cl" in response.context_data:
            # The picture follows the list's filters (source, gender, product).
            response.context_data["distribution"] = distribution_html(response.context_data["cl"].queryset)
        return response
