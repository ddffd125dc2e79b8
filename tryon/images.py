"""Preparing the two input images of a try-on: decoded for real, re-encoded without any metadata."""

from __future__ import annotations

import io

from PIL import Image

from common.images import encode_png, open_untrusted_image

# FASHN's preprocessing advice: longest edge at most 2000 px, JPEG quality about 95.
MAX_EDGE = 2000
JPEG_QUALITY = 95
# Garment photos are uploaded to FASHN: zlib's default level keeps them as small as before the shared encoder.
PNG_COMPRESS_LEVEL = 6


def _fit(image: Image.Image) -> Image.Image:
    if max(image.size) > MAX_EDGE:
        image = image.copy()
        image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    return image


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def encode_jpeg(image: Image.Image, quality: int = JPEG_QUALITY, *, optimize: bool = True) -> bytes:
    """``optimize`` (Huffman tables fitted to the image) saves about 1 % of the bytes for 2.5x the time:
    worth it for photos uploaded to FASHN, not for results encoded while the shopper waits."""
    buffer = io.BytesIO()
    # No exif=/icc_profile= arguments: nothing of the original file (GPS, camera, owner) is written back.
    _flatten(image).save(buffer, format="JPEG", quality=quality, optimize=optimize)
    return buffer.getvalue()


def prepare_person_photo(data: bytes) -> bytes:
    """The shopper's photo as a clean JPEG: JPEG/PNG content only, orientation applied, EXIF/GPS dropped."""
    decoded = open_untrusted_image(data, allowed_formats=("JPEG", "PNG"))
    return encode_jpeg(_fit(decoded.image))


def prepare_garment_image(data: bytes) -> bytes:
    """The product photo as PNG (transparency kept: it helps cutting the garment out)."""
    decoded = open_untrusted_image(data, allowed_formats=("JPEG", "PNG", "WEBP"))
    return encode_png(_fit(decoded.image), compress_level=PNG_COMPRESS_LEVEL)
