"""The base of every dashboard (admin) page: a merchant user sees and edits only their merchant's objects.

Subclass :class:`MerchantScopedAdmin` and set ``merchant_path`` when the model reaches its merchant through
a relation (e.g. ``"job__merchant"``). Superusers see everything. The base is django-unfold's ``ModelAdmin``
(the dashboard's theme), so every page gets its layout, filters and actions; inlines use
``unfold.admin.TabularInline``/``StackedInline`` with :class:`MerchantScopedInline` in front.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from unfold.admin import ModelAdmin as UnfoldModelAdmin

from merchants.models import Merchant
from merchants.selectors import merchant_for_user


def request_merchant_or_none(request: HttpRequest) -> Merchant | None:
    return merchant_for_user(request.user)


def request_merchant(request: HttpRequest) -> Merchant:
    """The merchant a dashboard user works for, where a write needs one: the admin's permission checks let only
    superusers (who name the merchant on the form) and merchant members this far."""
    merchant = merchant_for_user(request.user)
    if merchant is None:
        raise PermissionDenied
    return merchant


def label_html(text: Any, tone: str = "") -> SafeString:
    """unfold's coloured label; ``tone`` is "success", "danger", "warning", "info", "primary" or "" (grey)."""
    return mark_safe(render_to_string("unfold/helpers/label.html", {"text": text, "type": tone}))  # noqa: S308 - a template's output, escaped


def progress_html(value: int, maximum: int, text: str) -> SafeString:
    """A native ``<progress>`` bar with its text (no inline style, so a strict style policy keeps it)."""
    return format_html(
        '<span class="tl-progress"><progress value="{}" max="{}" aria-label="{}"></progress>'
        '<span class="tl-progress-text">{}</span></span>',
        value,
        maximum or 1,
        text,
        text,
    )


def show_once_response(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, *, title: str, **context: Any
) -> TemplateResponse:
    """The one page that shows a freshly issued secret (API key, webhook secret); never cached, never stored."""
    response = TemplateResponse(
        request,
        template,
        {**model_admin.admin_site.each_context(request), "title": title, "opts": model_admin.model._meta, **context},
    )
    response["Cache-Control"] = "no-store"
    return response


class _MerchantScopeMixin:
    merchant_path = "merchant"

    def _is_merchant_user(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff and request_merchant_or_none(request) is not None

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._is_merchant_user(request)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        merchant = request_merchant_or_none(request)
        if merchant is None:
            return queryset.none()
        return queryset.filter(**{self.merchant_path: merchant})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Foreign-key choices offer only the merchant's own objects."""
        if not request.user.is_superuser:
            merchant = request_merchant_or_none(request)
            related = db_field.related_model
            if related is Merchant:
                kwargs["queryset"] = Merchant.objects.filter(pk=merchant.pk) if merchant else Merchant.objects.none()
            elif any(f.name == "merchant" for f in related._meta.get_fields()):
                kwargs["queryset"] = related._default_manager.filter(merchant=merchant)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)


class ReadOnlyMixin:
    """For records the system writes (jobs, deliveries, measurements): merchants look; actions change them.

    Put it before the scoped base (``class X(ReadOnlyMixin, MerchantScopedAdmin)``); delete stays the base's.
    """

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MerchantScopedAdmin(_MerchantScopeMixin, UnfoldModelAdmin):
    """For models with a ``merchant`` field: it is set from the user and hidden from merchant users."""

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> HttpResponse:
        # Django answers a guessed id (another merchant's object, or none) with a redirect and "does not exist"
        # message; a plain 404 tells nothing about which ids exist elsewhere.
        raise Http404

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Django's title reads "Select <name> to change/view" (in Korean: "보기위한 … 를(을) 선택"): the list's name.
        extra_context = {"title": self.model._meta.verbose_name_plural, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self.merchant_path == "merchant":
            exclude.append("merchant")
        return exclude

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser and self.merchant_path == "merchant":
            filters.insert(0, "merchant")
        return filters

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and self.merchant_path == "merchant" and not request.user.is_superuser:
            obj.merchant = request_merchant_or_none(request)
        super().save_model(request, obj, form, change)


class LiveJobAdmin(MerchantScopedAdmin):
    """A job's page with a live block: ``live_template`` rendered with :meth:`live_context`, which htmx fetches
    again from ``<id>/progress/`` every two seconds until the job has finished."""

    live_template: str

    def live_context(self, job: Any) -> dict[str, Any]:
        raise NotImplementedError

    def progress_url(self, job: Any) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_progress", args=[job.pk])

    def get_urls(self) -> list:
        progress = path(
            "<path:object_id>/progress/",
            self.admin_site.admin_view(self.progress_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_progress",
        )
        return [progress, *super().get_urls()]

    def progress_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        job = self.get_object(request, object_id)
        if job is None:
            raise Http404
        return TemplateResponse(request, self.live_template, self.live_context(job))

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        job = self.get_object(request, object_id) if object_id else None
        if job is not None:
            extra_context = {**(extra_context or {}), **self.live_context(job)}
        return super().changeform_view(request, object_id, form_url, extra_context)


class MerchantScopedInline(_MerchantScopeMixin):
    """Mixin for inlines of a merchant-scoped parent (``class X(MerchantScopedInline, TabularInline)`` with unfold's ``TabularInline``).

    Scoping comes from the parent; foreign-key choices are still limited to the merchant's objects.
    """

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super(_MerchantScopeMixin, self).get_queryset(request)  # type: ignore[misc]
