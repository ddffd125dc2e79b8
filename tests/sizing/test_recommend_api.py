import uuid

import pytest

from sizing.models import BodyMeasurement, SizeChart
from tests.support.merchants import api_key_client_for
from tests.support.sizing import BOTTOM_GARMENT_ROWS, make_chart, make_product

pytestmark = pytest.mark.django_db

URL = "/api/size/recommend"


def recommend(client, product_id: str, **measurement):
    body = {"productId": product_id, "measurement": {"gender": "M", "height": 175, "weight": 70, **measurement}}
    return client.post(URL, body, format="json")


def test_recommends_size_with_confidence_for_top_body_chart(api_key_client, shirt):
    response = recommend(api_key_client, "BLUE-SHIRT-001", height=170, weight=65, chest=91, waist=78)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["recommendation"]["size"] == "M"
    assert 60 <= data["recommendation"]["confidence"] <= 99
    assert data["product"] == {"name": "블루 린넨 셔츠", "category": "TOP", "brand": "BRAND_A"}


def test_measured_girths_give_more_confidence_than_estimates(api_key_client, shirt):
    measured = recommend(api_key_client, "BLUE-SHIRT-001", height=170, weight=63, chest=91).json()["data"]
    estimated = recommend(api_key_client, "BLUE-SHIRT-001", height=170, weight=63).json()["data"]
    assert measured["recommendation"]["size"] == "M"
    assert estimated["recommendation"]["estimatedMeasurements"] == ["chest"]
    assert estimated["recommendation"]["confidence"] < measured["recommendation"]["confidence"]


def test_boundary_body_gets_low_confidence(api_key_client, shirt):
    inside = recommend(api_key_client, "BLUE-SHIRT-001", height=169, weight=63, chest=91).json()["data"]
    boundary = recommend(api_key_client, "BLUE-SHIRT-001", height=171.5, weight=67, chest=94).json()["data"]
    assert boundary["recommendation"]["confidence"] <= 55
    assert inside["recommendation"]["confidence"] - boundary["recommendation"]["confidence"] >= 25


def test_bottoms_garment_chart_in_half_girths(api_key_client, merchant):
    make_chart(
        merchant,
        brand="SLAX",
        category="BOTTOM",
        rows=BOTTOM_GARMENT_ROWS,
        kind=SizeChart.Kind.GARMENT,
        garment_flat=True,
    )
    make_product(merchant, external_id="SLACKS-1", brand="SLAX", category="BOTTOM")
    # Waist 81 cm body: garment waist 84 cm (42 × 2) minus 2 cm ease fits a 82 cm waist → 32.
    response = recommend(api_key_client, "SLACKS-1", waist=81, hip=99)
    assert response.status_code == 200
    assert response.json()["data"]["recommendation"]["size"] == "32"
    small = recommend(api_key_client, "SLACKS-1", waist=72, hip=90).json()["data"]["recommendation"]
    assert small["size"] == "28"


@pytest.mark.parametrize(
    ("labels", "measurement", "expected"),
    [
        (["44", "55", "66", "77"], {"gender": "F", "height": 160, "weight": 54, "chest": 88}, "66"),
        (["90", "95", "100", "105"], {"height": 178, "weight": 75, "chest": 99}, "100"),
        (
            ["82-88-155", "85-91-160", "88-94-165"],
            {"gender": "F", "height": 160, "weight": 53, "chest": 85, "hip": 91},
            "85-91-160",
        ),
    ],
)
def test_korean_label_systems_without_numbers(api_key_client, merchant, labels, measurement, expected):
    make_chart(merchant, brand="KR", category="TOP", rows=labels)
    make_product(merchant, external_id="KR-1", brand="KR", category="TOP")
    response = recommend(api_key_client, "KR-1", **measurement)
    assert response.json()["data"]["recommendation"]["size"] == expected


def test_inch_waist_labels_for_bottoms(api_key_client, merchant):
    make_chart(merchant, brand="DENIM", category="BOTTOM", rows=["26", "28", "30", "32", "34"])
    make_product(merchant, external_id="JEANS", brand="denim", category="BOTTOM")  # brand match ignores case
    data = recommend(api_key_client, "JEANS", waist=76).json()["data"]
    assert data["recommendation"]["size"] == "30"


def test_free_size_chart(api_key_client, merchant):
    make_chart(merchant, brand="ONE", category="OUTER", rows=[("Free", {"chest": (84, 104)})])
    make_product(merchant, external_id="COAT", brand="ONE", category="OUTER")
    fits = recommend(api_key_client, "COAT", chest=94).json()["data"]["recommendation"]
    too_big = recommend(api_key_client, "COAT", chest=118).json()["data"]["recommendation"]
    assert fits["size"] == too_big["size"] == "Free"
    assert fits["confidence"] > 80 > too_big["confidence"]


