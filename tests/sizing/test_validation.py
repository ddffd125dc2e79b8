"""Every malformed request is a 400 in the Toile error format and writes nothing."""

import uuid

import pytest

from sizing.models import BodyMeasurement, SizeFeedback

pytestmark = pytest.mark.django_db

GOOD_MEASUREMENT = {"height": 170, "weight": 65, "gender": "F", "chest": 85, "waist": 65, "hip": 90}
GOOD_FEEDBACK = {
    "tryOnRequestId": "550e8400-e29b-41d4-a716-446655440000",
    "recommendedSize": "95",
    "confidence": 82,
    "helpful": True,
}


def assert_toile_400(response, field: str | None = None) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "message", "statusCode"}
    assert body["error"] == "BadRequest" and body["statusCode"] == 400
    if field:
        assert field in body["message"]


def with_measurement(**changes):
    measurement = {**GOOD_MEASUREMENT, **changes}
    return {key: value for key, value in measurement.items() if value is not None}


@pytest.mark.parametrize(
    ("measurement", "field"),
    [
        (with_measurement(height=301), "height"),
        (with_measurement(height=0), "height"),
        (with_measurement(height=-170), "height"),
        (with_measurement(height="170"), "height"),
        (with_measurement(height=True), "height"),
        (with_measurement(weight=500.5), "weight"),
        (with_measurement(weight=-1), "weight"),
        (with_measurement(gender="X"), "gender"),
        (with_measurement(gender="m"), "gender"),
        (with_measurement(chest=-85), "chest"),
        (with_measurement(waist=0), "waist"),
        (with_measurement(hip="wide"), "hip"),
        (with_measurement(height=None), "height"),
        (with_measurement(gender=None), "gender"),
        ("170cm", "measurement"),
    ],
)
def test_measurements_rejects_bad_body(api_key_client, measurement, field):
    response = api_key_client.post(
        "/api/size/measurements", {"visitorId": str(uuid.uuid4()), "measurement": measurement}, format="json"
    )
    assert_toile_400(response, field)
    assert BodyMeasurement.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measurement": GOOD_MEASUREMENT}, "visitorId"),
        ({"visitorId": "not-a-uuid", "measurement": GOOD_MEASUREMENT}, "visitorId"),
        ({"visitorId": 12345, "measurement": GOOD_MEASUREMENT}, "visitorId"),  # a number is not a uuid string
        ({"visitorId": str(uuid.uuid4())}, "measurement"),
    ],
)
def test_measurements_rejects_missing_or_malformed_fields(api_key_client, body, field):
    assert_toile_400(api_key_client.post("/api/size/measurements", body, format="json"), field)
    assert BodyMeasurement.objects.count() == 0


def test_measurements_stores_valid_body(api_key_client, merchant):
    visitor = uuid.uuid4()
    response = api_key_client.post(
        "/api/size/measurements", {"visitorId": str(visitor), "measurement": GOOD_MEASUREMENT}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {"data": {"ok": True}}
    stored = BodyMeasurement.objects.get()
    assert (stored.merchant, stored.visitor_id, stored.gender, stored.hip) == (merchant, visitor, "F", 90)
    assert stored.source == BodyMeasurement.Source.WIDGET


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"text"', b'{"visitorId": NaN}'],
)
def test_malformed_json_is_400(api_key_client, raw):
    for path in ("/api/size/measurements", "/api/size/recommend", "/api/size/feedback"):
        assert_toile_400(api_key_client.post(path, raw, content_type="application/json"))
    assert BodyMeasurement.objects.count() == 0 and SizeFeedback.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tryOnRequestId": "123"}, "tryOnRequestId"),
        ({"tryOnRequestId": None}, "tryOnRequestId"),
        ({"tryOnRequestId": 113059749145936325402354257176981405696}, "tryOnRequestId"),  # the example's uuid as int
        ({"recommendedSize": ""}, "recommendedSize"),
        ({"recommendedSize": "XXXXXXXXXXL"}, "recommendedSize"),
        ({"recommendedSize": "M<script>"}, "recommendedSize"),
        ({"recommendedSize": "M\n"}, "recommendedSize"),
        ({"recommendedSize": 95}, "recommendedSize"),
        ({"confidence": 101}, "confidence"),
        ({"confidence": -1}, "confidence"),
        ({"confidence": 82.5}, "confidence"),
        ({"confidence": "82"}, "confidence"),
        ({"helpful": "yes"}, "helpful"),
        ({"helpful": 1}, "helpful"),
        ({"comment": "가" * 501}, "comment"),
        ({"fit": "WAY_TOO_SMALL"}, "fit"),
    ],
)
def test_feedback_validated_exactly_as_spec(api_key_client, changes, field):
    body = {key: value for key, value in {**GOOD_FEEDBACK, **changes}.items() if value is not None}
    assert_toile_400(api_key_client.post("/api/size/feedback", body, format="json"), field)
    assert SizeFeedback.objects.count() == 0


@pytest.mark.parametrize("label", ["95", "M", "Free", "55반", "82-88-160", "L/XL", "2XL+", "FREE SIZE"])
def test_feedback_accepts_korean_size_labels(api_key_client, try_on_job, label):
    body = {**GOOD_FEEDBACK, "tryOnRequestId": str(try_on_job.id), "recommendedSize": label, "comment": "가" * 500}
    assert api_key_client.post("/api/size/feedback", body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"productId": None}, "productId"),
        ({"productId": 12}, "productId"),
        ({"measurement": with_measurement(weight=501)}, "weight"),
        ({"measurement": with_measurement(gender="W")}, "gender"),
        ({"visitorId": "visitor-1"}, "visitorId"),
        ({"visitorId": 12345}, "visitorId"),
    ],
)
def test_recommend_rejects_bad_request(api_key_client, shirt, changes, field):
    body = {"productId": "BLUE-SHIRT-001", "measurement": GOOD_MEASUREMENT, "visitorId": str(uuid.uuid4())}
    body = {key: value for key, value in {**body, **changes}.items() if value is not None}
    assert_toile_400(api_key_client.post("/api/size/recommend", body, format="json"), field)
    assert BodyMeasurement.objects.count() == 0


def test_wrong_method_is_405_in_toile_format(api_key_client):
    response = api_key_client.get("/api/size/recommend")
    assert response.status_code == 405
    assert response.json()["statusCode"] == 405
