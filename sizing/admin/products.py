"""Products in the dashboard: their chart in use, helpful rates, fit feedback and the bias correction, the
measurement distribution, CSV import/export."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import action, display

from merchants.admin_base import MerchantScopedAdmin, request_merchant_or_none
from merchants.models import Merchant
from sizing import selectors, services
from sizing.admin.csv_pages import csv_download, csv_import_page
from sizing.admin.display import distribution_html, helpful_rate_text
from sizing.admin.forms import ProductImportForm
from sizing.models import Category, Product


@admin.register(Product)
class ProductAdmin(MerchantScopedAdmin):
    list_display = ("name", "external_id", "brand", "category", "chart_in_use", "helpful_rate", "measurement_count")
    list_filter = ("category",)
    search_fields = ("name", "external_id", "brand")
    readonly_fields = ("feedback_summary", "measurement_distribution")
    autocomplete_fields = ("size_chart",)
    actions_list = ["import_products_csv", "export_products_csv"]

    @action(description=gettext_lazy("CSV 내보내기"), icon="download", url_path="export-csv")
    def export_products_csv(self, request: HttpRequest) -> HttpResponse:
        products = self.get_queryset(request).order_by("external_id")
        return csv_download(services.products_csv(products), "products.csv")

    @action(description=gettext_lazy("CSV로 가져오기"), icon="upload", url_path="import-csv")
    def import_products_csv(self, request: HttpRequest) -> HttpResponse:
        def run_import(merchant: Merchant, data: dict[str, Any], raw: bytes) -> tuple[str, str]:
            result = services.import_products(merchant=merchant, raw_csv=raw)
            message = _("상품을 가져왔습니다: 새 상품 %(created)s개, 바뀐 상품 %(updated)s개.") % {
                "created": result.created,
                "updated": result.updated,
            }
            return message, reverse("admin:sizing_product_changelist")

        return csv_import_page(
            self,
            request,
            form_class=ProductImportForm,
            run_import=run_import,
            template="sizing/admin/import_products.html",
            context={
                "title": _("CSV로 상품 가져오기"),
                "columns": ", ".join(services.PRODUCT_CSV_COLUMNS),
                "categories": ", ".join(f"{value} ({label})" for value, label in Category.choices),
            },
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Meta.ordering does not survive the GROUP BY of the annotations: paginated lists need an order.
        return (
            selectors.helpful_rates(products=super().get_queryset(request))
            .select_related("size_chart")
            .order_by("name", "pk")
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["external_id", "name", "brand", "category", "size_chart"]
        if request.user.is_superuser:
            fields.insert(0, "merchant")
        if obj is not None:
            fields += ["feedback_summary", "measurement_distribution"]
        return fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The merchant is not a form field for merchant users; uniqueness of externalId is checked here instead.
        merchant = obj.merchant if obj is not None else request_merchant_or_none(request)

        class ProductForm(form):  # type: ignore[misc, valid-type]
            def clean_external_id(self) -> str:
                value = self.cleaned_data["external_id"].strip()
                owner = self.cleaned_data.get("merchant") or merchant
                duplicate = Product.objects.filter(merchant=owner, external_id=value)
                if obj is not None:
                    duplicate = duplicate.exclude(pk=obj.pk)
                if owner is not None and duplicate.exists():
                    raise ValidationError(_("같은 상품 ID가 이미 있습니다."))
                return value

            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                owner = cleaned.get("merchant") or merchant
                chart = cleaned.get("size_chart")
                # Superusers are offered every merchant's charts; a product may only use its own merchant's.
                if chart is not None and owner is not None and chart.merchant_id != owner.pk:
                    self.add_error("size_chart", _("다른 가맹점의 사이즈 차트는 지정할 수 없습니다."))
                return cleaned

        return ProductForm

    @display(description=gettext_lazy("사이즈 차트"))
    def chart_in_use(self, product: Product) -> str:
        chart = selectors.chart_for_product(product=product)
        return str(chart) if chart is not None else _("없음 (추천 없음)")

    @display(description=gettext_lazy("도움됨 비율"))
    def helpful_rate(self, product: selectors.ProductWithCounts) -> str:
        return helpful_rate_text(product.feedback_helpful, product.feedback_total)

    @display(description=gettext_lazy("측정 수"))
    def measurement_count(self, product: selectors.ProductWithCounts) -> int:
        return product.measurement_total

    @display(description=gettext_lazy("피드백"))
    def feedback_summary(self, product: selectors.ProductWithCounts) -> str:
        counts = selectors.recent_fit_counts(product=product)
        shift = services.bias_size_shift(product=product)
        correction = (
            (
                (
                    _("추천을 %(shift).2f 사이즈 크게 보정 중")
                    if shift > 0
                    else _("추천을 %(shift).2f 사이즈 작게 보정 중")
                )
                % {"shift": abs(shift)}
            )
            if shift
            else _("보정 없음")
        )
        return format_html(
            _("도움됨 {} · 최근 착용감: 작음 {} / 잘 맞음 {} / 큼 {} · {}"),
            helpful_rate_text(product.feedback_helpful, product.feedback_total),
            counts.too_small,
            counts.good,
            counts.too_large,
            correction,
        )

    @display(description=gettext_lazy("신체 측정 분포"))
    def measurement_distribution(self, product: Product) -> str:
        return distribution_html(selectors.measurements_for_product(product=product))