def test_product_without_chart_returns_null_recommendation(api_key_client, merchant):
    make_product(merchant, external_id="NOCHART", brand="NEW", category="TOP", name="새 상품")
    response = recommend(api_key_client, "NOCHART")
    assert response.status_code == 200
    assert response.json() == {
        "data": {"recommendation": None, "product": {"name": "새 상품", "category": "TOP", "brand": "NEW"}}
    }


def test_unknown_product_is_404_in_toile_format(api_key_client, shirt):
    response = recommend(api_key_client, "NOPE")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound" and response.json()["statusCode"] == 404


def test_other_merchants_product_is_invisible(shirt, other_merchant):
    response = recommend(api_key_client_for(other_merchant), "BLUE-SHIRT-001", chest=91)
    assert response.status_code == 404


def test_visitor_id_stores_the_measurement(api_key_client, shirt, merchant):
    visitor = uuid.uuid4()
    body = {
        "productId": "BLUE-SHIRT-001",
        "measurement": {"gender": "M", "height": 170, "weight": 65, "chest": 91},
        "visitorId": str(visitor),
    }
    assert api_key_client.post(URL, body, format="json").status_code == 200
    stored = BodyMeasurement.objects.get()
    assert (stored.merchant, stored.visitor_id, stored.product, stored.recommended_size) == (
        merchant,
        visitor,
        shirt,
        "M",
    )
    assert stored.chest == 91 and stored.waist is None
    recommend(api_key_client, "BLUE-SHIRT-001")
    assert BodyMeasurement.objects.count() == 1  # without visitorId nothing is stored


def test_missing_api_key_is_401(client, shirt):
    response = client.post(URL, {"productId": "BLUE-SHIRT-001"}, content_type="application/json")
    assert response.status_code == 401
    assert set(response.json()) == {"error", "message", "statusCode"}


def test_garment_top_chart_in_half_chest_with_ease(api_key_client, merchant):
    # 가슴단면 52/55/58 cm = 104/110/116 cm garments; minus 10 cm ease: bodies around 94/100/106 cm.
    rows = [("M", {"chest": (52, 52)}), ("L", {"chest": (55, 55)}), ("XL", {"chest": (58, 58)})]
    make_chart(merchant, brand="TEE", category="TOP", rows=rows, kind=SizeChart.Kind.GARMENT, garment_flat=True)
    make_product(merchant, external_id="TEE-1", brand="TEE", category="TOP")
    assert recommend(api_key_client, "TEE-1", chest=100).json()["data"]["recommendation"]["size"] == "L"
    assert recommend(api_key_client, "TEE-1", chest=93).json()["data"]["recommendation"]["size"] == "M"


def test_ks_chest_height_labels_for_mens_tops(api_key_client, merchant):
    make_chart(merchant, brand="KS", category="TOP", rows=["90-170", "95-175", "100-180", "105-185"])
    make_product(merchant, external_id="KS-1", brand="KS", category="TOP")
    data = recommend(api_key_client, "KS-1", height=176, weight=72, chest=96).json()["data"]
    assert data["recommendation"]["size"] == "95-175"


def test_free_size_without_numbers_is_recommended_with_coin_flip_confidence(api_key_client, merchant):
    make_chart(merchant, brand="FREE", category="TOP", rows=["Free"])
    make_product(merchant, external_id="FREE-1", brand="FREE", category="TOP")
    recommendation = recommend(api_key_client, "FREE-1").json()["data"]["recommendation"]
    assert recommendation == {"size": "Free", "confidence": 50, "estimatedMeasurements": []}


def test_unknown_product_stores_no_measurement(api_key_client, shirt):
    body = {
        "productId": "NOPE",
        "measurement": {"gender": "F", "height": 160, "weight": 50},
        "visitorId": str(uuid.uuid4()),
    }
    assert api_key_client.post(URL, body, format="json").status_code == 404
    assert BodyMeasurement.objects.count() == 0


def test_product_id_longer_than_any_stored_is_unknown_not_malformed(api_key_client, shirt):
    # The contract bounds productId by nothing: a long id is a valid request for a product that does not exist.
    response = recommend(api_key_client, "X" * 150)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


@pytest.mark.parametrize(
    ("measurement", "expected"),
    [
        ({"waist": 61, "hip": 86}, "44"),
        ({"waist": 66, "hip": 90}, "55"),
        ({"waist": 70, "hip": 93}, "66"),
        ({"waist": 77, "hip": 97}, "77"),
    ],
)
def test_legacy_womens_sizes_on_skirts_name_waist_and_hip(api_key_client, merchant, measurement, expected):
    # "44" is not a 44-inch waist and "55" not a 55 cm waist on a women's skirt chart.
    make_chart(merchant, brand="SKIRT", category="BOTTOM", rows=["44", "55", "66", "77"])
    make_product(merchant, external_id="SKIRT-1", brand="SKIRT", category="BOTTOM")
    data = recommend(api_key_client, "SKIRT-1", gender="F", height=160, weight=52, **measurement).json()["data"]
    assert data["recommendation"]["size"] == expected
