"""The forms of the sizing pages: a chart's inline rows (checked as the recommendation will read them) and
the two CSV import forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from common.errors import InvalidInput
from merchants.models import Merchant
from sizing import services
from sizing.dimensions import RANGE_FIELDS, row_ranges
from sizing.models import Category, SizeChart


def kept_rows(formset: BaseInlineFormSet) -> list[dict[str, Any]]:
    """The inline's kept rows in size order, as sizing.services.save_size_chart takes them."""
    kept = [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
    kept.sort(key=lambda data: data.get("position") or 0)
    return [{"label": data["label"], **{column: data.get(column) for column in RANGE_FIELDS}} for data in kept]


class SizeChartRowFormSet(BaseInlineFormSet):
    """Rejects rows the recommendation could not use: sizes must grow, a dimension must be shared by all."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        rows = kept_rows(self)
        if not rows:
            return
        for row in rows:
            for dim, (low, high) in row_ranges(row).items():
                if low > high:
                    raise ValidationError(
                        _("%(label)s: %(dimension)s 최소값이 최대값보다 큽니다.")
                        % {"label": row["label"], "dimension": dim}
                    )
        chart = self.instance
        try:
            services.check_chart_rows(
                category=chart.category, kind=chart.kind, garment_flat=chart.garment_flat, rows=rows
            )
        except InvalidInput as exc:
            raise ValidationError(exc.message) from exc


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
