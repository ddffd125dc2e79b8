"""Labelling a try-on result as AI output (Korea's AI Basic Act, Art. 31): the visible "AI 생성" mark and
the Content Credentials, applied once, where the result's bytes are stored (``pipeline.finish``).

A try-on shows a real person wearing clothes she never wore, so every result carries the visible mark, in
the shopper's language, where the merchant put it (try-on settings) — and the offline engine's preview
label joins it. Everything that shows the result (the API's URL, the widget, the share page and its OG
image, which redirects to the same file) shows this one signed file.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.utils import timezone

from common.images import open_untrusted_image
from common.provenance.marks import MarkPosition, MarkSize, MarkStyle, MarkTheme, draw_mark
from common.provenance.signing import Generator, ImageClaims, SourceType, credential_image
from tryon.ai_notice import MARK_TEXT, PREVIEW_TEXT
from tryon.images import encode_jpeg
from tryon.models import TryOnJob
from tryon.providers.base import EngineResult
from tryon.selectors import settings_for

RESULT_TITLE = {"ko": "가상 피팅 결과", "en": "Virtual try-on result"}
# Results are photos: JPEG, as the offline engine always wrote them (and cheaper to hash than PNG).
RESULT_JPEG_QUALITY = 92
# FASHN's API version (its paths are /v1/run, /v1/status).
FASHN_API_VERSION = "v1"


def mark_text(*, language: str, preview: bool) -> str:
    text = MARK_TEXT.get(language, MARK_TEXT["ko"])
    if preview:
        text = f"{text} · {PREVIEW_TEXT.get(language, PREVIEW_TEXT['ko'])}"
    return text


def mark_style(job: TryOnJob) -> MarkStyle:
    limits = settings_for(merchant=job.merchant)
    return MarkStyle(
        position=MarkPosition(limits.ai_mark_position),
        theme=MarkTheme(limits.ai_mark_theme),
        size=MarkSize(limits.ai_mark_size),
    )


def generator_of(result: EngineResult) -> tuple[Generator, SourceType]:
    """Who made the result, and so what it is: FASHN generates it; the offline engine composites the product
    photo onto the shopper's photo where pose and segmentation models (MediaPipe) found the body."""
    if result.metadata.get("engine") == "fashn":
        model = str(result.metadata.get("model") or settings.FASHN_MODEL_NAME)
        return Generator("FASHN", model, FASHN_API_VERSION), SourceType.TRAINED_ALGORITHMIC_MEDIA
    try:
        mediapipe = version("mediapipe")
    except PackageNotFoundError:
        mediapipe = "unknown"
    return (
        Generator("Toile", "offline-preview", f"mediapipe {mediapipe}"),
        SourceType.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    )


def label_tryon_result(*, job: TryOnJob, result: EngineResult) -> EngineResult:
    """The result as shoppers get it: the mark drawn in, JPEG, XMP and a signed C2PA manifest."""
    language = job.language if job.language in MARK_TEXT else "ko"
    text = mark_text(language=language, preview=bool(result.metadata.get("preview")))
    generator, source_type = generator_of(result)
    title = RESULT_TITLE[language] if not job.product_title else f"{job.product_title} · {RESULT_TITLE[language]}"
    claims = ImageClaims(
        kind="tryon-result",
        title=title,
        source_type=source_type,
        generator=generator,
        shop_id=str(job.merchant_id),
        shop_name=job.merchant.name,
        created_at=timezone.now(),
        visible_mark=text,
    )
    labelled = labelled_result(result.image, text=text, style=mark_style(job), claims=claims)
    return EngineResult(image=labelled, extension="jpg", metadata=result.metadata)


def labelled_result(image: bytes, *, text: str, style: MarkStyle, claims: ImageClaims) -> bytes:
    """``image`` (an engine's JPEG or PNG) with the mark, as a signed JPEG (bench/tryon_offline_engine.py times it)."""
    decoded = open_untrusted_image(image, allowed_formats=("JPEG", "PNG")).image
    marked = encode_jpeg(draw_mark(decoded, text, style), quality=RESULT_JPEG_QUALITY, optimize=False)
    return credential_image(marked, mime="image/jpeg", claims=claims)
