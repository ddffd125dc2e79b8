"""The two products' error bodies, as a test checks them: Toile's ``{error, message, statusCode}`` and the
Content Service's ``{code, message, timestamp}``."""

from __future__ import annotations


def assert_toile_error(response, status_code: int) -> None:
    assert response.status_code == status_code, response.content
    body = response.json()
    assert set(body) == {"error", "message", "statusCode"}
    assert body["statusCode"] == status_code
    assert body["message"]


def assert_content_error(response, status_code: int) -> None:
    assert response.status_code == status_code, response.content
    body = response.json()
    assert {"code", "message", "timestamp"} <= set(body)
    assert body["message"] and body["code"]
