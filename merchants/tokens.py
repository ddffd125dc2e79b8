"""JWTs of merchant users: ``POST /api/auth/token`` and ``/api/auth/token/refresh``.

A refresh token carries a fingerprint of the user's password hash (Django's session auth hash, which is what
logs a browser session out on a password change). Refreshing compares it with the user's current one: after
a password change every refresh token issued before it is blacklisted (simplejwt's blacklist app) and
refused, however the password was changed (dashboard, ``changepassword``, a script). A refresh token of a
user who no longer exists or was deactivated is a 401, never a 500.

An access token names the user's merchant (claim ``mid``), read from the database when the token is minted
(login or refresh), so that an API request needs no query to know whom it is scoped to
(:class:`merchants.authentication.MerchantJWTAuthentication`). The refresh token does not carry it: a user
moved to another merchant gets the new one with their next access token.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenObtainSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from common.throttling import check_login_allowed, client_ip, record_login_failure, record_login_success
from merchants.models import Membership

PASSWORD_CLAIM = "pwd"
MERCHANT_CLAIM = "mid"


def password_fingerprint(user: Any) -> str:
    return user.get_session_auth_hash()[:24]


def access_token_for(refresh: Token, user: Any) -> AccessToken:
    """The access token of ``refresh`` naming the user's merchant as it is now (no claim without one)."""
    access = refresh.access_token  # type: ignore[attr-defined]  # a RefreshToken (the token class of both flows)
    access.payload.pop(MERCHANT_CLAIM, None)
    merchant_id = Membership.objects.filter(user=user).values_list("merchant_id", flat=True).first()
    if merchant_id is not None:
        access[MERCHANT_CLAIM] = merchant_id
    return access


class MerchantTokenObtainPairSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user: Any) -> Token:
        token = super().get_token(user)
        token[PASSWORD_CLAIM] = password_fingerprint(user)
        return token

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        TokenObtainSerializer.validate(self, attrs)  # authenticates self.user (401 otherwise)
        user = self.user
        assert user is not None
        refresh = self.get_token(user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(get_user_model(), user)
        return {"refresh": str(refresh), "access": str(access_token_for(refresh, user))}


class MerchantTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = RefreshToken(attrs["refresh"])  # signature, expiry and blacklist: TokenError → 401
        user_model = get_user_model()
        try:
            user = user_model.objects.filter(
                **{api_settings.USER_ID_FIELD: refresh.payload.get(api_settings.USER_ID_CLAIM)}
            ).first()
        except (TypeError, ValueError):
            user = None
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed("사용자를 찾을 수 없거나 비활성화된 계정입니다.", "no_active_account")
        if refresh.payload.get(PASSWORD_CLAIM) != password_fingerprint(user):
            refresh.blacklist()
            raise AuthenticationFailed(
                "비밀번호가 변경되어 토큰이 폐기되었습니다. 다시 로그인해 주세요.", "token_revoked"
            )
        return {"access": str(access_token_for(refresh, user))}


class TokenObtainView(TokenObtainPairView):
    """``POST /api/auth/token``, limited per client address and per username's failed attempts (429)."""

    serializer_class = MerchantTokenObtainPairSerializer

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        username = username if isinstance(username, str) else ""
        ip = client_ip(request)
        check_login_allowed(username=username, ip=ip)
        try:
            response = super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            record_login_failure(username=username, ip=ip)
            raise
        record_login_success(username=username, ip=ip)
        return response


class TokenRefreshViewWithRevocation(TokenRefreshView):
    serializer_class = MerchantTokenRefreshSerializer
