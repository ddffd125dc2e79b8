"""The shared PNG encoder (common.images.encode_png): lossless in every mode, nothing but pixels written."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from common.images import encode_png


def chunk_types(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return kinds


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # Pillow checks every chunk's CRC and the zlib stream while decoding
    return image


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_noise_survives_exactly_in_every_mode_written_directly(mode):
    rng = np.random.default_rng(7)
    channels = len(mode)
    pixels = rng.integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
    image = Image.fromarray(pixels if channels > 1 else pixels[:, :, 0], mode)
    back = decoded(encode_png(image))
    assert back.mode == mode and back.size == (53, 37)
    assert np.array_equal(np.asarray(back), np.asarray(image))


def test_a_rendered_event_image_survives_exactly():
    from content.providers.template import EventArt, render_event_image

    image = render_event_image(
        EventArt("봄맞이 커피 할인 이벤트", "아메리카노 1+1", "#FF5733"), style="FANCY", platform="NAVER_BLOG"
    )
    back = decoded(encode_png(image))
    assert np.array_equal(np.asarray(back), np.asarray(image))


def test_only_pixels_are_written_never_metadata():
    image = Image.new("RGB", (20, 10), (200, 30, 40))
    image.info = {"dpi": (300, 300), "icc_profile": b"profile", "comment": "owner: someone"}
    data = encode_png(image)
    assert chunk_types(data) == [b"IHDR", b"IDAT", b"IEND"]
    assert decoded(data).info == {}


@pytest.mark.parametrize("mode", ["1", "P", "I;16"])
def test_other_modes_are_left_to_pillow_and_survive(mode):
    image = Image.linear_gradient("L").convert(mode) if mode != "I;16" else Image.new("I;16", (16, 16), 40000)
    back = decoded(encode_png(image))
    assert back.size == image.size
    assert np.array_equal(np.asarray(back), np.asarray(image))
