"""Catalogue (products, brand size charts), recorded body measurements and size feedback."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from sizing.dimensions import DIMENSIONS


class Category(models.TextChoices):
    TOP = "TOP", _("상의")
    BOTTOM = "BOTTOM", _("하의")
    OUTER = "OUTER", _("아우터")
    DRESS = "DRESS", _("원피스")


class Gender(models.TextChoices):
    MALE = "M", _("남성")
    FEMALE = "F", _("여성")


class SizeChart(models.Model):
    """A brand's size table for one category. ``kind`` says whether its numbers are body or garment sizes."""

    class Kind(models.TextChoices):
        BODY = "BODY", _("신체 치수 (권장 체형)")
        GARMENT = "GARMENT", _("제품 실측 (옷 치수)")

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="size_charts"
    )
    brand = models.CharField(_("브랜드"), max_length=100)
    category = models.CharField(_("카테고리"), max_length=16, choices=Category.choices)
    kind = models.CharField(_("치수 종류"), max_length=16, choices=Kind.choices, default=Kind.BODY)
    garment_flat = models.BooleanField(
        _("단면 치수"),
        default=False,
        help_text=_("제품 실측이 단면(가슴단면·허리단면 등, 둘레의 절반)으로 적힌 경우 체크하세요."),
    )
    note = models.CharField(_("메모"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("사이즈 차트")
        verbose_name_plural = _("사이즈 차트")
        ordering = ["brand", "category"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "brand", "category"], name="sizing_chart_unique_brand_category")
        ]

    def __str__(self) -> str:
        return f"{self.brand} · {self.get_category_display()} ({self.get_kind_display()})"


class SizeChartRow(models.Model):
    """One size label and the ranges the brand publishes for it. Blank dimensions are not part of the chart.

    A value published as a single number is stored with min = max (or only min).
    """

    chart = models.ForeignKey(SizeChart, verbose_name=_("사이즈 차트"), on_delete=models.CASCADE, related_name="rows")
    label = models.CharField(_("사이즈"), max_length=10)
    position = models.PositiveSmallIntegerField(_("순서"), default=0, help_text=_("작은 사이즈부터 0, 1, 2 …"))
    chest_min = models.FloatField(_("가슴 최소"), null=True, blank=True)
    chest_max = models.FloatField(_("가슴 최대"), null=True, blank=True)
    waist_min = models.FloatField(_("허리 최소"), null=True, blank=True)
    waist_max = models.FloatField(_("허리 최대"), null=True, blank=True)
    hip_min = models.FloatField(_("엉덩이 최소"), null=True, blank=True)
    hip_max = models.FloatField(_("엉덩이 최대"), null=True, blank=True)
    height_min = models.FloatField(_("키 최소"), null=True, blank=True)
    height_max = models.FloatField(_("키 최대"), null=True, blank=True)
    weight_min = models.FloatField(_("몸무게 최소"), null=True, blank=True)
    weight_max = models.FloatField(_("몸무게 최대"), null=True, blank=True)

    class Meta:
        verbose_name = _("사이즈")
        verbose_name_plural = _("사이즈")
        ordering = ["chart", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["chart", "label"], name="sizing_row_unique_label"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{dim}_min__isnull": True})
                    | Q(**{f"{dim}_max__isnull": True})
                    | Q(**{f"{dim}_min__lte": F(f"{dim}_max")}),
                    name=f"sizing_row_{dim}_min_lte_max",
                )
                for dim in DIMENSIONS
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{dim}_min__isnull": True}) | Q(**{f"{dim}_min__gt": 0}),
                    name=f"sizing_row_{dim}_positive",
                )
                for dim in DIMENSIONS
            ],
        ]

    def __str__(self) -> str:
        return self.label


