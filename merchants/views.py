from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

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
