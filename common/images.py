"""Decoding untrusted image bytes safely: real content sniffing, pixel limits against decompression bombs."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

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
                    f"지원하지 않는 이미지 형식입니다 ({image_format or '알 수 없음'}). 허용: {', '.join(allowed_formats)}"
                )
            width, height = probe.size
            if width * height > max_pixels:
                raise InvalidInput("이미지 해상도가 너무 큽니다 (압축 폭탄이 의심됩니다).")
            probe.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput("이미지 해상도가 너무 큽니다 (압축 폭탄이 의심됩니다).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput("이미지 파일이 아니거나 손상된 파일입니다.") from exc
    has_alpha = probe.mode in ("RGBA", "LA") or "transparency" in probe.info
    image = ImageOps.exif_transpose(probe).convert("RGBA" if has_alpha else "RGB")
    image.info = {}
    return DecodedImage(image=image, format=str(image_format))
