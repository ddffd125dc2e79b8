"""Dashboard pages: products (helpful rates, measurement distribution, CSV import/export), size charts (inline
rows, CSV import/export), feedback and measurements. Everything is scoped to the user's merchant; charts and
products are written through sizing.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from common.errors import InvalidInput
from common.stored_text import translate_stored
from merchants.admin_base import (
    MerchantScopedAdmin,
    MerchantScopedInline,
    ReadOnlyMixin,
    request_merchant,
    request_merchant_or_none,
)
from merchants.models import Merchant
from sizing import selectors, services
from sizing.distribution import MeasurementPoint, measurement_distribution
from sizing.models import DIMENSIONS, BodyMeasurement, Category, Product, SizeChart, SizeChartRow, SizeFeedback
from sizing.recommendation import ChartError, ChartRowSpec, ChartSpec, validate_chart

MAX_CHART_POINTS = 5000


def _distribution(measurements: QuerySet[BodyMeasurement]) -> str:
    """Charts of the newest measurements: a histogram per dimension by gender, and the sizes recommended."""
    fields = ("gender", "height", "weight", "chest", "waist", "hip", "recommended_size")
    points = [
        MeasurementPoint(**values) for values in measurements.order_by("-created_at").values(*fields)[:MAX_CHART_POINTS]
    ]
    return render_to_string(
        "sizing/admin/measurement_distribution.html", {"distribution": measurement_distribution(points)}
    )


def _csv_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_import_form(request: HttpRequest, form_class: type[forms.Form]) -> tuple[forms.Form, Merchant | None]:
    """A CSV import form (only superusers name the merchant) and, once posted and valid, the merchant it
    imports for; without one the form carries the error."""
    form = form_class(request.POST or None, request.FILES or None)
    if not request.user.is_superuser:
        del form.fields["merchant"]
    if request.method != "POST" or not form.is_valid():
        return form, None
    merchant = form.cleaned_data.get("merchant") if request.user.is_superuser else request_merchant(request)
    if merchant is None:
        form.add_error("merchant", _("가맹점을 선택하세요."))
    return form, merchant


def _range(low: float | None, high: float | None) -> tuple[float, float] | None:
    """A row's range of one dimension from its two inputs; one end alone stands for both."""
    if low is None:
        return None if high is None else (high, high)
    return (low, low if high is None else high)


def _rate(helpful: int, total: int) -> str:
    return f"{round(100 * helpful / total)}% ({helpful}/{total})" if total else "—"


