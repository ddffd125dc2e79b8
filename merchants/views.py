from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import TooManyRequests
from common.throttling import check_login_allowed, client_ip, record_login_failure, record_login_success
from merchants.api import ContentView, ToileApiKeyView
from merchants.authentication import ApiKeyPrincipal

_me_schema = inline_serializer(
    "Me", {"merchantId": serializers.IntegerField(), "merchantName": serializers.CharField()}
)


class ApiKeyWhoAmIView(ToileApiKeyView):
    """Lets a storefront developer check their key: which merchant it belongs to."""

    @extend_schema(responses=_me_schema, tags=["Auth"])
    def get(self, request: Request) -> Response:
        principal = request.user
        assert isinstance(principal, ApiKeyPrincipal)
        return Response(
            {
                "data": {
                    "merchantId": self.merchant.pk,
                    "merchantName": self.merchant.name,
                    "keyPrefix": principal.api_key.prefix,
                }
            }
        )


class TokenWhoAmIView(ContentView):
    """The merchant and user behind a Bearer JWT."""

    @extend_schema(responses=_me_schema, tags=["Auth"])
    def get(self, request: Request) -> Response:
        return Response(
            {"merchantId": self.merchant.pk, "merchantName": self.merchant.name, "username": request.user.username}
        )


def throttled_admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The dashboard's login form with the same limits as the token endpoint: 429 and Retry-After."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    username, ip = request.POST.get("username", ""), client_ip(request)
    try:
        check_login_allowed(username=username, ip=ip)
    except TooManyRequests as exc:
        context = {**admin.site.each_context(request), "title": "로그인 제한", "message": exc.message}
        response = render(request, "admin/login_throttled.html", context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    response = admin.site.login(request, extra_context)
    if response.status_code == 200:  # the form came back with an error: wrong credentials
        record_login_failure(username=username, ip=ip)
    else:
        record_login_success(username=username, ip=ip)
    return response
