"""Size charts in the dashboard: inline rows saved through the same service as the CSV import, CSV export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import action, display

from merchants.admin_base import MerchantScopedAdmin, MerchantScopedInline, request_merchant, request_merchant_or_none
from merchants.models import Merchant
from sizing import selectors, services
from sizing.admin.csv_pages import csv_download, csv_import_page
from sizing.admin.forms import ChartImportForm, SizeChartRowFormSet, kept_rows
from sizing.dimensions import RANGE_FIELDS
from sizing.models import SizeChart, SizeChartRow


class SizeChartRowInline(MerchantScopedInline, TabularInline):
    model = SizeChartRow
    formfield_overrides = {models.FloatField: {"widget": forms.NumberInput(attrs={"step": "any"})}}
    formset = SizeChartRowFormSet
    extra = 1
    fields = ("position", "label", *RANGE_FIELDS)


@admin.register(SizeChart)
class SizeChartAdmin(MerchantScopedAdmin):
    list_display = ("brand", "category", "kind", "size_labels", "product_count", "updated_at")
    list_filter = ("category", "kind")
    search_fields = ("brand",)
    inlines = [SizeChartRowInline]
    actions_list = ["import_csv"]
    actions_detail = ["export_csv"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("rows", "products")

    @display(description=gettext_lazy("사이즈"))
    def size_labels(self, chart: SizeChart) -> str:
        return " / ".join(row.label for row in sorted(chart.rows.all(), key=lambda row: (row.position, row.id)))

    @display(description=gettext_lazy("지정 상품 수"))
    def product_count(self, chart: SizeChart) -> int:
        return len(chart.products.all())

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The merchant is not a form field for merchant users, so the database constraint is checked here.
        merchant = obj.merchant if obj is not None else request_merchant_or_none(request)

        class SizeChartForm(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                owner = cleaned.get("merchant") or merchant
                if owner is not None:
                    duplicate = selectors.brand_charts(
                        merchant=owner, brand=cleaned.get("brand") or "", category=cleaned.get("category") or ""
                    )
                    if obj is not None:
                        duplicate = duplicate.exclude(pk=obj.pk)
                    if duplicate.exists():
                        raise ValidationError(_("같은 브랜드·카테고리의 사이즈 차트가 이미 있습니다."))
                return cleaned

        return SizeChartForm

    def save_model(self, request: HttpRequest, obj: SizeChart, form: Any, change: bool) -> None:
        # Written with its rows in save_related, through the same service as the CSV import.
        return None

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        rows_formset = next(formset for formset in formsets if formset.model is SizeChartRow)
        data = form.cleaned_data
        merchant = data.get("merchant") or (form.instance.merchant if change else request_merchant(request))
        chart = services.save_size_chart(
            merchant=merchant,
            chart=SizeChart.objects.get(pk=form.instance.pk) if change else None,
            brand=data["brand"],
            category=data["category"],
            kind=data["kind"],
            garment_flat=data.get("garment_flat", False),
            note=data.get("note", ""),
            rows=kept_rows(rows_formset),
        )
        form.instance.pk = chart.pk
        form.instance.merchant = chart.merchant
        for formset in formsets:  # the change message reads what formset.save() would have recorded
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @action(description=gettext_lazy("CSV 내보내기"), icon="download", url_path="export-csv")
    def export_csv(self, request: HttpRequest, object_id: str) -> HttpResponse:
        chart = self.get_object(request, object_id)
        if chart is None:
            raise Http404
        name = slugify(f"{chart.brand}-{chart.category}", allow_unicode=True) or "size-chart"
        return csv_download(services.size_chart_csv(chart), f"{name}.csv")

    @action(description=gettext_lazy("CSV로 가져오기"), icon="upload", url_path="import-csv")
    def import_csv(self, request: HttpRequest) -> HttpResponse:
        def run_import(merchant: Merchant, data: dict[str, Any], raw: bytes) -> tuple[str, str]:
            chart = services.import_size_chart(
                merchant=merchant,
                brand=data["brand"],
                category=data["category"],
                kind=data["kind"],
                garment_flat=data["garment_flat"],
                raw_csv=raw,
            )
            message = _("%(brand)s 사이즈 차트를 가져왔습니다 (%(count)s개 사이즈).") % {
                "brand": chart.brand,
                "count": chart.rows.count(),
            }
            return message, reverse("admin:sizing_sizechart_change", args=[chart.pk])

        return csv_import_page(
            self,
            request,
            form_class=ChartImportForm,
            run_import=run_import,
            template="sizing/admin/import_csv.html",
            context={"title": _("CSV로 사이즈 차트 가져오기"), "columns": ", ".join(services.CSV_COLUMNS)},
        )
