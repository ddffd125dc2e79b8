"""Recommendations for a product shift when its fit feedback shows a consistent bias (docs/sizing.md)."""

from typing import Any

import pytest

from sizing.models import SizeFeedback
from tests.support.sizing import make_try_on_job

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {
    "productId": "BLUE-SHIRT-001",
    "measurement": {"gender": "M", "height": 171, "weight": 65, "chest": 92.5},
}


def send_feedback(client, merchant, *, comment: str = "", fit: str | None = None, helpful: bool = False) -> None:
    body = {
        "tryOnRequestId": str(make_try_on_job(merchant).id),
        "recommendedSize": "M",
        "confidence": 70,
        "helpful": helpful,
        "comment": comment,
        "productId": "BLUE-SHIRT-001",
    }
    if fit:
        body["fit"] = fit
    assert client.post("/api/size/feedback", body, format="json").status_code == 201


def recommendation(client):
    return client.post("/api/size/recommend", BODY, format="json").json()["data"]["recommendation"]


def test_product_running_small_moves_recommendation_up(api_key_client, merchant, shirt):
    assert recommendation(api_key_client)["size"] == "M"
    for _ in range(4):
        send_feedback(api_key_client, merchant, comment="한 치수 작아요")
    assert recommendation(api_key_client)["size"] == "M"  # 4 votes: below the minimum of 5
    send_feedback(api_key_client, merchant, fit="TOO_SMALL")
    send_feedback(api_key_client, merchant, helpful=True)  # one "fits well" does not cancel a clear lean
    assert recommendation(api_key_client)["size"] == "L"


def test_product_running_large_moves_recommendation_down(api_key_client, merchant, shirt):
    body = {**BODY, "measurement": {**BODY["measurement"], "chest": 89.5}}
    assert (
        api_key_client.post("/api/size/recommend", body, format="json").json()["data"]["recommendation"]["size"] == "M"
    )
    for _ in range(5):
        send_feedback(api_key_client, merchant, comment="너무 커요")
    assert (
        api_key_client.post("/api/size/recommend", body, format="json").json()["data"]["recommendation"]["size"] == "S"
    )


def test_mixed_feedback_changes_nothing(api_key_client, merchant, shirt):
    before = recommendation(api_key_client)
    for comment in ["작아요", "커요", "작아요", "커요", "잘 맞아요", "커요"]:
        send_feedback(api_key_client, merchant, comment=comment, helpful=comment == "잘 맞아요")
    assert SizeFeedback.objects.filter(product=shirt).count() == 6
    assert recommendation(api_key_client) == before
