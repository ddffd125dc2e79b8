"""Labelling an event image as what it is, where its bytes are stored (``pipeline.run_generation_job``):
Content Credentials on every image, and the visible "AI 생성" mark where the merchant turned it on.

Promotional art is clearly artificial, so the machine-readable label suffices by default (Korea's AI Basic
Act, Art. 31, MSIT guidelines); the merchant may add the visible one (content defaults). An image with AI
artwork under our typography is ``compositeWithTrainedAlgorithmicMedia``; a template-only image, drawn by
our renderer with no generative model, makes no AI claim (``algorithmicMedia``). The contract's format stays
PNG; the file is signed once and every URL serves that one file.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from PIL import Image

from common.images import encode_png
from common.provenance.marks import MarkPosition, MarkSize, MarkStyle, MarkTheme, draw_mark
from common.provenance.signing import Generator, ImageClaims, SourceType, credential_image
from content.models import ContentSettings, GeneratedImage

MARK_TEXT = "AI 생성"
# API versions of the providers' image endpoints (Stability: /v2beta/stable-image; OpenAI: /v1/images).
PROVIDER_GENERATORS = {
    GeneratedImage.Provider.STABILITY: ("Stability AI", "STABILITY_MODEL", "v2beta"),
    GeneratedImage.Provider.OPENAI: ("OpenAI", "OPENAI_IMAGE_MODEL", "v1"),
}
TEMPLATE_VERSION = "1"


def generator_of(image: GeneratedImage) -> tuple[Generator, SourceType]:
    known = PROVIDER_GENERATORS.get(GeneratedImage.Provider(image.provider))
    if known is None:
        model = f"event-template-{image.style.lower()}"
        return Generator("Toile", model, TEMPLATE_VERSION), SourceType.ALGORITHMIC_MEDIA
    provider, model_setting, api_version = known
    return (
        Generator(provider, str(getattr(settings, model_setting)), api_version),
        SourceType.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    )


def labelled_event_image(rendered: Image.Image, *, image: GeneratedImage) -> bytes:
    """The PNG bytes to store for ``image`` (not yet saved: its job, merchant, style and provider set)."""
    generator, source_type = generator_of(image)
    preferences = ContentSettings.objects.filter(merchant_id=image.merchant_id).first()
    visible = source_type.is_generative_ai and preferences is not None and preferences.ai_mark_visible
    position = MarkPosition(preferences.ai_mark_position) if preferences is not None else MarkPosition.TOP_LEFT
    title = str(((image.job.payload or {}).get("eventInfo") or {}).get("title") or "")
    claims = ImageClaims(
        kind="event-image",
        title=f"{title} ({image.style} · {image.platform})" if title else f"{image.style} · {image.platform}",
        source_type=source_type,
        generator=generator,
        shop_id=str(image.merchant_id),
        shop_name=image.merchant.name,
        created_at=timezone.now(),
        visible_mark=MARK_TEXT if visible else "",
    )
    return labelled_png(rendered, claims=claims, mark_position=position)


def labelled_png(rendered: Image.Image, *, claims: ImageClaims, mark_position: MarkPosition) -> bytes:
    """The contract's PNG of ``rendered``, with the visible mark when ``claims`` name one, signed
    (bench/content_credentials.py times it beside plain encoding)."""
    if claims.visible_mark:
        style = MarkStyle(position=mark_position, theme=MarkTheme.DARK, size=MarkSize.SMALL)
        rendered = draw_mark(rendered, claims.visible_mark, style)
    return credential_image(encode_png(rendered), mime="image/png", claims=claims)