class Product(models.Model):
    merchant = models.ForeignKey(Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="products")
    external_id = models.CharField(_("상품 ID (externalId)"), max_length=100)
    name = models.CharField(_("상품명"), max_length=200)
    category = models.CharField(_("카테고리"), max_length=16, choices=Category.choices)
    brand = models.CharField(_("브랜드"), max_length=100)
    size_chart = models.ForeignKey(
        SizeChart,
        verbose_name=_("사이즈 차트 (지정)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        help_text=_("비워 두면 같은 브랜드·카테고리의 차트를 씁니다."),
    )
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("상품")
        verbose_name_plural = _("상품")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "external_id"], name="sizing_product_unique_external_id")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class BodyMeasurement(models.Model):
    """A visitor's body as entered in the widget; from /measurements or a recommend call with visitorId."""

    class Source(models.TextChoices):
        WIDGET = "WIDGET", _("측정 저장")
        RECOMMEND = "RECOMMEND", _("사이즈 추천")

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="body_measurements"
    )
    visitor_id = models.UUIDField(_("방문자 ID"), db_index=True)
    product = models.ForeignKey(
        Product, verbose_name=_("상품"), on_delete=models.SET_NULL, null=True, blank=True, related_name="measurements"
    )
    source = models.CharField(_("출처"), max_length=16, choices=Source.choices)
    gender = models.CharField(_("성별"), max_length=1, choices=Gender.choices)
    height = models.FloatField(_("키"))
    weight = models.FloatField(_("몸무게"))
    chest = models.FloatField(_("가슴"), null=True, blank=True)
    waist = models.FloatField(_("허리"), null=True, blank=True)
    hip = models.FloatField(_("엉덩이"), null=True, blank=True)
    recommended_size = models.CharField(_("추천 사이즈"), max_length=10, blank=True)
    confidence = models.PositiveSmallIntegerField(_("신뢰도"), null=True, blank=True)
    created_at = models.DateTimeField(_("저장일"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("신체 측정")
        verbose_name_plural = _("신체 측정")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.visitor_id} {self.height:g}cm {self.weight:g}kg"


class SizeFeedback(models.Model):
    class Fit(models.TextChoices):
        TOO_SMALL = "TOO_SMALL", _("작음")
        GOOD = "GOOD", _("잘 맞음")
        TOO_LARGE = "TOO_LARGE", _("큼")

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="size_feedback"
    )
    # A plain uuid (no foreign key) keeps this app's migrations independent of the try-on app.
    try_on_request_id = models.UUIDField(_("피팅 요청 ID"))
    product = models.ForeignKey(
        Product, verbose_name=_("상품"), on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    recommended_size = models.CharField(_("추천 사이즈"), max_length=10)
    confidence = models.PositiveSmallIntegerField(_("신뢰도"))
    helpful = models.BooleanField(_("도움이 됨"))
    fit = models.CharField(_("착용감"), max_length=16, choices=Fit.choices, blank=True)
    comment = models.CharField(_("코멘트"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("사이즈 피드백")
        verbose_name_plural = _("사이즈 피드백")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__lte=100), name="sizing_feedback_confidence_lte_100"),
            models.UniqueConstraint(fields=["merchant", "try_on_request_id"], name="sizing_feedback_one_per_try_on"),
        ]

    def __str__(self) -> str:
        return f"{self.recommended_size} {'👍' if self.helpful else '👎'}"


class DailyRecommendations(models.Model):
    """Size recommendations answered per merchant and day (KST), every call counted (with or without a
    visitorId, unlike the measurements): the dashboard's recommendation card."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="recommendation_days"
    )
    date = models.DateField(_("날짜"))
    served = models.PositiveIntegerField(_("추천 요청"), default=0)
    sized = models.PositiveIntegerField(
        _("사이즈를 답한 요청"), default=0, help_text=_("사이즈 차트가 있어 사이즈를 추천한 요청")
    )

    class Meta:
        verbose_name = _("일별 사이즈 추천")
        verbose_name_plural = _("일별 사이즈 추천")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "date"], name="sizing_recommendations_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.merchant} {self.date}: {self.served}"
