import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sizing.models import BodyMeasurement, SizeChart, SizeChartRow, SizeFeedback
from tests.support.charts import charts_in
from tests.support.merchants import admin_client_for
from tests.support.sizing import TOP_BODY_ROWS, make_chart, make_product

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/sizing/sizechart/import-csv/"


def upload(client, content: bytes, **fields):
    data = {"brand": "BRAND_K", "category": "TOP", "kind": "BODY", **fields}
    data["csv_file"] = SimpleUploadedFile("chart.csv", content, content_type="text/csv")
    return client.post(IMPORT_URL, data)


def test_csv_import_creates_chart_with_rows_and_recommend_uses_it(merchant, api_key_client):
    client = admin_client_for(merchant)
    page = client.get("/admin/sizing/sizechart/").content.decode()
    assert IMPORT_URL in page
    csv_text = "사이즈,가슴_min,가슴_max,height_min,height_max\nS,82,88,160,168\nM,88,94,165,173\nL,94,100,170,178\n"
    response = upload(client, csv_text.encode("utf-8-sig"))
    assert response.status_code == 302
    chart = SizeChart.objects.get(merchant=merchant, brand="BRAND_K")
    rows = list(chart.rows.order_by("position").values_list("label", "chest_min", "chest_max", "height_max"))
    assert rows == [("S", 82, 88, 168), ("M", 88, 94, 173), ("L", 94, 100, 178)]
    make_product(merchant, external_id="K-TEE", brand="BRAND_K", category="TOP")
    body = {"productId": "K-TEE", "measurement": {"gender": "M", "height": 176, "weight": 72, "chest": 97}}
    assert (
        api_key_client.post("/api/size/recommend", body, format="json").json()["data"]["recommendation"]["size"] == "L"
    )


