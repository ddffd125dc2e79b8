"""Every way into the dashboard lands on a page of the dashboard: sign-in without next, typed Django paths,
logout, password help, unknown pages, the favicon."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.merchants import PASSWORD, owner_of

pytestmark = pytest.mark.django_db


def sign_in(client, merchant, **extra):
    return client.post("/admin/login/", {"username": owner_of(merchant).username, "password": PASSWORD, **extra})


def test_a_sign_in_without_next_lands_on_the_dashboard_home(client, merchant):
    response = sign_in(client, merchant)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "http://testserver.evil/"])
def test_an_off_site_next_is_still_ignored(client, merchant, target):
    response = sign_in(client, merchant, next=target)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_next_inside_the_dashboard_is_followed(client, merchant):
    response = sign_in(client, merchant, next="/admin/webhooks/webhookendpoint/")
    assert response["Location"] == "/admin/webhooks/webhookendpoint/"


def test_djangos_default_account_paths_lead_into_the_dashboard(client, merchant):
    assert client.get("/accounts/login/?next=/admin/tryon/").headers["Location"] == "/admin/login/?next=/admin/tryon/"
    assert client.get("/accounts/profile/").headers["Location"] == "/admin/"


def test_logout_by_get_goes_home_and_by_post_signs_out_on_a_themed_page(client, merchant):
    client.force_login(owner_of(merchant))
    assert client.get("/admin/logout/").headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200  # still signed in
    page = client.post("/admin/logout/")
    assert page.status_code == 200
    assert b"unfold" in page.content and b'href="/favicon.ico"' in page.content
    assert client.get("/admin/").status_code == 302  # signed out


def test_password_help_is_linked_from_the_login_page_and_themed(client):
    login = client.get("/admin/login/").content.decode()
    assert 'href="/admin/password_reset/"' in login
    page = client.get("/admin/password_reset/")
    assert page.status_code == 200
    assert "운영자" in page.content.decode() and b"unfold" in page.content
    assert client.get("/admin/password_change/").status_code == 302  # the themed form needs a signed-in user


def test_unknown_pages_are_pages_of_the_product(client, merchant):
    client.force_login(owner_of(merchant))
    dashboard = client.get("/admin/no-such-page/")
    assert dashboard.status_code == 404
    text = dashboard.content.decode()
    assert 'id="message-title"' in text and "페이지를 찾을 수 없습니다" in text and "대시보드 홈으로" in text
    shopper = client.get("/no-such-page")
    assert shopper.status_code == 404 and "페이지를 찾을 수 없습니다" in shopper.content.decode()
    assert "TOILE" in shopper.content.decode()
    share = client.get("/share/no-such-token")
    assert share.status_code == 404 and "공유 링크를 열 수 없습니다" in share.content.decode()
    api = client.get("/api/no-such-path")
    assert api.status_code == 404 and api.json()["statusCode"] == 404


def test_the_favicon_is_served_by_the_project(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
