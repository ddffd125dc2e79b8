"""The bodies of the who-am-I endpoints, each rendered and documented by one serializer."""

from __future__ import annotations

from rest_framework import serializers

from common.openapi import envelope


# Renders an ApiKeyPrincipal (GET /api/me, Toile's {"data": …} envelope).
class ApiKeyOwnerSerializer(serializers.Serializer):
    merchantId = serializers.IntegerField(source="merchant.pk")
    merchantName = serializers.CharField(source="merchant.name")
    keyPrefix = serializers.CharField(source="api_key.prefix", help_text="The key's visible prefix.")


ApiKeyOwnerResponse = envelope("ApiKeyOwnerResponse", ApiKeyOwnerSerializer)


# Renders {"merchant": Merchant, "user": User} (GET /api/auth/me, the Content Service's bare bodies).
class TokenOwnerResponse(serializers.Serializer):
    merchantId = serializers.IntegerField(source="merchant.pk")
    merchantName = serializers.CharField(source="merchant.name")
    username = serializers.CharField(source="user.username")
