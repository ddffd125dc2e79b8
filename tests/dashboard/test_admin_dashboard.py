import pytest
from django.test import Client

from merchants.models import ApiKey
from merchants.services import hash_api_key, issue_api_key
from tests.support.merchants import admin_client_for
from tests.support.text import must_search

pytestmark = pytest.mark.django_db


def test_merchant_user_can_log_in_with_password(merchant):
    user = merchant.memberships.get().user
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": user.username, "password": "pass-word-123"})
    assert response.status_code == 302
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "API 키" in index.content.decode()


def test_merchant_sees_only_its_own_api_keys(merchant, other_merchant):
    issue_api_key(merchant=merchant, name="mine-storefront")
    theirs = issue_api_key(merchant=other_merchant, name="theirs-storefront").api_key
    client = admin_client_for(merchant)
    listing = client.get("/admin/merchants/apikey/").content.decode()
    assert "mine-storefront" in listing
    assert "theirs-storefront" not in listing
    other_page = client.get(f"/admin/merchants/apikey/{theirs.pk}/change/")
    assert other_page.status_code == 404  # another merchant's object is indistinguishable from a missing one
    merchants_page = client.get("/admin/merchants/merchant/").content.decode()
    assert "Merchant A" in merchants_page and "Merchant B" not in merchants_page


def test_merchant_user_cannot_reach_users_or_groups(merchant):
    client = admin_client_for(merchant)
    assert client.get("/admin/auth/user/").status_code == 403


def test_api_key_issued_in_dashboard_is_shown_once_and_stored_hashed(merchant):
    client = admin_client_for(merchant)
    response = client.post("/admin/merchants/apikey/add/", {"name": "new storefront"})
    assert response.status_code == 200
    page = response.content.decode()
    raw_key = must_search(r'id="raw-api-key"[^>]*>(tk_[^<]+)<', page).group(1)
    api_key = ApiKey.objects.get(name="new storefront")
    assert api_key.merchant == merchant
    assert api_key.hashed_key == hash_api_key(raw_key)
    change_page = client.get(f"/admin/merchants/apikey/{api_key.pk}/change/").content.decode()
    assert raw_key not in change_page
    assert raw_key not in client.get("/admin/merchants/apikey/").content.decode()


def test_revoke_action_disables_key(merchant):
    issued = issue_api_key(merchant=merchant, name="to revoke")
    client = admin_client_for(merchant)
    client.post(
        "/admin/merchants/apikey/",
        {"action": "revoke_selected", "_selected_action": [issued.api_key.pk]},
    )
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is not None
    from rest_framework.test import APIClient

    assert APIClient().get("/api/me", HTTP_X_API_KEY=issued.raw_key).status_code == 401


def test_superuser_sees_all_merchants(merchant, other_merchant, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "root-password")
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/merchants/merchant/").content.decode()
    assert "Merchant A" in page and "Merchant B" in page


def test_key_page_revokes_with_a_button(merchant):
    issued = issue_api_key(merchant=merchant, name="button revoke")
    client = admin_client_for(merchant)
    url = f"/admin/merchants/apikey/{issued.api_key.pk}/change/"
    assert f"/admin/merchants/apikey/{issued.api_key.pk}/revoke/" in client.get(url).content.decode()
    assert client.get(f"/admin/merchants/apikey/{issued.api_key.pk}/revoke/").status_code == 405
    page = client.post(f"/admin/merchants/apikey/{issued.api_key.pk}/revoke/", follow=True).content.decode()
    assert "API 키를 폐기했습니다" in page and 'id="revoke-key"' not in page
    from rest_framework.test import APIClient

    assert APIClient().get("/api/me", HTTP_X_API_KEY=issued.raw_key).status_code == 401
