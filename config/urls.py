from __future__ import annotations

import sys

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views import defaults
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView

from common.api_docs import RedocDocsView, SwaggerDocsView
from common.errors import error_json_response, is_store_outage, product_for_path, store_outage_response
from common.observability import metrics_view
from dashboard import pages as dashboard_pages
from dashboard.health import healthz, readyz
from merchants.tokens import TokenObtainView, TokenRefreshViewWithRevocation
from merchants.views import ApiKeyWhoAmIView, TokenWhoAmIView, throttled_admin_login

urlpatterns = [
    # Before the admin's own URLs: the login form with login limits.
    path("admin/login/", throttled_admin_login, name="admin-login-throttled"),
    path("admin/logout/", dashboard_pages.logout, name="admin-logout-or-home"),
    # The login page links here ("forgot your password?") when a URL of this name exists.
    path("admin/password_reset/", dashboard_pages.password_reset_help, name="admin_password_reset"),
    path("accounts/login/", dashboard_pages.redirect_to_login),
    path("accounts/profile/", dashboard_pages.redirect_to_home),
    path("favicon.ico", dashboard_pages.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # the dashboard's language switch (set_language)
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/auth/token", TokenObtainView.as_view(), name="token_obtain_pair"),
    path("api/auth/token/refresh", TokenRefreshViewWithRevocation.as_view(), name="token_refresh"),
    path("api/auth/me", TokenWhoAmIView.as_view(), name="token_me"),
    path("api/me", ApiKeyWhoAmIView.as_view(), name="api_key_me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="redoc"),
    path("api/content/", include("content.urls")),
    path("api/size/", include("sizing.urls")),
    path("api/webhooks", include("webhooks.urls")),
    # Try-on before the widget: storefronts poll GET /api/tryon/{jobId} every few seconds, and each include
    # tried before the matching one costs the request (the widget's script is cached by browsers).
    path("", include("tryon.urls")),
    path("", include("widget.urls")),
]

if not settings.CONTENT_STORAGE["BACKEND"].startswith("storages."):
    # Embedded mode: generated content images are public files served by the app itself.
    urlpatterns.append(
        re_path(
            r"^media/content/(?P<path>.*)$", serve, {"document_root": settings.CONTENT_STORAGE["OPTIONS"]["location"]}
        )
    )


def _api_or_default(status_code: int, default_view):
    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if product_for_path(request.path):
            failure = sys.exc_info()[1] if status_code == 500 else None
            if is_store_outage(failure):  # raised outside a DRF view (a middleware): still 503, not 500
                assert failure is not None
                return store_outage_response(request.path, failure)
            return error_json_response(request.path, status_code)
        if dashboard_pages.is_dashboard_path(request.path):
            try:
                return dashboard_pages.dashboard_error_page(request, status_code)
            except Exception:  # the page needs the database (sidebar, site settings): fall back to the plain one
                if status_code != 500:
                    raise
        if status_code == 500:
            return default_view(request)
        return default_view(request, exception)

    return handler


handler400 = _api_or_default(400, defaults.bad_request)
handler403 = _api_or_default(403, defaults.permission_denied)
handler404 = _api_or_default(404, defaults.page_not_found)
handler500 = _api_or_default(500, defaults.server_error)
