"""Image bytes in and out: decoding untrusted uploads safely (real content sniffing, pixel limits against
decompression bombs) and the one PNG encoder every app uses."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from common.errors import InvalidInput
from common.limits import ProcessSlots

# 40 megapixels is far beyond any phone photo or product shot; Pillow's own limit is about 89 MP.
MAX_IMAGE_PIXELS = 40_000_000
# Decoding a 40 MP upload takes ~0.5 s of CPU and ~160 MB of memory: a web process decodes a few at a time.
image_decode_slots = ProcessSlots("IMAGE_DECODE_CONCURRENCY", "IMAGE_DECODE_WAIT_SECONDS")


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image
    format: str


def open_untrusted_image(
    data: bytes,
    *,
    allowed_formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF"),
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> DecodedImage:
    """Decodes ``data`` fully: an RGB or RGBA image with EXIF orientation applied and no metadata kept.

    Raises :class:`InvalidInput` for non-images, formats outside ``allowed_formats``, truncated or corrupt
    files and decompression bombs; :class:`~common.errors.ServiceUnavailable` when the process is busy
    decoding others.
    """
    with image_decode_slots.acquire():
        return _decode(data, allowed_formats=allowed_formats, max_pixels=max_pixels)


def _decode(data: bytes, *, allowed_formats: tuple[str, ...], max_pixels: int) -> DecodedImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            image_format = probe.format
            if image_format not in allowed_formats:
                raise InvalidInput(
                    _("지원하지 않는 이미지 형식입니다 (%(format)s). 허용: %(allowed)s")
                    % {"format": image_format or _("알 수 없음"), "allowed": ", ".join(allowed_formats)}
                )
            width, height = probe.size
            if width * height > max_pixels:
                raise InvalidInput(_("이미지 해상도가 너무 큽니다 (압축 폭탄이 의심됩니다)."))
            probe.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(_("이미지 해상도가 너무 큽니다 (압축 폭탄이 의심됩니다).")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(_("이미지 파일이 아니거나 손상된 파일입니다.")) from exc
    has_alpha = probe.mode in ("RGBA", "LA") or "transparency" in probe.info
    image = ImageOps.exif_transpose(probe).convert("RGBA" if has_alpha else "RGB")
    image.info = {}
    return DecodedImage(image=image, format=str(image_format))


# PNG colour types (PNG spec, IHDR) of the 8-bit modes written directly; any other mode goes through Pillow.
_PNG_COLOR_TYPES = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_FILTER_UP = 2
# zlib level 1, chosen by measurement (bench/render_event_images.py --encodings): on an event's 9 images,
# level 3 takes 1.25× the time for files 9 % smaller, level 6 2.8× for 24 %; level 1's largest image (FANCY,
# 1080 × 1080) is about 330 KB, far below what the platforms accept.
PNG_COMPRESS_LEVEL = 1


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def encode_png(image: Image.Image, *, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """Lossless PNG bytes of ``image`` with no metadata (no text, EXIF, ICC or time chunks).

    8-bit L, LA, RGB and RGBA images are written here: every row gets PNG's "Up" filter (its difference
    from the row above, one numpy subtraction) and zlib deflates the result. Pillow's encoder instead tries
    all five filters on every row and keeps the best guess, a search that alone costs about what encoding a
    blank image costs (some 10 ms per 1080 × 1080 image); for our designs the Up filter compresses nearly as
    well (bench/render_event_images.py --encodings). Other modes are saved by Pillow.
    """
    color_type = _PNG_COLOR_TYPES.get(image.mode)
    if color_type is None or 0 in image.size:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=compress_level)
        return buffer.getvalue()
    width, height = image.size
    pixels = np.asarray(image).reshape(height, -1)
    rows = np.empty((height, pixels.shape[1] + 1), dtype=np.uint8)
    rows[:, 0] = _FILTER_UP
    rows[:1, 1:] = pixels[:1]
    np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:])  # uint8 arithmetic wraps modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.data, compress_level)),
            _chunk(b"IEND", b""),
        )
    )
