"""Swagger UI and ReDoc are served by the project: every operation is listed (and in ReDoc every webhook we send),
nothing is fetched elsewhere.

ReDoc's bundle always shows the Redocly logo from cdn.redoc.ly; the page's Content-Security-Policy makes the
browser refuse it (Playwright reports the failure "csp") before any connection, which the recorder checks.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def schema_operations(page, base_url: str) -> set[tuple[str, str]]:
    schema = page.request.get(f"{base_url}/api/schema/?format=json").json()
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in METHODS}


def test_swagger_ui_lists_every_operation_from_local_files(browser):
    page = browser.page
    expected = schema_operations(page, browser.base_url)
    assert len(expected) > 20

    response = page.goto(f"{browser.base_url}/api/docs/")
    assert response.status == 200
    page.wait_for_selector(".opblock")
    page.wait_for_function(f"document.querySelectorAll('.opblock').length >= {len(expected)}")
    shown = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(b => [
                b.querySelector('.opblock-summary-method').textContent.trim(),
                b.querySelector('.opblock-summary-path').getAttribute('data-path'),
            ])""",
    )
    assert len(shown) == len(expected)
    assert {tuple(item) for item in shown} == expected
    assert page.title() == "Content Service + Toile API"
    browser.screenshot("api-docs-swagger")
    browser.assert_nothing_left_the_machine()
    assert any(
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in url for url in browser.requests
    )


def test_redoc_lists_every_operation_from_local_files(browser):
    page = browser.page
    expected = schema_operations(page, browser.base_url)

    response = page.goto(f"{browser.base_url}/api/redoc/")
    assert response.status == 200
    page.wait_for_selector("[data-section-id^='tag/']")
    # ReDoc renders one section per operation (ids "tag/<tag>/operation/<operationId>").
    page.wait_for_function(f"document.querySelectorAll(\"[data-section-id*='/operation/']\").length >= {len(expected)}")
    operations = page.eval_on_selector_all("[data-section-id*='/operation/']", "els => els.length")
    assert operations == len(expected)
    # And every webhook we send, from the document's x-webhooks (ids "tag/<tag>/paths/<event type>/post").
    webhooks = page.request.get(f"{browser.base_url}/api/schema/?format=json").json()["x-webhooks"]
    sections = page.eval_on_selector_all("[data-section-id*='/paths/']", "els => els.map(e => e.dataset.sectionId)")
    assert {section.split("/paths/")[1].removesuffix("/post") for section in sections} == set(webhooks)
    browser.screenshot("api-docs-redoc", full_page=False)
    browser.assert_nothing_left_the_machine()
