"""The built-in template renderer and compositor (Pillow).

Three designed styles — SIMPLE (clean, text-led), FANCY (rich colour, ornaments), TRENDY (bold, playful), one
module each in :mod:`content.design` — laid out for each platform's exact size. With ``artwork`` (from an AI
provider) the same design places the artwork and sets our Korean text, brand colour and logo on top; without
it the design stands alone. This is the last link of the provider chain, so it needs nothing but Pillow and
the bundled font.
"""

from __future__ import annotations

from dataclasses import replace

from PIL import Image

from content.constants import PLATFORM_SIZES, Style
from content.design import fancy, simple, trendy
from content.design.base import EventArt
from content.typography import drawable

__all__ = ["EventArt", "render_event_image"]

RENDERERS = {Style.SIMPLE: simple.render, Style.FANCY: fancy.render, Style.TRENDY: trendy.render}


def render_event_image(
    event: EventArt, *, style: str, platform: str, artwork: Image.Image | None = None
) -> Image.Image:
    """The finished image for one style and platform, at the platform's exact size (RGB)."""
    size = PLATFORM_SIZES[platform]
    event = replace(event, title=drawable(event.title), gift_name=drawable(event.gift_name))
    image = RENDERERS[style](event, size, artwork)
    assert image.size == size
    return image
