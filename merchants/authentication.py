"""DRF authentication for the two API schemes: ``x-api-key`` (Toile public API) and Bearer JWT."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from merchants.models import ApiKey, Merchant
from merchants.origins import own_origins, request_origin
from merchants.selectors import merchant_for_user
from merchants.services import PUBLISHABLE_KEY_PREFIX, authenticate_api_key, check_api_key_use


class ApiKeyPrincipal(AnonymousUser):
    """The caller of a request authenticated by an API key: a merchant, not a person."""

    def __init__(self, api_key: ApiKey) -> None:
        super().__init__()
        self.api_key = api_key
        self.merchant = api_key.merchant

    @property
    def is_anonymous(self) -> bool:  # type: ignore[override]
        return False

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True


class ApiKeyAuthentication:
    header = "HTTP_X_API_KEY"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        raw_key = request.META.get(self.header, "").strip()
        if not raw_key:
            return None
        api_key = authenticate_api_key(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("유효하지 않은 API 키입니다.")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'ApiKey realm="api", header="x-api-key"'


class RefusePublishableKeys(BasePermission):
    """On the Bearer-JWT APIs (webhook management, Content): a valid publishable key is told 403, not 401.

    Those APIs never take an ``x-api-key``. A secret key there stays a plain 401 (no credential of this API);
    a publishable key is refused explicitly, so a widget key that reaches them cannot be mistaken for a
    missing login. Put it before ``IsAuthenticated``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        raw_key = request.META.get(ApiKeyAuthentication.header, "").strip()
        if raw_key.startswith(PUBLISHABLE_KEY_PREFIX) and authenticate_api_key(raw_key=raw_key) is not None:
            raise exceptions.PermissionDenied("공개 키(pk_)로는 이 API를 호출할 수 없습니다.")
        return True


class ApiKeyUsePolicy(BasePermission):
    """Where the authenticated API key may be used: see :func:`merchants.services.check_api_key_use`.

    A view opens itself to publishable keys (the shopper-facing operations) with
    ``publishable_key_allowed = True``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if isinstance(principal, ApiKeyPrincipal):
            check_api_key_use(
                api_key=principal.api_key,
                origin=request_origin(request),
                own_origins=own_origins(request),
                shopper_operation=bool(getattr(view, "publishable_key_allowed", False)),
            )
        return True


class MerchantJWTAuthentication(JWTAuthentication):
    """Bearer JWT of a merchant user (from ``POST /api/auth/token``)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed("유효하지 않거나 만료된 토큰입니다.") from exc


def request_merchant(request: Request) -> Merchant:
    """The merchant every query of this request is scoped to; 403 for a user who belongs to none."""
    principal = request.user
    if isinstance(principal, ApiKeyPrincipal):
        return principal.merchant
    merchant = merchant_for_user(principal)
    if merchant is None:
        raise exceptions.PermissionDenied("가맹점에 소속된 사용자만 사용할 수 있습니다.")
    return merchant
