"""The CSV pages of the sizing admin: a download, and the import page both chart and product imports use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from common.errors import InvalidInput
from merchants.admin_base import request_merchant
from merchants.models import Merchant

# Runs an import for the merchant from the form's data and the file's bytes; returns the message to show
# and the URL to go to.
CsvImport = Callable[[Merchant, dict[str, Any], bytes], tuple[str, str]]


def csv_download(content: bytes, filename: str) -> HttpResponse:
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


def csv_import_page(
    model_admin: ModelAdmin,
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    run_import: CsvImport,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The form; once a valid file is posted, the import, then back with its message. The service's
    InvalidInput shows on the file field, and nothing is imported."""
    if not model_admin.has_add_permission(request):
        return HttpResponse(status=403)
    form, merchant = _csv_import_form(request, form_class)
    if merchant is not None:
        try:
            raw = form.cleaned_data["csv_file"].read(settings.SIZING_CSV_MAX_BYTES + 1)
            message, next_url = run_import(merchant, form.cleaned_data, raw)
        except InvalidInput as exc:
            form.add_error("csv_file", exc.message)
        else:
            model_admin.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(next_url)
    page = {**model_admin.admin_site.each_context(request), "form": form, "opts": model_admin.model._meta, **context}
    return TemplateResponse(request, template, page)
