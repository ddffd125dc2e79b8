import pytest
from django.core.management import CommandError, call_command

from sizing.models import Product, SizeChart

pytestmark = pytest.mark.django_db


def test_demo_catalogue_is_seeded_idempotently_and_recommends(merchant, api_key_client):
    call_command("seed_size_demo", merchant.name)
    call_command("seed_size_demo", merchant.name)
    assert SizeChart.objects.filter(merchant=merchant).count() == 5
    assert Product.objects.filter(merchant=merchant).count() == 5
    # What a Korean shopper would pick on these charts (the answer, not merely "some answer").
    for product_id, measurement, expected in [
        ("BLUE-SHIRT-001", {"gender": "M", "height": 170, "weight": 65, "chest": 90, "waist": 75}, "M"),
        ("KNIT-55", {"gender": "F", "height": 158, "weight": 50}, "55"),
        ("MEN-TEE-95", {"gender": "M", "height": 178, "weight": 76}, "100"),
        ("SLACKS-28", {"gender": "M", "height": 175, "weight": 70, "waist": 76}, "30"),
        ("DRESS-KS", {"gender": "F", "height": 161, "weight": 54, "chest": 86, "hip": 92}, "85-91-160"),
    ]:
        body = {"productId": product_id, "measurement": measurement}
        recommendation = api_key_client.post("/api/size/recommend", body, format="json").json()["data"][
            "recommendation"
        ]
        assert recommendation is not None and 0 <= recommendation["confidence"] <= 100, product_id
        assert recommendation["size"] == expected, (product_id, recommendation)


def test_unknown_merchant_is_an_error(db):
    with pytest.raises(CommandError):
        call_command("seed_size_demo", "nobody")
