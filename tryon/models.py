"""Try-on jobs, their feedback and share links, per-merchant try-on settings and daily usage."""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.models import JobStatus, RecoverableJob, RemoteCall
from common.provenance.marks import MarkPosition, MarkSize, MarkTheme
from merchants.models import Merchant

# A share link lives this long; results are never deleted before a live link to them expires.
SHARE_LINK_DAYS = 7
DEFAULT_RETENTION_DAYS = 30
DEFAULT_MONTHLY_QUOTA = 1000


class TryOnSettings(models.Model):
    """A merchant's try-on limits and privacy settings, edited in the dashboard."""

    merchant = models.OneToOneField(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="tryon_settings"
    )
    monthly_quota = models.PositiveIntegerField(
        _("월 피팅 한도"),
        default=DEFAULT_MONTHLY_QUOTA,
        help_text=_("한 달(달력 기준, KST)에 접수할 수 있는 피팅 요청 수"),
    )
    result_retention_days = models.PositiveIntegerField(
        _("결과 보관 기간(일)"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(SHARE_LINK_DAYS)],
        help_text=format_lazy(
            _("완료된 결과 이미지를 보관하는 기간. 공유 링크 유효기간({days}일)보다 짧을 수 없습니다."),
            days=SHARE_LINK_DAYS,
        ),
    )
    visitor_daily_limit = models.PositiveIntegerField(
        _("방문자별 일일 한도"),
        null=True,
        blank=True,
        help_text=_("한 방문자가 하루에 요청할 수 있는 피팅 수 (비우면 제한 없음)"),
    )
    # The "AI 생성" mark on every result (tryon/labels.py): the merchant may move and restyle it, never remove it.
    ai_mark_position = models.CharField(
        _("AI 생성 표시 위치"),
        max_length=12,
        choices=MarkPosition.choices,
        default=MarkPosition.BOTTOM_LEFT,
        help_text=_("결과 이미지에 들어가는 'AI 생성' 표시의 위치. 표시는 법에 따라 항상 들어가며 끌 수 없습니다."),
    )
    ai_mark_theme = models.CharField(
        _("AI 생성 표시 색"), max_length=8, choices=MarkTheme.choices, default=MarkTheme.DARK
    )
    ai_mark_size = models.CharField(
        _("AI 생성 표시 크기"), max_length=8, choices=MarkSize.choices, default=MarkSize.MEDIUM
    )
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("피팅 설정")
        verbose_name_plural = _("피팅 설정")
        constraints = [
            models.CheckConstraint(
                condition=Q(result_retention_days__gte=SHARE_LINK_DAYS), name="tryon_retention_not_shorter_than_share"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(merchant)s 피팅 설정") % {"merchant": self.merchant}


class TryOnJob(RecoverableJob):
    class Category(models.TextChoices):
        UPPER_BODY = "upper_body", _("상의")
        LOWER_BODY = "lower_body", _("하의")
        DRESSES = "dresses", _("원피스")

    # The Celery task that runs a job (tryon/tasks.py), published by name (common/tasks.py).
    TASK = "tryon.run_job"

    id = models.UUIDField(_("작업 ID"), primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="tryon_jobs"
    )
    status = models.CharField(
        _("상태"), max_length=12, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    category = models.CharField(_("카테고리"), max_length=12, choices=Category.choices, default=Category.UPPER_BODY)
    product_image_url = models.URLField(_("상품 이미지 URL"), max_length=2000)
    product_title = models.CharField(_("상품명"), max_length=200, blank=True)
    product_page_url = models.URLField(_("상품 페이지 URL"), max_length=2000, blank=True)
    # Who asked (visitorId from the widget, else a hash of the client address): for the per-visitor limit.
    visitor_key = models.CharField(_("방문자 키"), max_length=64, blank=True, db_index=True)
    # Storage names in storages["tryon"]. The shopper's photo is deleted as soon as the job ends.
    person_image = models.CharField(_("사용자 사진"), max_length=255, blank=True)
    # Older jobs kept their own garment copy here; jobs now use the merchant's cached product image (garment).
    garment_image = models.CharField(_("상품 이미지 사본"), max_length=255, blank=True)
    garment = models.ForeignKey(
        "GarmentImage",
        verbose_name=_("상품 이미지"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    result_image = models.CharField(_("결과 이미지"), max_length=255, blank=True)
    engine = models.CharField(_("엔진"), max_length=20, blank=True)
    provider_job_id = models.CharField(_("엔진 작업 ID"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(_("진행률"), default=0)
    metadata = models.JSONField(_("처리 정보"), default=dict, blank=True)
    error_message = models.CharField(_("오류 메시지"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("요청 시각"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("시작 시각"), null=True, blank=True)
    finished_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)
    result_expires_at = models.DateTimeField(_("결과 삭제 예정"), null=True, blank=True, db_index=True)
    result_deleted_at = models.DateTimeField(_("결과 삭제됨"), null=True, blank=True)
    # The shopper's language: the result's "AI 생성" / "AI-generated" mark and the share page follow it.
    language = models.CharField(_("언어"), max_length=2, choices=[("ko", "한국어"), ("en", "English")], default="ko")
    # Which AI notice and photo consent texts the shopper was shown before the photo was sent, and when they
    # accepted (tryon/ai_notice.py); empty when the caller recorded none. No personal data beyond the visitor.
    ai_notice_version = models.CharField(_("AI 고지 버전"), max_length=64, blank=True)
    consent_version = models.CharField(_("사진 동의 버전"), max_length=64, blank=True)
    notice_accepted_at = models.DateTimeField(_("고지 확인 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("피팅 작업")
        verbose_name_plural = _("피팅 작업")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.product_title or self.id} ({self.get_status_display()})"


class TryOnFeedback(models.Model):
    class Vote(models.TextChoices):
        GOOD = "GOOD", _("좋아요")
        BAD = "BAD", _("별로예요")

    job = models.ForeignKey(TryOnJob, verbose_name=_("피팅 작업"), on_delete=models.CASCADE, related_name="feedback")
    visitor_id = models.UUIDField(_("방문자 ID"))
    vote = models.CharField(_("평가"), max_length=4, choices=Vote.choices)
    reason = models.CharField(_("사유"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("피팅 피드백")
        verbose_name_plural = _("피팅 피드백")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "visitor_id"], name="tryon_feedback_once_per_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_vote_display()} · {self.job_id}"


class ShareLink(models.Model):
    job = models.ForeignKey(TryOnJob, verbose_name=_("피팅 작업"), on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(_("토큰"), max_length=64, unique=True)
    visitor_id = models.UUIDField(_("방문자 ID"), null=True, blank=True)
    created_at = models.DateTimeField(_("공유 시각"), auto_now_add=True)
    expires_at = models.DateTimeField(_("만료 시각"), db_index=True)
    view_count = models.PositiveIntegerField(_("조회수"), default=0)

    class Meta:
        verbose_name = _("공유 링크")
        verbose_name_plural = _("공유 링크")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("%(token)s… (%(count)s회 조회)") % {"token": self.token[:8], "count": self.view_count}


class DailyUsage(models.Model):
    """Try-on requests accepted per merchant and day (KST): the dashboard chart and the monthly quota."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="tryon_usage"
    )
    date = models.DateField(_("날짜"))
    requested = models.PositiveIntegerField(_("요청"), default=0)
    completed = models.PositiveIntegerField(_("완료"), default=0)
    failed = models.PositiveIntegerField(_("실패"), default=0)

    class Meta:
        verbose_name = _("일별 피팅 사용량")
        verbose_name_plural = _("일별 피팅 사용량")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["merchant", "date"], name="tryon_usage_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.merchant} {self.date}: {self.requested}"


class QuotaExceededNotice(models.Model):
    """Marks that ``usage.quota_exceeded`` was emitted for a merchant's month (once per month)."""

    merchant = models.ForeignKey(Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("월"), help_text=_("그 달의 1일"))
    created_at = models.DateTimeField(_("발송일"), auto_now_add=True)

    class Meta:
        verbose_name = _("한도 초과 알림")
        verbose_name_plural = _("한도 초과 알림")
        constraints = [models.UniqueConstraint(fields=["merchant", "month"], name="tryon_quota_notice_once_a_month")]

    def __str__(self) -> str:
        return f"{self.merchant} {self.month:%Y-%m}"


class GarmentImage(RemoteCall):
    """A merchant's product image, fetched by the workers (never by the request) and kept prepared for the
    engines, so a product tried on by a hundred shoppers is downloaded once per cache period.

    As a remote call (provider ``product-image``) it is WAITING/ACTIVE while a follower fetches or revalidates
    it and DONE after; jobs that need it meanwhile are parked on it (``TryOnJob.garment``).
    """

    merchant = models.ForeignKey(Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("상품 이미지 URL"), max_length=2000)
    url_digest = models.CharField(_("URL 해시"), max_length=64)
    # Storage names (storages["tryon"]): the bytes as fetched, then our prepared PNG of them.
    fetched_file = models.CharField(_("받은 파일"), max_length=255, blank=True)
    prepared_file = models.CharField(_("준비된 이미지"), max_length=255, blank=True)
    etag = models.CharField(_("ETag"), max_length=200, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)
    fetched_at = models.DateTimeField(_("가져온 시각"), null=True, blank=True)
    fresh_until = models.DateTimeField(_("유효 기한"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), default=timezone.now)

    class Meta:
        verbose_name = _("상품 이미지 캐시")
        verbose_name_plural = _("상품 이미지 캐시")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "url_digest"], name="tryon_garment_once_per_url"),
        ]
        indexes = [
            models.Index(fields=["provider", "state", "next_check_at"], name="tryon_garment_due"),
            models.Index(fields=["provider", "started_at"], name="tryon_garment_started"),
        ]

    def __str__(self) -> str:
        return self.url


class EngineCall(RemoteCall):
    """A try-on submitted to a remote engine (FASHN): its prediction id, then where its output was kept."""

    job = models.OneToOneField(
        TryOnJob, verbose_name=_("피팅 작업"), on_delete=models.CASCADE, related_name="engine_call"
    )
    merchant = models.ForeignKey(Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="+")
    progress = models.PositiveSmallIntegerField(_("진행률"), default=0)
    # The output as fetched from the provider (storages["tryon"]), checked and kept by the job's worker.
    output_file = models.CharField(_("받은 결과"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("엔진 호출")
        verbose_name_plural = _("엔진 호출")
        indexes = [
            models.Index(fields=["provider", "state", "next_check_at"], name="tryon_engine_call_due"),
            models.Index(fields=["provider", "started_at"], name="tryon_engine_call_started"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.remote_id or self.job_id}"
