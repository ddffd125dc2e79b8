"""The visible "AI generated" mark drawn into an image: a small rounded label in one corner.

Legible on any image: its own background (dark or light) behind the text, the text at least
``MIN_TEXT_PX`` tall and a fixed share of the image's short edge, so that a phone showing the image at
the width of the screen still shows a readable label. What a merchant may choose (``MarkStyle``) moves or
restyles it; nothing removes it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import justmytype_intl_cjk
from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont

MIN_TEXT_PX = 14


# Django choices, so that a product's settings model offers exactly these in its dashboard form.
class MarkPosition(models.TextChoices):
    BOTTOM_LEFT = "bottom-left", _("왼쪽 아래")
    BOTTOM_RIGHT = "bottom-right", _("오른쪽 아래")
    TOP_LEFT = "top-left", _("왼쪽 위")
    TOP_RIGHT = "top-right", _("오른쪽 위")


class MarkTheme(models.TextChoices):
    DARK = "dark", _("어두운 바탕에 흰 글씨")
    LIGHT = "light", _("밝은 바탕에 검은 글씨")


class MarkSize(models.TextChoices):
    SMALL = "small", _("작게")
    MEDIUM = "medium", _("보통")
    LARGE = "large", _("크게")


# Text height as a share of the image's short edge: 2.8 % is about 15 px on a phone-width preview of a
# 1080-px image, the smallest Korean body text stays readable at.
_TEXT_SHARE = {MarkSize.SMALL: 0.028, MarkSize.MEDIUM: 0.034, MarkSize.LARGE: 0.042}
_COLOURS = {
    MarkTheme.DARK: ((17, 17, 17, 184), (255, 255, 255, 255)),
    MarkTheme.LIGHT: ((255, 255, 255, 220), (29, 29, 31, 255)),
}


@dataclass(frozen=True)
class MarkStyle:
    position: MarkPosition = MarkPosition.BOTTOM_LEFT
    theme: MarkTheme = MarkTheme.DARK
    size: MarkSize = MarkSize.MEDIUM


@functools.lru_cache(maxsize=16)
def _font(pixels: int) -> ImageFont.FreeTypeFont:
    path = Path(justmytype_intl_cjk.__file__).parent / "fonts/ofl/notosanskr/NotoSansKR[wght].ttf"
    font = ImageFont.truetype(str(path), pixels)
    font.set_variation_by_axes([700])
    return font


def mark_box(size: tuple[int, int], text: str, style: MarkStyle) -> tuple[int, int, int, int]:
    """Where the mark goes in an image of ``size``: (left, top, right, bottom)."""
    width, height = size
    short = min(width, height)
    text_px = max(MIN_TEXT_PX, round(short * _TEXT_SHARE[style.size]))
    left, top, right, bottom = _font(text_px).getbbox(text)
    pad_x, pad_y = round(text_px * 0.6), round(text_px * 0.4)
    box_w, box_h = round(right - left) + 2 * pad_x, round(bottom - top) + 2 * pad_y
    margin = max(6, round(short * 0.025))
    x = margin if style.position in (MarkPosition.BOTTOM_LEFT, MarkPosition.TOP_LEFT) else width - box_w - margin
    y = margin if style.position in (MarkPosition.TOP_LEFT, MarkPosition.TOP_RIGHT) else height - box_h - margin
    return max(0, x), max(0, y), max(0, x) + box_w, max(0, y) + box_h


def draw_mark(image: Image.Image, text: str, style: MarkStyle) -> Image.Image:
    """A copy of ``image`` (RGB) with the mark drawn in.

    Only the label's box is blended (RGBA) and pasted back: blending the whole picture cost more than the
    rest of labelling a 1500 x 1758 result together (bench/tryon_offline_engine.py).
    """
    result = image.convert("RGB") if image.mode != "RGB" else image.copy()
    text_px = max(MIN_TEXT_PX, round(min(result.size) * _TEXT_SHARE[style.size]))
    font = _font(text_px)
    left, top, right, bottom = mark_box(result.size, text, style)
    right, bottom = min(right, result.width), min(bottom, result.height)
    if right <= left or bottom <= top:
        return result
    background, foreground = _COLOURS[style.theme]
    region = result.crop((left, top, right, bottom)).convert("RGBA")
    overlay = Image.new("RGBA", region.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rounded_rectangle((0, 0, region.width - 1, region.height - 1), radius=region.height // 2, fill=background)
    text_left, text_top, text_right, text_bottom = font.getbbox(text)
    x = (region.width - (text_right - text_left)) // 2 - text_left
    y = (region.height - (text_bottom - text_top)) // 2 - text_top
    draw.text((x, y), text, font=font, fill=foreground)
    result.paste(Image.alpha_composite(region, overlay).convert("RGB"), (left, top))
    return result
