"""What a designed image shows."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class EventArt:
    """What a designed image shows. ``logo`` is an already safely decoded image (or None)."""

    title: str
    gift_name: str
    brand_color: str
    logo: Image.Image | None = None


def seeded_random(event: EventArt, style: str) -> random.Random:
    """Ornaments scatter the same way for the same event, in every process."""
    return random.Random(zlib.crc32(f"{event.title}|{event.gift_name}|{style}".encode()))
