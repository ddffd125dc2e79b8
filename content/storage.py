"""Content files in ``storages["content"]`` (Azure Blob behind the CDN, or local files in embedded mode).

Generated images live under ``images/``, normalised logo copies under ``logos/``. Files stay when an image is
deleted or replaced (the spec's cost decision); only files no row refers to are ever removed (retention).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

IMAGES_FOLDER = "images"
LOGOS_FOLDER = "logos"
# AI artwork between its provider's answer and the compositing of the job's images (then deleted).
ARTWORK_FOLDER = "artwork"


def content_storage() -> Storage:
    return storages["content"]


def save_image(image_id: str, png: bytes) -> str:
    return content_storage().save(f"{IMAGES_FOLDER}/{image_id}.png", ContentFile(png))


def save_artwork(name: str, data: bytes) -> str:
    return content_storage().save(f"{ARTWORK_FOLDER}/{name}", ContentFile(data))


def save_logo(name: str, png: bytes) -> str:
    return content_storage().save(f"{LOGOS_FOLDER}/{name}.png", ContentFile(png))


def read_file(name: str) -> bytes:
    with content_storage().open(name) as handle:
        return handle.read()


def delete_file(name: str) -> None:
    content_storage().delete(name)


def open_file(name: str) -> File:
    return content_storage().open(name, "rb")


def site_url(name: str) -> str:
    """Where the dashboard loads a file from: the CDN URL, or this app's own /media/content/ path."""
    return content_storage().url(name)


def public_url(name: str) -> str:
    """Absolute URL of a stored file (CDN/Blob URL, or this app's /media/content/ in embedded mode)."""
    url = content_storage().url(name)
    if url.startswith("/"):
        url = settings.PUBLIC_BASE_URL + url
    return url
