"""DRF authentication for the two API schemes: ``x-api-key`` (Toile public API) and Bearer JWT."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import router
from django.utils.functional import cached_property
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.models import TokenUser
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from common.throttling import ApiKeyRateThrottle
from merchants.models import ApiKey, Merchant
from merchants.origins import own_origins, request_origin
from merchants.selectors import merchant_for_user
from merchants.services import (
    API_KEY_PREFIX_LENGTH,
    PUBLISHABLE_KEY_PREFIX,
    api_key_cache_key,
    authenticate_api_key,
    check_api_key_use,
    is_api_key_memoised,
)
from merchants.tokens import MERCHANT_CLAIM


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


class ApiKeyAuthentication(BaseAuthentication):
    header = "HTTP_X_API_KEY"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        raw_key = request.META.get(self.header, "").strip()
        if not raw_key:
            return None
        api_key = authenticate_api_key(raw_key=raw_key, request=request)
        if api_key is None:
            raise exceptions.AuthenticationFailed("유효하지 않은 API 키입니다.")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'ApiKey realm="api", header="x-api-key"'


def api_key_throttle_counter(request: Request) -> tuple[str, int] | None:
    """The per-key throttle's counter for this request's key, if it carries one (see common.read_ahead)."""
    raw_key = request.META.get(ApiKeyAuthentication.header, "").strip()
    return ApiKeyRateThrottle.counter_for(raw_key[:API_KEY_PREFIX_LENGTH]) if raw_key else None


def api_key_cache_keys(request: Request) -> list[str]:
    """The cache key :class:`ApiKeyAuthentication` reads for this request, if it carries a key this process
    has not verified a moment ago."""
    raw_key = request.META.get(ApiKeyAuthentication.header, "").strip()
    if not raw_key or is_api_key_memoised(raw_key=raw_key):
        return []
    return [api_key_cache_key(raw_key=raw_key)]


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
            origin = request_origin(request)
            check_api_key_use(
                api_key=principal.api_key,
                origin=origin,
                # Only a browser's request (an origin) is compared with them: a server's poll skips the work.
                own_origins=own_origins(request) if origin is not None else set(),
                shopper_operation=bool(getattr(view, "publishable_key_allowed", False)),
            )
        return True


class MerchantTokenUser(TokenUser):
    """The user of a Bearer JWT naming its merchant, built from the token alone (no query).

    Its merchant is a reference by id (its other fields load on first use); the username is read from the
    database when something asks for it.
    """

    def __init__(self, token: Token, merchant: Merchant) -> None:
        super().__init__(token)
        self.merchant = merchant

    @cached_property
    def id(self) -> Any:
        # The user model's primary key type, as the database path would give it (simplejwt stores a string).
        return get_user_model()._meta.pk.to_python(self.token[jwt_settings.USER_ID_CLAIM])

    @cached_property
    def username(self) -> str:
        return get_user_model().objects.filter(pk=self.id).values_list("username", flat=True).first() or ""


class MerchantJWTAuthentication(JWTAuthentication):
    """Bearer JWT of a merchant user (from ``POST /api/auth/token``).

    A token naming its merchant (``mid``, see merchants/tokens.py) is trusted without a query, unless its
    user's membership or account changed since it may have been minted (:func:`recheck_user_tokens`); then,
    and for tokens without the claim, the user and their membership are read from the database. A user
    removed from their merchant or deactivated through the models (dashboard, services) is refused at once;
    a change that bypasses them (raw SQL) at the latest when the access token expires.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed("유효하지 않거나 만료된 토큰입니다.") from exc

    def get_validated_token(self, raw_token: bytes) -> Token:
        # Verifying costs more than the rest of a cached poll (PyJWT checks the key and every character of the
        # token each time): a token verified before is taken from this process's memo, its expiry checked.
        token = _verified_tokens.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                _verified_tokens.pop(raw_token, None)  # verified again below, which says why it is refused
        token = super().get_validated_token(raw_token)
        if len(_verified_tokens) >= VERIFIED_TOKEN_MEMO_SIZE:
            _verified_tokens.clear()
        _verified_tokens[raw_token] = token
        return token

    def get_user(self, validated_token: Token) -> Any:
        merchant_id = validated_token.get(MERCHANT_CLAIM)
        user_id = validated_token.get(jwt_settings.USER_ID_CLAIM)
        if type(merchant_id) is int and user_id is not None and not _needs_recheck(str(user_id)):
            merchant = Merchant.from_db(router.db_for_read(Merchant), ["id"], [merchant_id])
            return MerchantTokenUser(validated_token, merchant=merchant)
        return super().get_user(validated_token)


# Access tokens verified in this process (their signature and claims hold for good; only expiry is time-bound).
VERIFIED_TOKEN_MEMO_SIZE = 10_000
_verified_tokens: dict[bytes, Token] = {}

# Per process, "this user's tokens need no recheck" is remembered this long, so that a client polling with a
# token costs no cache round trip for it; a recheck asked for in another process is seen within this time.
RECHECK_MEMO_SECONDS = 1.0
RECHECK_MEMO_SIZE = 10_000
_no_recheck_until: dict[str, float] = {}


def _recheck_key(user_id: str) -> str:
    return f"merchants:jwt-recheck:v1:{user_id}"


def _needs_recheck(user_id: str) -> bool:
    now = time.monotonic()
    if _no_recheck_until.get(user_id, 0.0) > now:
        return False
    if cache.get(_recheck_key(user_id)) is not None:
        return True
    if len(_no_recheck_until) >= RECHECK_MEMO_SIZE:
        _no_recheck_until.clear()
    _no_recheck_until[user_id] = now + RECHECK_MEMO_SECONDS
    return False


def recheck_user_tokens(user_id: object) -> None:
    """The user's access tokens are checked against the database until every token minted so far expired."""
    leeway = jwt_settings.LEEWAY
    leeway_seconds = leeway.total_seconds() if isinstance(leeway, timedelta) else float(leeway)
    lifetime = jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds() + leeway_seconds
    cache.set(_recheck_key(str(user_id)), True, timeout=math.ceil(lifetime) + 1)
    _no_recheck_until.pop(str(user_id), None)


def request_merchant(request: Request) -> Merchant:
    """The merchant every query of this request is scoped to; 403 for a user who belongs to none."""
    principal = request.user
    if isinstance(principal, ApiKeyPrincipal | MerchantTokenUser):
        return principal.merchant
    merchant = merchant_for_user(principal)
    if merchant is None:
        raise exceptions.PermissionDenied("가맹점에 소속된 사용자만 사용할 수 있습니다.")
    return merchant
