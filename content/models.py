from __future__ import annotations

import secrets
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from common.models import JobStatus, RecoverableJob, RemoteCall
from common.provenance.marks import MarkPosition
from common.stored_text import StoredText
from content.constants import DEFAULT_FONT, FontFamily, Platform, Style
from merchants.models import Merchant


def new_job_id() -> str:
    return f"job-img-{secrets.token_hex(8)}"


def new_regeneration_job_id() -> str:
    return f"job-regen-{secrets.token_hex(8)}"


def new_image_id() -> str:
    return f"img-{secrets.token_hex(10)}"


HEX_COLOR_VALIDATOR = RegexValidator(r"^#[0-9A-F]{6}$", _("#RRGGBB 형식의 HEX 색상이어야 합니다 (예: #FF5733)."))


class ContentSettings(models.Model):
    """A merchant's Content Service preferences and brand kit (edited in the dashboard): what a request leaves
    out — platforms, brand colours, logo, typeface — comes from here."""

    merchant = models.OneToOneField(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="content_settings"
    )
    render_all_platforms_by_default = models.BooleanField(
        _("기본으로 9장 모두 생성"),
        default=False,
        help_text=_("요청에 platforms가 없을 때 Instagram만이 아니라 3개 플랫폼 × 3개 스타일 = 9장을 만듭니다."),
    )

    default_platforms = models.JSONField(
        _("기본 플랫폼"),
        default=list,
        blank=True,
        help_text=_("요청에 platforms가 없을 때 만들 플랫폼 (비우면 Instagram)."),
    )
    brand_color = models.CharField(
        _("기본 브랜드 색상"),
        max_length=7,
        blank=True,
        validators=[HEX_COLOR_VALIDATOR],
        help_text=_("요청에 brandColor가 없을 때 씁니다."),
    )
    secondary_color = models.CharField(
        _("보조 브랜드 색상"),
        max_length=7,
        blank=True,
        validators=[HEX_COLOR_VALIDATOR],
        help_text=_("요청에 secondaryColor가 없을 때 씁니다. 장식, 버튼, 강조에 쓰입니다 (비우면 스타일 기본색)."),
    )
    font_family = models.CharField(
        _("글꼴"),
        max_length=20,
        choices=FontFamily.choices,
        default=DEFAULT_FONT,
        help_text=_("요청에 fontFamily가 없을 때 제목, 경품, 이벤트 정보에 쓰는 글꼴입니다."),
    )
    # Storage name (storages["content"]) of our normalised PNG copy of the uploaded logo: stored once, used by
    # every request that has no logoUrl.
    logo_image = models.CharField(_("기본 로고"), max_length=255, blank=True, editable=False)
    # Every image carries its Content Credentials (machine-readable: AI artwork or template); images with AI
    # artwork may also show a visible "AI 생성" mark, which the merchant turns on (content/labels.py).
    ai_mark_visible = models.BooleanField(
        _("AI 생성 표시 보이기"),
        default=False,
        help_text=_(
            "AI가 그린 배경이 들어간 이미지에 'AI 생성' 표시를 보이게 넣습니다. 끄더라도 모든 이미지에는 기계가 "
            "읽는 AI 생성 정보(콘텐츠 자격 증명, C2PA)가 들어갑니다."
        ),
    )
    ai_mark_position = models.CharField(
        _("AI 생성 표시 위치"), max_length=12, choices=MarkPosition.choices, default=MarkPosition.TOP_LEFT
    )
    updated_at = models.DateTimeField(_("수정일"), auto_now=True)

    class Meta:
        verbose_name = _("콘텐츠 설정")
        verbose_name_plural = _("콘텐츠 설정")

    def __str__(self) -> str:
        return gettext("%(merchant)s 콘텐츠 설정") % {"merchant": self.merchant}


class ImageJob(RecoverableJob):
    class Kind(models.TextChoices):
        GENERATE = "GENERATE", _("생성")
        REGENERATE = "REGENERATE", _("재생성")

    id = models.CharField(_("작업 ID"), primary_key=True, max_length=40, default=new_job_id, editable=False)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="content_jobs"
    )
    kind = models.CharField(_("종류"), max_length=12, choices=Kind.choices, default=Kind.GENERATE)
    event_draft_id = models.CharField(_("이벤트 초안 ID"), max_length=100, db_index=True)
    # The validated ImageGenerationJob payload the task receives (camelCase, as in the spec).
    payload = models.JSONField(_("요청 내용"), default=dict)
    status = models.CharField(_("상태"), max_length=12, choices=JobStatus.choices, default=JobStatus.PENDING)
    images_total = models.PositiveSmallIntegerField(_("전체 이미지 수"), default=0)
    images_done = models.PositiveSmallIntegerField(_("완료 이미지 수"), default=0)
    from_cache = models.BooleanField(_("캐시 사용"), default=False)
    source_image = models.ForeignKey(
        "GeneratedImage",
        verbose_name=_("원본 이미지"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="regeneration_jobs",
    )
    result_images: models.ManyToManyField[GeneratedImage, Any] = models.ManyToManyField(
        "GeneratedImage", verbose_name=_("결과 이미지"), blank=True, related_name="result_of_jobs"
    )
    # Why an AI provider did not deliver ("stability: PROVIDER_UNAVAILABLE", "openai: circuit open"...).
    provider_attempts = models.JSONField(_("AI 호출 기록"), default=list, blank=True)
    error_code = models.CharField(_("오류 코드"), max_length=64, blank=True)
    error_detail = models.TextField(_("오류 상세"), blank=True)
    created_at = models.DateTimeField(_("요청 시각"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("시작 시각"), null=True, blank=True)
    completed_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("이미지 생성 작업")
        verbose_name_plural = _("이미지 생성 작업")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(images_done__lte=models.F("images_total")), name="content_job_progress"),
        ]
        # estimate_seconds() reads the latest finished jobs.
        indexes = [models.Index(fields=["status", "completed_at"], name="content_job_status_done")]

    def __str__(self) -> str:
        return self.id

    # The Celery task that runs a job (content/tasks.py), published by name (common/tasks.py).
    TASK = "content.generate_images"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.completed_at:
            return (self.completed_at - self.started_at).total_seconds()
        return None


