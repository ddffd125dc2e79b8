import uuid

import pytest

from sizing.models import SizeFeedback
from tests.support.merchants import api_key_client_for
from tests.support.sizing import make_try_on_job

pytestmark = pytest.mark.django_db

URL = "/api/size/feedback"


def feedback_body(job, **changes):
    return {"tryOnRequestId": str(job.id), "recommendedSize": "M", "confidence": 82, "helpful": True, **changes}


def test_feedback_is_stored_and_answers_201(api_key_client, merchant, try_on_job, shirt):
    response = api_key_client.post(
        URL, feedback_body(try_on_job, comment="딱 맞아요", productId="BLUE-SHIRT-001"), format="json"
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["tryOnRequestId"] == str(try_on_job.id) and data["recommendedSize"] == "M"
    stored = SizeFeedback.objects.get()
    assert (stored.merchant, stored.product, stored.helpful, stored.confidence) == (merchant, shirt, True, 82)
    assert stored.fit == SizeFeedback.Fit.GOOD


def test_spec_example_body_without_extensions(api_key_client, try_on_job):
    body = {"tryOnRequestId": str(try_on_job.id), "recommendedSize": "95", "confidence": 82, "helpful": True}
    assert api_key_client.post(URL, body, format="json").status_code == 201
    assert SizeFeedback.objects.get().product is None


@pytest.mark.parametrize(
    ("comment", "helpful", "fit"),
    [
        ("어깨가 조금 작아요", False, "TOO_SMALL"),
        ("너무 타이트해서 반품", False, "TOO_SMALL"),
        ("한 치수 커요", False, "TOO_LARGE"),
        ("허리가 헐렁합니다", True, "TOO_LARGE"),
        ("색이 별로예요", False, ""),
    ],
)
def test_fit_direction_read_from_korean_comment(api_key_client, try_on_job, comment, helpful, fit):
    body = feedback_body(try_on_job, comment=comment, helpful=helpful)
    assert api_key_client.post(URL, body, format="json").status_code == 201
    assert SizeFeedback.objects.get().fit == fit


def test_explicit_fit_wins_over_comment(api_key_client, try_on_job):
    body = feedback_body(try_on_job, comment="작아요", fit="TOO_LARGE", helpful=False)
    assert api_key_client.post(URL, body, format="json").status_code == 201
    assert SizeFeedback.objects.get().fit == "TOO_LARGE"


def test_other_merchants_try_on_job_is_403(api_key_client, other_merchant):
    theirs = make_try_on_job(other_merchant)
    response = api_key_client.post(URL, feedback_body(theirs), format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert SizeFeedback.objects.count() == 0


def test_unknown_try_on_job_is_404(api_key_client):
    response = api_key_client.post(URL, feedback_body(type("Job", (), {"id": uuid.uuid4()})), format="json")
    assert response.status_code == 404
    assert SizeFeedback.objects.count() == 0


def test_other_merchants_product_in_feedback_is_404(try_on_job, shirt, other_merchant, merchant):
    other_job = make_try_on_job(other_merchant)
    client = api_key_client_for(other_merchant)
    response = client.post(URL, feedback_body(other_job, productId="BLUE-SHIRT-001"), format="json")
    assert response.status_code == 404
    assert SizeFeedback.objects.count() == 0


def test_resubmitting_for_the_same_try_on_replaces_the_opinion(api_key_client, try_on_job, shirt):
    first = feedback_body(try_on_job, helpful=False, comment="작아요", productId="BLUE-SHIRT-001")
    second = feedback_body(try_on_job, helpful=True, comment="다시 입어보니 잘 맞아요", productId="BLUE-SHIRT-001")
    assert api_key_client.post(URL, first, format="json").status_code == 201
    assert api_key_client.post(URL, second, format="json").status_code == 201
    stored = SizeFeedback.objects.get()
    assert (stored.helpful, stored.fit, stored.comment) == (True, "GOOD", "다시 입어보니 잘 맞아요")
