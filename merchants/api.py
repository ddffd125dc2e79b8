"""Base views of the three API families; apps subclass one and call services and selectors."""

from __future__ import annotations

import uuid

from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from common.errors import InvalidInput
from common.throttling import TOILE_API_THROTTLES
from merchants.authentication import (
    ApiKeyAuthentication,
    ApiKeyPrincipal,
    ApiKeyUsePolicy,
    MerchantJWTAuthentication,
    RefusePublishableKeys,
    request_merchant,
)
from merchants.models import Merchant


class MerchantAPIView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def merchant(self) -> Merchant:
        return request_merchant(self.request)


class ToileApiKeyView(MerchantAPIView):
    """Toile public API: ``x-api-key``; answer ``{"data": ...}``, errors ``{error, message, statusCode}``.

    Secret keys only, unless the view is a shopper-facing operation (``publishable_key_allowed = True``):
    then the storefront widget's publishable key may call it too, from its allowed origins, always on behalf
    of one visitor (:meth:`acting_visitor`).
    """

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated, ApiKeyUsePolicy]
    throttle_classes = TOILE_API_THROTTLES
    publishable_key_allowed = False

    @property
    def from_publishable_key(self) -> bool:
        principal = self.request.user
        return isinstance(principal, ApiKeyPrincipal) and principal.api_key.is_publishable

    def acting_visitor(self, visitor_id: uuid.UUID | None) -> uuid.UUID | None:
        """The visitor a publishable-key request acts for: its ``visitorId``, which it must carry.

        It scopes what the request may see (a visitor reads only their own try-on jobs) and is what the
        per-visitor limits count. Secret-key requests act for the merchant: None.
        """
        if not self.from_publishable_key:
            return None
        if visitor_id is None:
            raise InvalidInput("visitorId: 공개 키(pk_)로 호출할 때는 visitorId(UUID)가 필요합니다.")
        return visitor_id


class ToileDashboardView(MerchantAPIView):
    """Toile management API (webhooks): Bearer JWT of a merchant user; Toile formats."""

    authentication_classes = [MerchantJWTAuthentication]
    permission_classes = [RefusePublishableKeys, IsAuthenticated]


class ContentView(MerchantAPIView):
    """Content Service API: Bearer JWT; errors ``{code, message, timestamp}``."""

    authentication_classes = [MerchantJWTAuthentication]
    permission_classes = [RefusePublishableKeys, IsAuthenticated]


class PublicToileView(APIView):
    """Public Toile endpoints (share links): no authentication."""

    authentication_classes: list = []
    permission_classes: list = []
