from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import TooManyRequests
from common.openapi import ErrorResponseSerializer, toile_errors
from common.throttling import check_login_allowed, client_ip, record_login_failure, record_login_success
from merchants.api import ContentView, ToileApiKeyView
from merchants.authentication import ApiKeyPrincipal
from merchants.serializers import ApiKeyOwnerResponse, TokenOwnerResponse


class ApiKeyWhoAmIView(ToileApiKeyView):
    """Lets a storefront developer check their key: which merchant it belongs to."""

    @extend_schema(responses={200: ApiKeyOwnerResponse, **toile_errors(401, 403, 429)}, tags=["Auth"])
    def get(self, request: Request) -> Response:
        principal = request.user
        assert isinstance(principal, ApiKeyPrincipal)  # ToileApiKeyView authenticates API keys only
        return Response(ApiKeyOwnerResponse.body(principal))


class TokenWhoAmIView(ContentView):
    """The merchant and user behind a Bearer JWT."""

    @extend_schema(responses={200: TokenOwnerResponse, 401: ErrorResponseSerializer}, tags=["Auth"])
    def get(self, request: Request) -> Response:
        return Response(TokenOwnerResponse({"merchant": self.merchant, "user": request.user}).data)


def throttled_admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponseBase:
    """The dashboard's login form with the same limits as the token endpoint: 429 and Retry-After."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    username, ip = request.POST.get("username", ""), client_ip(request)
    try:
        check_login_allowed(username=username, ip=ip)
    except TooManyRequests as exc:
        # The token endpoint's message is an API message (Korean); the dashboard says it in its own language.
        message = _("로그인 시도가 너무 많습니다. %(seconds)s초 후 다시 시도해 주세요.") % {"seconds": exc.retry_after}
        response = _refused_login(request, message)
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
        return response
    response = admin.site.login(request, extra_context)
    if response.status_code == 200:  # the form came back with an error: wrong credentials
        record_login_failure(username=username, ip=ip)
    else:
        record_login_success(username=username, ip=ip)
    return response


def _refused_login(request: HttpRequest, message: str) -> HttpResponseBase:
    """The theme's own login page, as ``AdminSite.login`` renders it, with ``message`` as the form's error
    (the credentials are not even checked)."""

    class RefusedLoginForm(AdminAuthenticationForm):
        def clean(self) -> dict:
            raise forms.ValidationError(message, code="throttled")

    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
        REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME) or reverse("admin:index"),
    }
    request.current_app = admin.site.name
    return LoginView.as_view(
        authentication_form=RefusedLoginForm,
        template_name=admin.site.login_template or "admin/login.html",
        extra_context=context,
    )(request)
