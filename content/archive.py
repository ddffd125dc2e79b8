"""All images of an event as one ZIP file (the API's ``/events/{id}/archive`` and the dashboard's download).

Members are named for what they are — ``instagram_story-fancy.png`` — with ``-2``, ``-3`` … when an event
lists two images of the same platform and style (a regenerate that changed the style). PNGs are stored, not
deflated: they are compressed already, and deflating them again costs CPU for nothing.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from azure.core.exceptions import ResourceNotFoundError

from content import selectors, storage
from content.models import GeneratedImage
from merchants.models import Merchant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Archive:
    file_name: str
    data: bytes
    members: list[str]


def member_names(images: Iterable[GeneratedImage]) -> list[tuple[GeneratedImage, str]]:
    named: list[tuple[GeneratedImage, str]] = []
    used: set[str] = set()
    for image in images:
        extension = image.file_name.rsplit(".", 1)[-1] if "." in image.file_name else "png"
        stem = f"{image.platform.lower()}-{image.style.lower()}"
        name, copy = f"{stem}.{extension}", 1
        while name in used:
            copy += 1
            name = f"{stem}-{copy}.{extension}"
        used.add(name)
        named.append((image, name))
    return named


def build_archive(images: Iterable[GeneratedImage], *, file_name: str) -> Archive:
    """A ZIP of ``images`` read from content storage; a file the storage no longer has is left out (and
    logged), not fatal. Other storage failures (unreachable, refused) propagate: no silently short archive."""
    buffer = io.BytesIO()
    members: list[str] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for image, name in member_names(images):
            try:
                data = storage.read_file(image.file_name)
            except (FileNotFoundError, ResourceNotFoundError):  # missing locally / on Azure Blob
                logger.warning("content archive: %s of image %s could not be read", image.file_name, image.id)
                continue
            archive.writestr(zipfile.ZipInfo(name, date_time=image.created_at.timetuple()[:6]), data)
            members.append(name)
    return Archive(file_name=file_name, data=buffer.getvalue(), members=members)


def archive_file_name(event_draft_id: str) -> str:
    return f"{event_draft_id}-images.zip"


def event_archive(*, merchant: Merchant, event_draft_id: str) -> Archive:
    """The listed images of a live event (404 ``CONTENT_NOT_FOUND`` once its content expired, as for
    ``GET /api/content/events/{id}``)."""
    selectors.event_content(merchant=merchant, event_draft_id=event_draft_id)
    images = selectors.listed_event_images(merchant=merchant, event_draft_id=event_draft_id)
    return build_archive(images, file_name=archive_file_name(event_draft_id))