class SizeChartRowFormSet(BaseInlineFormSet):
    """Rejects rows the recommendation could not use: sizes must grow, a dimension must be shared by all."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not kept:
            return
        kept.sort(key=lambda data: data.get("position") or 0)
        rows = []
        for data in kept:
            ranges = {}
            for dim in DIMENSIONS:
                pair = _range(data.get(f"{dim}_min"), data.get(f"{dim}_max"))
                if pair is None:
                    continue
                if pair[0] > pair[1]:
                    raise ValidationError(
                        _("%(label)s: %(dimension)s 최소값이 최대값보다 큽니다.")
                        % {"label": data["label"], "dimension": dim}
                    )
                ranges[dim] = pair
            rows.append(ChartRowSpec(label=data["label"], ranges=ranges))
        chart = self.instance
        try:
            validate_chart(
                ChartSpec(category=chart.category, kind=chart.kind, rows=rows, garment_flat=chart.garment_flat)
            )
        except ChartError as exc:
            raise ValidationError(translate_stored(str(exc))) from exc


class SizeChartRowInline(MerchantScopedInline, TabularInline):
    model = SizeChartRow
    formfield_overrides = {models.FloatField: {"widget": forms.NumberInput(attrs={"step": "any"})}}
    formset = SizeChartRowFormSet
    extra = 1
    fields = ("position", "label", *[f"{dim}_{end}" for dim in DIMENSIONS for end in ("min", "max")])


class ChartImportForm(forms.Form):
    brand = forms.CharField(label=gettext_lazy("브랜드"), max_length=100, widget=UnfoldAdminTextInputWidget)
    category = forms.ChoiceField(
        label=gettext_lazy("카테고리"), choices=Category.choices, widget=UnfoldAdminSelectWidget
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("치수 종류"), choices=SizeChart.Kind.choices, widget=UnfoldAdminSelectWidget
    )
    garment_flat = forms.BooleanField(
        label=gettext_lazy("단면 치수 (둘레의 절반)"), required=False, widget=UnfoldBooleanSwitchWidget
    )
    csv_file = forms.FileField(label=gettext_lazy("CSV 파일"), widget=UnfoldAdminFileFieldWidget)
    merchant = forms.ModelChoiceField(
        label=gettext_lazy("가맹점"), queryset=Merchant.objects.all(), required=False, widget=UnfoldAdminSelectWidget
    )


class ProductImportForm(forms.Form):
    csv_file = forms.FileField(label=gettext_lazy("CSV 파일"), widget=UnfoldAdminFileFieldWidget)
    merchant = forms.ModelChoiceField(
        label=gettext_lazy("가맹점"), queryset=Merchant.objects.all(), required=False, widget=UnfoldAdminSelectWidget
    )


def _row_data(formset: BaseInlineFormSet) -> list[dict[str, Any]]:
    """The inline's kept rows in size order, as sizing.services.save_size_chart takes them."""
    kept = [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
    kept.sort(key=lambda data: data.get("position") or 0)
    columns = [f"{dim}_{end}" for dim in DIMENSIONS for end in ("min", "max")]
    return [{"label": data["label"], **{column: data.get(column) for column in columns}} for data in kept]


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
                brand, category = (cleaned.get("brand") or "").strip(), cleaned.get("category")
                duplicate = SizeChart.objects.filter(merchant=owner, brand__iexact=brand, category=category)
                if obj is not None:
                    duplicate = duplicate.exclude(pk=obj.pk)
                if owner is not None and duplicate.exists():
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
            rows=_row_data(rows_formset),
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
        return _csv_download(services.size_chart_csv(chart), f"{name}.csv")

    @action(description=gettext_lazy("CSV로 가져오기"), icon="upload", url_path="import-csv")
    def import_csv(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form, merchant = _csv_import_form(request, ChartImportForm)
        if merchant is not None:
            upload = form.cleaned_data["csv_file"]
            try:
                raw = upload.read(settings.SIZING_CSV_MAX_BYTES + 1)
                chart = services.import_size_chart(
                    merchant=merchant,
                    brand=form.cleaned_data["brand"],
                    category=form.cleaned_data["category"],
                    kind=form.cleaned_data["kind"],
                    garment_flat=form.cleaned_data["garment_flat"],
                    raw_csv=raw,
                )
            except InvalidInput as exc:
                form.add_error("csv_file", exc.message)
            else:
                self.message_user(
                    request,
                    _("%(brand)s 사이즈 차트를 가져왔습니다 (%(count)s개 사이즈).")
                    % {"brand": chart.brand, "count": chart.rows.count()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:sizing_sizechart_change", args=[chart.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("CSV로 사이즈 차트 가져오기"),
            "form": form,
            "opts": self.model._meta,
            "columns": ", ".join(services.CSV_COLUMNS),
        }
        return TemplateResponse(request, "sizing/admin/import_csv.html", context)


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
        return _csv_download(services.products_csv(products), "products.csv")

    @action(description=gettext_lazy("CSV로 가져오기"), icon="upload", url_path="import-csv")
    def import_products_csv(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form, merchant = _csv_import_form(request, ProductImportForm)
        if merchant is not None:
            try:
                raw = form.cleaned_data["csv_file"].read(settings.SIZING_CSV_MAX_BYTES + 1)
                result = services.import_products(merchant=merchant, raw_csv=raw)
            except InvalidInput as exc:
                form.add_error("csv_file", exc.message)
            else:
                self.message_user(
                    request,
                    _("상품을 가져왔습니다: 새 상품 %(created)s개, 바뀐 상품 %(updated)s개.")
                    % {"created": result.created, "updated": result.updated},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:sizing_product_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("CSV로 상품 가져오기"),
            "form": form,
            "opts": self.model._meta,
            "columns": ", ".join(services.PRODUCT_CSV_COLUMNS),
            "categories": ", ".join(f"{value} ({label})" for value, label in Category.choices),
        }
        return TemplateResponse(request, "sizing/admin/import_products.html", context)

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
        return _rate(product.feedback_helpful, product.feedback_total)

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
            _rate(product.feedback_helpful, product.feedback_total),
            counts.too_small,
            counts.good,
            counts.too_large,
            correction,
        )

    @display(description=gettext_lazy("신체 측정 분포"))
    def measurement_distribution(self, product: Product) -> str:
        return _distribution(selectors.measurements_for_product(product=product))


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
            {"product": product, "rate": _rate(product.feedback_helpful, product.feedback_total)}
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
            response.context_data["distribution"] = _distribution(response.context_data["cl"].queryset)
        return response
