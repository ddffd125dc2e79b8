import json

import pytest
from rest_framework.test import APIClient

from tests.support.errors import assert_content_error, assert_toile_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/content/no-such-route", "/api/content/images/generate/extra/x"])
def test_unknown_content_route_is_404_in_content_format(path):
    response = APIClient().get(path)
    assert_content_error(response, 404)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "path", ["/api/no-such-route", "/api/tryon/x/y/z/w", "/api/size/unknown", "/api/webhooks/a/b/c"]
)
def test_unknown_toile_route_is_404_in_toile_format(path):
    response = APIClient().get(path)
    assert_toile_error(response, 404)
    assert response.json()["error"] == "NotFound"


def test_method_not_allowed_keeps_each_products_format(jwt_client, api_key_client):
    assert_content_error(jwt_client.delete("/api/auth/me"), 405)
    assert_toile_error(api_key_client.delete("/api/me"), 405)


def test_malformed_json_is_400_in_content_format(db):
    response = APIClient().post("/api/auth/token", data="{not json", content_type="application/json")
    assert_content_error(response, 400)
    assert response.json()["code"] == "BAD_REQUEST"


def test_pages_outside_the_api_keep_html_errors(db):
    response = APIClient().get("/not-an-api-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_openapi_schema_and_docs_are_served(db):
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    document = schema.json()
    assert "/api/auth/token" in document["paths"]
    assert document["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "대시보드에서 발급한 API 키",
    }
    assert document["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_oversized_json_body_is_413_in_each_products_format(jwt_client, api_key_client):
    big = '{"username": "' + "x" * (2 * 1024 * 1024) + '"}'
    assert_content_error(APIClient().post("/api/auth/token", data=big, content_type="application/json"), 413)
    assert_toile_error(api_key_client.post("/api/me", data=big, content_type="application/json"), 413)


def test_server_error_under_api_is_json_in_product_format(rf):
    from config.urls import handler500

    content = handler500(rf.get("/api/content/images/jobs/x"))
    assert content.status_code == 500 and json.loads(content.content)["code"] == "INTERNAL_SERVER_ERROR"
    toile = handler500(rf.get("/api/tryon/x"))
    assert json.loads(toile.content) == {
        "error": "InternalServerError",
        "message": "서버 내부 오류가 발생했습니다.",
        "statusCode": 500,
    }