# What the system writes into a failed job's error_detail (stored texts: Korean as the API shows them, in the
# merchant's language in the dashboard). Defined with the model: the tasks that write them load only in workers.
QUEUE_UNAVAILABLE_DETAIL = StoredText(gettext_noop("작업 대기열에 연결할 수 없어 시작하지 못했습니다."))
INVALID_PAYLOAD_DETAIL = StoredText(gettext_noop("작업 데이터가 올바르지 않습니다."))
GENERATION_CRASHED_DETAIL = StoredText(gettext_noop("이미지를 생성하거나 저장하지 못했습니다 (%(error)s)."))


class GeneratedImageQuerySet(models.QuerySet["GeneratedImage"]):
    def listed(self) -> GeneratedImageQuerySet:
        """What an event's listings show: neither deleted nor replaced by a regeneration."""
        return self.filter(deleted_at__isnull=True, replaced_by__isnull=True)


class GeneratedImage(models.Model):
    class Provider(models.TextChoices):
        STABILITY = "stability", _("Stability AI")
        OPENAI = "openai", _("OpenAI")
        TEMPLATE = "template", _("템플릿")

    id = models.CharField(_("이미지 ID"), primary_key=True, max_length=40, default=new_image_id, editable=False)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="content_images"
    )
    job = models.ForeignKey(
        ImageJob, verbose_name=_("생성 작업"), on_delete=models.CASCADE, related_name="produced_images"
    )
    event_draft_id = models.CharField(_("이벤트 초안 ID"), max_length=100, db_index=True)
    style = models.CharField(_("스타일"), max_length=10, choices=Style.choices)
    platform = models.CharField(_("플랫폼"), max_length=24, choices=Platform.choices)
    width = models.PositiveIntegerField(_("너비(px)"))
    height = models.PositiveIntegerField(_("높이(px)"))
    file_name = models.CharField(_("파일 이름"), max_length=255)
    provider = models.CharField(_("생성 방식"), max_length=12, choices=Provider.choices)
    fallback_used = models.BooleanField(_("대체 사용"), default=False)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    # Deleting or replacing removes the image from the listings only: the file stays on the CDN (spec).
    deleted_at = models.DateTimeField(_("삭제 시각"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("대체한 이미지"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = GeneratedImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("생성 이미지")
        verbose_name_plural = _("생성 이미지")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["merchant", "event_draft_id"])]
        constraints = [
            # A job draws each style × platform once, however often it is resumed or delivered twice.
            models.UniqueConstraint(fields=["job", "style", "platform"], name="content_image_once_per_job"),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.style}/{self.platform})"

    @property
    def is_listed(self) -> bool:
        return self.deleted_at is None and self.replaced_by_id is None


class ArtworkRequest(RemoteCall):
    """A style's artwork asked of the AI providers for a job, followed by the content workers' remote loop.

    ``provider`` is the provider it waits for or is with now; when one fails the request moves down the chain
    (Stability → OpenAI); DONE with no ``artwork_file`` means no provider delivered (the template draws alone).
    """

    job = models.ForeignKey(ImageJob, verbose_name=_("생성 작업"), on_delete=models.CASCADE, related_name="artwork")
    merchant = models.ForeignKey(Merchant, verbose_name=_("가맹점"), on_delete=models.CASCADE, related_name="+")
    style = models.CharField(_("스타일"), max_length=10, choices=Style.choices)
    prompt = models.TextField(_("프롬프트"))
    # Storage name (storages["content"]) of the artwork as delivered, and by whom; removed once composited.
    artwork_file = models.CharField(_("아트워크 파일"), max_length=255, blank=True)
    delivered_by = models.CharField(_("생성 제공자"), max_length=20, blank=True)
    # Why each provider tried did not deliver ("stability: PROVIDER_UNAVAILABLE", "openai: circuit open").
    failures = models.JSONField(_("실패 기록"), default=list, blank=True)

    class Meta:
        verbose_name = _("아트워크 요청")
        verbose_name_plural = _("아트워크 요청")
        constraints = [models.UniqueConstraint(fields=["job", "style"], name="content_artwork_once_per_style")]
        indexes = [
            models.Index(fields=["provider", "state", "next_check_at"], name="content_artwork_due"),
            models.Index(fields=["provider", "started_at"], name="content_artwork_started"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.style}"


# The Kafka intake's tables, registered with this app (content/kafka/models.py).
from content.kafka.models import JobStatusEvent, KafkaJobSource  # noqa: E402, F401
