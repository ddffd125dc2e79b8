"""Base views of the three API families; apps subclass one and call services and selectors."""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from merchants.authentication import ApiKeyAuthentication, MerchantJWTAuthentication, request_merchant
from merchants.models import Merchant


class MerchantAPIView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def merchant(self) -> Merchant:
        return request_merchant(self.request)


class ToileApiKeyView(MerchantAPIView):
    """Toile public API: ``x-api-key``; answer ``{"data": ...}``, errors ``{error, message, statusCode}``."""

    authentication_classes = [ApiKeyAuthentication]


class ToileDashboardView(MerchantAPIView):
    """Toile management API (webhooks): Bearer JWT of a merchant user; Toile formats."""

    authentication_classes = [MerchantJWTAuthentication]


class ContentView(MerchantAPIView):
    """Content Service API: Bearer JWT; errors ``{code, message, timestamp}``."""

    authentication_classes = [MerchantJWTAuthentication]


class PublicToileView(APIView):
    """Public Toile endpoints (share links): no authentication."""

    authentication_classes: list = []
    permission_classes: list = []
