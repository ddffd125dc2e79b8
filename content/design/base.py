"""What a designed image shows, the frame it is laid out in, and the record of where its text went."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

from PIL import Image

from content.constants import DEFAULT_FONT, MIN_TEXT_PX, PLATFORM_SIZES, SAFE_AREAS

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class EventArt:
    """What a designed image shows. ``logo`` is an already safely decoded image (or None).

    The facts (``period``, ``call_to_action``, ``event_url``, ``store_name``) are optional; an empty
    ``secondary_color`` leaves the design's own second colour.
    """

    title: str
    gift_name: str
    brand_color: str
    logo: Image.Image | None = None
    period: str = ""
    call_to_action: str = ""
    event_url: str = ""
    store_name: str = ""
    secondary_color: str = ""
    font: str = DEFAULT_FONT

    @property
    def has_facts(self) -> bool:
        return bool(self.period or self.call_to_action or self.event_url or self.store_name)


@dataclass(frozen=True)
class Frame:
    """A platform's canvas: its size, the design unit, where text may go and the smallest legible text."""

    platform: str
    size: tuple[int, int]
    unit: float
    safe: Box
    min_text: int

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

    @property
    def wide(self) -> bool:
        """2:1 and wider: a banner, laid out in columns."""
        return self.width >= 1.8 * self.height

    @property
    def tall(self) -> bool:
        """9:16: a story, laid out in a column with room above and below."""
        return self.height >= 1.6 * self.width


def frame_for(platform: str) -> Frame:
    width, height = PLATFORM_SIZES[platform]
    # The designs measure in hundredths of the short side; a 2:1 banner's short side would make every mark
    # too small to read in its preview, so banners measure against 1.5 × their height instead.
    unit = min(width, height) / 100 if width < 1.8 * height else height * 1.5 / 100
    return Frame(platform, (width, height), unit, SAFE_AREAS[platform], MIN_TEXT_PX[platform])


@dataclass(frozen=True)
class Placed:
    box: Box
    font_size: int = 0  # 0 for what is not text (the QR code)


@dataclass
class Layout:
    """Where a design put each piece of the event (title, gift, period, cta, store, url, qr), for tests and
    for callers that want to know; recording it does not change a pixel."""

    placed: dict[str, Placed] = field(default_factory=dict)

    def place(self, name: str, box: Box, font_size: int = 0) -> None:
        self.placed[name] = Placed(tuple(float(v) for v in box), font_size)  # type: ignore[arg-type]


def seeded_random(event: EventArt, style: str) -> random.Random:
    """Ornaments scatter the same way for the same event, in every process."""
    return random.Random(zlib.crc32(f"{event.title}|{event.gift_name}|{style}".encode()))  # noqa: S311 - decoration