def test_csv_import_replaces_rows_and_reads_cp949_label_only_charts(merchant):
    client = admin_client_for(merchant)
    make_chart(merchant, brand="BRAND_K", category="TOP", rows=TOP_BODY_ROWS)
    response = upload(client, "label\n44\n55\n66\n77\n".encode("cp949"), kind="BODY")
    assert response.status_code == 302
    chart = SizeChart.objects.get(merchant=merchant, brand="BRAND_K")
    assert list(chart.rows.order_by("position").values_list("label", flat=True)) == ["44", "55", "66", "77"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "비어"),
        (b"label,shoulder\nS,40\n", "알 수 없는 열"),
        (b"chest_min\n80\n", "label"),
        (b"label,chest_min,chest_max\nS,90,80\n", "최소값"),
        (b"label,chest\nS,abc\n", "숫자"),
        (b"label,chest\nS,-3\n", "0보다"),
        (b"label,chest\nS,90\nS,95\n", "중복"),
        (b"label,chest\nL,100\nM,95\nS,90\n", "큰 순서"),
        (b"label,chest\n<b>XL</b>,100\n", "라벨"),
        (b"label\nS\nM\n", "공통된 치수"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "CSV"),
    ],
)
def test_bad_csv_shows_error_and_writes_nothing(merchant, content, message):
    make_chart(merchant, brand="BRAND_K", category="TOP", rows=TOP_BODY_ROWS)
    response = upload(admin_client_for(merchant), content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SizeChart.objects.count() == 1
    assert list(SizeChartRow.objects.values_list("label", flat=True).order_by("position")) == ["S", "M", "L", "XL"]


def test_oversized_csv_is_refused(merchant, settings):
    settings.SIZING_CSV_MAX_BYTES = 1000
    response = upload(admin_client_for(merchant), b"label,chest\n" + b"S,90\n" * 400)
    assert "너무 큽니다" in response.content.decode()
    assert SizeChart.objects.count() == 0


def inline_post_data(chart: SizeChart, rows: list[tuple[str, float, float]]) -> dict:
    existing = list(chart.rows.order_by("position"))
    data = {
        "brand": chart.brand,
        "category": chart.category,
        "kind": chart.kind,
        "note": "",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(len(existing)),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for index, (label, low, high) in enumerate(rows):
        prefix = f"rows-{index}-"
        if index < len(existing):
            data[prefix + "id"] = str(existing[index].pk)
        data.update({prefix + "chart": str(chart.pk), prefix + "position": str(index), prefix + "label": label})
        data.update({prefix + "chest_min": str(low), prefix + "chest_max": str(high)})
    return data


def test_chart_rows_edited_inline(merchant):
    chart = make_chart(
        merchant, brand="B", category="TOP", rows=[("S", {"chest": (80, 86)}), ("M", {"chest": (86, 92)})]
    )
    client = admin_client_for(merchant)
    page = client.get(f"/admin/sizing/sizechart/{chart.pk}/change/").content.decode()
    assert 'name="rows-0-chest_min"' in page
    data = inline_post_data(chart, [("S", 80, 86), ("M", 86, 92), ("L", 92, 98)])
    response = client.post(f"/admin/sizing/sizechart/{chart.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(chart.rows.order_by("position").values_list("label", flat=True)) == ["S", "M", "L"]


def test_inline_rows_that_shrink_are_rejected(merchant):
    chart = make_chart(
        merchant, brand="B", category="TOP", rows=[("S", {"chest": (80, 86)}), ("M", {"chest": (86, 92)})]
    )
    client = admin_client_for(merchant)
    data = inline_post_data(chart, [("S", 80, 86), ("M", 86, 92), ("L", 70, 75)])
    response = client.post(f"/admin/sizing/sizechart/{chart.pk}/change/", data)
    assert response.status_code == 200
    assert "큰 순서" in response.content.decode()
    assert chart.rows.count() == 2


def test_product_pages_show_helpful_rate_and_measurement_distribution(merchant, shirt):
    for helpful in (True, True, False):
        SizeFeedback.objects.create(
            merchant=merchant,
            try_on_request_id=uuid.uuid4(),
            product=shirt,
            recommended_size="M",
            confidence=80,
            helpful=helpful,
        )
    for index in range(12):
        BodyMeasurement.objects.create(
            merchant=merchant,
            visitor_id=uuid.uuid4(),
            product=shirt,
            source="RECOMMEND",
            gender="MF"[index % 2],
            height=160 + index,
            weight=55 + index,
            chest=88 + index % 4 if index % 3 else None,
            recommended_size="ML"[index % 2],
        )
    client = admin_client_for(merchant)
    listing = client.get("/admin/sizing/product/").content.decode()
    assert "67% (2/3)" in listing
    change = client.get(f"/admin/sizing/product/{shirt.pk}/change/").content.decode()
    drawn = charts_in(change)
    heights = drawn["measurements-height"]["series"]
    assert sum(heights["남성 6명"]) == 6 and sum(heights["여성 6명"]) == 6
    assert sum(1 for men, women in zip(heights["남성 6명"], heights["여성 6명"], strict=True) if men or women) >= 2
    chests = drawn["measurements-chest"]["series"]
    assert sum(chests["남성 6명"]) + sum(chests["여성 6명"]) == 8  # only the chests entered
    sizes = drawn["measurements-sizes"]
    assert dict(zip(sizes["labels"], sizes["series"]["추천 수"], strict=True)) == {"M": 6, "L": 6}
    feedback_page = client.get("/admin/sizing/sizefeedback/").content.decode()
    assert 'id="helpful-rates"' in feedback_page and "67% (2/3)" in feedback_page


def test_other_merchants_sizing_objects_are_invisible(merchant, other_merchant, shirt):
    theirs = make_chart(other_merchant, brand="THEIRS", category="TOP", rows=TOP_BODY_ROWS)
    their_product = make_product(
        other_merchant, external_id="THEIR-1", brand="THEIRS", category="TOP", name="남의 상품"
    )
    client = admin_client_for(merchant)
    assert "남의 상품" not in client.get("/admin/sizing/product/").content.decode()
    assert "THEIRS" not in client.get("/admin/sizing/sizechart/").content.decode()
    assert client.get(f"/admin/sizing/sizechart/{theirs.pk}/change/").status_code == 404
    assert client.get(f"/admin/sizing/product/{their_product.pk}/change/").status_code == 404
    add_page = client.get("/admin/sizing/product/add/").content.decode()
    assert "THEIRS" not in add_page  # the size-chart choices are the merchant's own


def test_product_added_in_dashboard_belongs_to_merchant_and_external_id_is_unique(merchant):
    client = admin_client_for(merchant)
    data = {"external_id": "NEW-1", "name": "새 셔츠", "brand": "BRAND_A", "category": "TOP", "size_chart": ""}
    assert client.post("/admin/sizing/product/add/", data).status_code == 302
    duplicate = client.post("/admin/sizing/product/add/", data)
    assert duplicate.status_code == 200 and "같은 상품 ID" in duplicate.content.decode()
    assert merchant.products.get().external_id == "NEW-1"


def test_superuser_imports_a_chart_for_a_chosen_merchant(merchant, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client = Client()
    client.force_login(admin_user)
    assert upload(client, b"label\nFree\n", merchant=str(merchant.pk)).status_code == 302
    chart = SizeChart.objects.get()
    assert chart.merchant == merchant and list(chart.rows.values_list("label", flat=True)) == ["Free"]
    assert "가맹점을 선택하세요" in upload(client, b"label\nFree\n", brand="OTHER").content.decode()


def test_duplicate_chart_or_size_label_is_a_form_error(merchant):
    chart = make_chart(
        merchant, brand="B", category="TOP", rows=[("S", {"chest": (80, 86)}), ("M", {"chest": (86, 92)})]
    )
    client = admin_client_for(merchant)
    data = {
        **inline_post_data(chart, []),
        "rows-INITIAL_FORMS": "0",
        "brand": "b",
        "category": "TOP",
        "kind": "BODY",
    }
    response = client.post("/admin/sizing/sizechart/add/", data)
    assert response.status_code == 200 and "이미 있습니다" in response.content.decode()
    duplicate_labels = inline_post_data(chart, [("S", 80, 86), ("S", 86, 92)])
    response = client.post(f"/admin/sizing/sizechart/{chart.pk}/change/", duplicate_labels)
    assert response.status_code == 200
    assert SizeChart.objects.count() == 1
    assert list(chart.rows.order_by("position").values_list("label", flat=True)) == ["S", "M"]


def test_measurement_list_shows_distribution_of_the_filtered_rows(merchant, other_merchant, shirt):
    for index in range(4):
        BodyMeasurement.objects.create(
            merchant=merchant, visitor_id=uuid.uuid4(), source="WIDGET", gender="F", height=158 + index, weight=50
        )
    BodyMeasurement.objects.create(
        merchant=other_merchant, visitor_id=uuid.uuid4(), source="WIDGET", gender="M", height=180, weight=80
    )
    client = admin_client_for(merchant)
    page = client.get("/admin/sizing/bodymeasurement/").content.decode()
    heights = charts_in(page.split('id="measurement-distribution"')[1])["measurements-height"]["series"]
    assert (
        sum(heights["여성 4명"]) == 4 and sum(heights["남성 0명"]) == 0
    )  # the other merchant's visitor is not counted
    filtered = client.get("/admin/sizing/bodymeasurement/?gender__exact=M").content.decode()
    assert "여성 0명" in charts_in(filtered)["measurements-height"]["series"]


@pytest.mark.parametrize("page", ["/admin/sizing/sizefeedback/", "/admin/sizing/bodymeasurement/"])
def test_product_filter_lists_only_the_merchants_products(merchant, other_merchant, shirt, page):
    theirs = make_product(other_merchant, external_id="THEIR-1", brand="THEIRS", category="TOP", name="남의 상품")
    for owner, product in ((merchant, shirt), (other_merchant, theirs)):
        BodyMeasurement.objects.create(
            merchant=owner, visitor_id=uuid.uuid4(), product=product, source="WIDGET", gender="M", height=175, weight=70
        )
        SizeFeedback.objects.create(
            merchant=owner,
            try_on_request_id=uuid.uuid4(),
            product=product,
            recommended_size="M",
            confidence=80,
            helpful=True,
        )
    listing = admin_client_for(merchant).get(page).content.decode()
    assert "블루 린넨 셔츠" in listing  # the filter is there, with the merchant's product
    assert "남의 상품" not in listing


def test_superuser_cannot_give_a_product_another_merchants_chart(merchant, other_merchant, shirt, django_user_model):
    theirs = make_chart(other_merchant, brand="THEIRS", category="TOP", rows=TOP_BODY_ROWS)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client = Client()
    client.force_login(root)
    data = {
        "merchant": str(merchant.pk),
        "external_id": shirt.external_id,
        "name": shirt.name,
        "brand": shirt.brand,
        "category": shirt.category,
        "size_chart": str(theirs.pk),
    }
    response = client.post(f"/admin/sizing/product/{shirt.pk}/change/", data)
    assert response.status_code == 200 and "다른 가맹점의 사이즈 차트" in response.content.decode()
    shirt.refresh_from_db()
    assert shirt.size_chart is None


def test_recommendation_ignores_a_chart_of_another_merchant_set_on_the_product(api_key_client, other_merchant, shirt):
    # Rows written before the dashboard refused it: the product falls back to its own merchant's brand chart.
    shirt.size_chart = make_chart(
        other_merchant, brand="THEIRS", category="TOP", rows=[("THEIRS-XL", {"chest": (60, 140)})]
    )
    shirt.save()
    body = {"productId": shirt.external_id, "measurement": {"gender": "M", "height": 170, "weight": 65, "chest": 91}}
    recommendation = api_key_client.post("/api/size/recommend", body, format="json").json()["data"]["recommendation"]
    assert recommendation["size"] == "M"


def test_superuser_cannot_attach_feedback_to_another_merchants_product(
    merchant, other_merchant, shirt, django_user_model
):
    theirs = make_product(other_merchant, external_id="THEIR-1", brand="THEIRS", category="TOP", name="남의 상품")
    feedback = SizeFeedback.objects.create(
        merchant=merchant,
        try_on_request_id=uuid.uuid4(),
        product=shirt,
        recommended_size="M",
        confidence=80,
        helpful=True,
    )
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client = Client()
    client.force_login(root)
    data = {"merchant": str(merchant.pk), "product": str(theirs.pk), "fit": "GOOD"}
    response = client.post(f"/admin/sizing/sizefeedback/{feedback.pk}/change/", data)
    assert response.status_code == 200 and "다른 가맹점의 상품" in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.product == shirt
    data["product"] = str(shirt.pk)
    data["fit"] = "TOO_SMALL"
    assert client.post(f"/admin/sizing/sizefeedback/{feedback.pk}/change/", data).status_code == 302
    feedback.refresh_from_db()
    assert feedback.fit == "TOO_SMALL"


def test_chart_csv_export_reads_back_with_the_import(merchant):
    chart = make_chart(merchant, brand="BRAND_K", category="TOP", rows=TOP_BODY_ROWS)
    client = admin_client_for(merchant)
    page = client.get(f"/admin/sizing/sizechart/{chart.pk}/change/").content.decode()
    assert f"/admin/sizing/sizechart/{chart.pk}/export-csv/" in page
    exported = client.get(f"/admin/sizing/sizechart/{chart.pk}/export-csv/")
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"] == 'attachment; filename="brand_k-top.csv"'
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines()[:2] == [
        "label,chest_min,chest_max,height_min,height_max,weight_min,weight_max",
        "S,82,88,160,168,50,60",
    ]
    assert upload(client, exported.content, brand="BRAND_COPY").status_code == 302
    copy = SizeChart.objects.get(merchant=merchant, brand="BRAND_COPY")
    columns = ("label", "chest_min", "chest_max", "height_min", "height_max", "weight_min", "weight_max")
    assert list(copy.rows.order_by("position").values_list(*columns)) == list(
        chart.rows.order_by("position").values_list(*columns)
    )


PRODUCTS_URL = "/admin/sizing/product/import-csv/"


def upload_products(client, content: bytes):
    return client.post(PRODUCTS_URL, {"csv_file": SimpleUploadedFile("products.csv", content, content_type="text/csv")})


def test_products_csv_import_adds_and_updates_and_export_reads_back(merchant, other_merchant, shirt):
    make_product(other_merchant, external_id="BLUE-SHIRT-001", brand="THEIRS", category="TOP", name="남의 셔츠")
    client = admin_client_for(merchant)
    assert PRODUCTS_URL in client.get("/admin/sizing/product/").content.decode()
    content = (
        "external_id,name,brand,category\n"
        "BLUE-SHIRT-001,블루 린넨 셔츠 (개정),BRAND_A,TOP\n"
        "DENIM-002,와이드 데님,BRAND_A,하의\n"
    ).encode("cp949")
    response = upload_products(client, content)
    assert response.status_code == 302
    assert "새 상품 1개, 바뀐 상품 1개" in client.get(response["Location"]).content.decode()
    assert dict(merchant.products.values_list("external_id", "name")) == {
        "BLUE-SHIRT-001": "블루 린넨 셔츠 (개정)",
        "DENIM-002": "와이드 데님",
    }
    assert merchant.products.get(external_id="DENIM-002").category == "BOTTOM"
    assert other_merchant.products.get().name == "남의 셔츠"  # same id, other merchant: untouched
    exported = client.get("/admin/sizing/product/export-csv/").content
    assert exported.decode("utf-8-sig").splitlines() == [
        "external_id,name,brand,category",
        "BLUE-SHIRT-001,블루 린넨 셔츠 (개정),BRAND_A,TOP",
        "DENIM-002,와이드 데님,BRAND_A,BOTTOM",
    ]
    again = upload_products(client, exported)
    assert again.status_code == 302
    assert "새 상품 0개, 바뀐 상품 0개" in client.get(again["Location"]).content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "비어"),
        (b"external_id,name\nA,B\n", "필요한 열"),
        (b"external_id,name,brand,category\nA,,B,TOP\n", "비어 있습니다"),
        (b"external_id,name,brand,category\nA,N,B,SHOES\n", "카테고리"),
        (b"external_id,name,brand,category\nA,N,B,TOP\nA,M,B,TOP\n", "중복"),
        (b"external_id,name,brand,category\n" + b"X" * 101 + b",N,B,TOP\n", "최대 100자"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "CSV"),
    ],
)
def test_bad_products_csv_shows_an_error_and_writes_nothing(merchant, shirt, content, message):
    response = upload_products(admin_client_for(merchant), content)
    assert response.status_code == 200 and message in response.content.decode()
    assert list(merchant.products.values_list("external_id", "name")) == [("BLUE-SHIRT-001", "블루 린넨 셔츠")]
