"""OpenAPI descriptions of our authentication classes (loaded by MerchantsConfig.ready)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "merchants.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "x-api-key", "description": "대시보드에서 발급한 API 키"}


class MerchantJWTScheme(SimpleJWTScheme):
    target_class = "merchants.authentication.MerchantJWTAuthentication"
    name = "BearerAuth"
