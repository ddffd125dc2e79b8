"""The built-in template renderer and compositor (Pillow).

Three designed styles — SIMPLE (clean, text-led), FANCY (rich colour, ornaments), TRENDY (bold, playful), one
module each in :mod:`content.design` — laid out for each platform's frame (exact size, safe area, smallest
legible text). With ``artwork`` (from an AI provider) the same design places the artwork and sets our Korean
text, brand colours, facts and logo on top; without it the design stands alone. This is the last link of the
provider chain, so it needs nothing but Pillow, segno and the bundled fonts.
"""

from __future__ import annotations

from dataclasses import replace

from PIL import Image

from content.constants import Style
from content.design import fancy, simple, trendy
from content.design.base import EventArt, Layout, frame_for
from content.typography import drawable

__all__ = ["EventArt", "Layout", "render_event_design", "render_event_image"]

RENDERERS = {Style.SIMPLE: simple.render, Style.FANCY: fancy.render, Style.TRENDY: trendy.render}


def render_event_design(
    event: EventArt, *, style: str, platform: str, artwork: Image.Image | None = None
) -> tuple[Image.Image, Layout]:
    """The finished image for one style and platform (RGB, the platform's exact size) and where its text went."""
    frame = frame_for(platform)
    font = event.font
    event = replace(
        event,
        title=drawable(event.title, font),
        gift_name=drawable(event.gift_name, font),
        period=drawable(event.period, font),
        call_to_action=drawable(event.call_to_action, font),
        store_name=drawable(event.store_name, font),
    )
    layout = Layout()
    image = RENDERERS[Style(style)](event, frame, artwork, layout)
    assert image.size == frame.size
    return image, layout


def render_event_image(
    event: EventArt, *, style: str, platform: str, artwork: Image.Image | None = None
) -> Image.Image:
    """The finished image for one style and platform, at the platform's exact size (RGB)."""
    return render_event_design(event, style=style, platform=platform, artwork=artwork)[0]
