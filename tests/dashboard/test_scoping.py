"""Every dashboard page is scoped to the user's merchant: guessed URLs of another merchant's objects are 404
(pages, custom views and actions alike), lists and autocomplete offer only the merchant's own objects."""

from __future__ import annotations

import pytest
from django.test import Client

from content.models import GeneratedImage, ImageJob
from merchants.models import ApiKey
from sizing.models import Product, SizeChart
from tests.support.webhooks import make_endpoint
from tryon.models import TryOnJob
from webhooks.services import emit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(shop) -> Client:
    client = Client()
    client.force_login(shop.merchant.memberships.get().user)
    return client


@pytest.fixture
def theirs(shop):
    endpoint, _ = make_endpoint(shop.other, shop.receiver.url("/theirs"), ["tryon.completed"])
    emit_event(merchant=shop.other, event_type="tryon.completed", data={})
    return {
        "image": GeneratedImage.objects.filter(merchant=shop.other).first(),
        "job": ImageJob.objects.get(pk=shop.other_content_job_id),
        "tryon": TryOnJob.objects.get(merchant=shop.other),
        "chart": SizeChart.objects.get(merchant=shop.other),
        "product": Product.objects.get(merchant=shop.other),
        "key": ApiKey.objects.get(merchant=shop.other),
        "endpoint": endpoint,
        "delivery": endpoint.deliveries.get(),
    }


def test_guessed_urls_of_another_merchant_are_404(client, theirs):
    t = theirs
    pages = [
        f"/admin/content/generatedimage/{t['image'].pk}/change/",
        f"/admin/content/generatedimage/{t['image'].pk}/download/",
        f"/admin/content/imagejob/{t['job'].pk}/change/",
        f"/admin/content/imagejob/{t['job'].pk}/progress/",
        f"/admin/tryon/tryonjob/{t['tryon'].pk}/change/",
        f"/admin/tryon/tryonjob/{t['tryon'].pk}/progress/",
        f"/admin/tryon/tryonjob/{t['tryon'].pk}/delete/",
        f"/admin/sizing/sizechart/{t['chart'].pk}/change/",
        f"/admin/sizing/sizechart/{t['chart'].pk}/export-csv/",
        f"/admin/sizing/product/{t['product'].pk}/change/",
        f"/admin/sizing/product/{t['product'].pk}/history/",
        f"/admin/merchants/apikey/{t['key'].pk}/change/",
        f"/admin/webhooks/webhookendpoint/{t['endpoint'].pk}/change/",
        f"/admin/webhooks/webhookdelivery/{t['delivery'].pk}/change/",
        f"/admin/merchants/merchant/{t['key'].merchant_id}/change/",
    ]
    assert {page: client.get(page).status_code for page in pages} == dict.fromkeys(pages, 404)
    writes = [
        f"/admin/content/generatedimage/{t['image'].pk}/regenerate/",
        f"/admin/content/generatedimage/{t['image'].pk}/remove/",
        f"/admin/webhooks/webhookdelivery/{t['delivery'].pk}/replay/",
        f"/admin/webhooks/webhookendpoint/{t['endpoint'].pk}/send-test/",
        f"/admin/merchants/apikey/{t['key'].pk}/revoke/",
        f"/admin/tryon/tryonjob/{t['tryon'].pk}/delete/",
    ]
    assert {page: client.post(page, {"post": "yes"}).status_code for page in writes} == dict.fromkeys(writes, 404)
    # Nothing changed.
    t["image"].refresh_from_db()
    t["key"].refresh_from_db()
    assert t["image"].is_listed and t["key"].is_active
    assert TryOnJob.objects.filter(pk=t["tryon"].pk).exists()
    assert ImageJob.objects.filter(kind=ImageJob.Kind.REGENERATE).count() == 0
    assert t["delivery"].attempts.count() == 0


def test_lists_exports_and_autocomplete_hold_only_the_merchants_objects(client, theirs, shop):
    gallery = client.get("/admin/content/generatedimage/gallery/").content.decode()
    assert "spring-sale" in gallery and "their-event" not in gallery
    tryons = client.get("/admin/tryon/tryonjob/gallery/").content.decode()
    assert "블루 린넨 셔츠" in tryons and "남의 셔츠" not in tryons
    exported = client.get("/admin/sizing/product/export-csv/")
    assert exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    assert "BLUE-SHIRT-001" in text and "THEIR-1" not in text

    def autocomplete(model_name: str, field: str, term: str = "") -> list[str]:
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": "sizing", "model_name": model_name, "field_name": field, "term": term},
        )
        assert response.status_code == 200
        return [item["text"] for item in response.json()["results"]]

    charts = autocomplete("product", "size_chart")
    assert any("BRAND_A" in text for text in charts) and not any("THEIRS" in text for text in charts)
    assert autocomplete("product", "size_chart", "THEIRS") == []
    products = autocomplete("sizefeedback", "product")
    assert products == ["블루 린넨 셔츠 (BLUE-SHIRT-001)"]
    # The product form's chart choices refuse another merchant's chart even when posted by hand.
    mine = Product.objects.get(merchant=shop.merchant)
    data = {"external_id": mine.external_id, "name": mine.name, "brand": mine.brand, "category": mine.category}
    response = client.post(f"/admin/sizing/product/{mine.pk}/change/", {**data, "size_chart": theirs["chart"].pk})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    mine.refresh_from_db()
    assert mine.size_chart_id is None


def test_bulk_actions_touch_only_the_merchants_objects(client, theirs):
    response = client.post(
        "/admin/content/generatedimage/",
        {"action": "remove_from_listing", "_selected_action": [theirs["image"].pk]},
    )
    assert response.status_code == 302
    theirs["image"].refresh_from_db()
    assert theirs["image"].is_listed
    client.post("/admin/merchants/apikey/", {"action": "revoke_selected", "_selected_action": [theirs["key"].pk]})
    theirs["key"].refresh_from_db()
    assert theirs["key"].is_active
