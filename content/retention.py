"""Retention of content files: only files no row refers to are removed (images and logos stay otherwise)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from common.retention import delete_orphaned_files
from content import storage
from content.models import ArtworkRequest, ContentSettings, GeneratedImage, ImageJob


def _referenced_images(names: list[str]) -> set[str]:
    return set(GeneratedImage.objects.filter(file_name__in=names).values_list("file_name", flat=True))


def _referenced_logos(names: list[str]) -> set[str]:
    """Logos a brand kit holds (stored once, used by every request without a logoUrl, so possibly by no job
    yet) and logos a job's payload names (its own logoUrl's copy, or a kit logo replaced since)."""
    brand_kits = set(ContentSettings.objects.filter(logo_image__in=names).values_list("logo_image", flat=True))
    return brand_kits | {
        name
        for name in names
        # Few logos per sweep; a JSON key lookup per name works alike on PostgreSQL and SQLite.
        if name not in brand_kits and ImageJob.objects.filter(payload__eventInfo__logoImage=name).exists()
    }


def _referenced_artwork(names: list[str]) -> set[str]:
    return set(ArtworkRequest.objects.filter(artwork_file__in=names).values_list("artwork_file", flat=True))


def purge_orphaned_files() -> dict[str, int]:
    grace = timedelta(hours=settings.ORPHAN_FILE_GRACE_HOURS)
    backend = storage.content_storage()
    return {
        "images": delete_orphaned_files(backend, storage.IMAGES_FOLDER, referenced=_referenced_images, grace=grace),
        "logos": delete_orphaned_files(backend, storage.LOGOS_FOLDER, referenced=_referenced_logos, grace=grace),
        "artwork": delete_orphaned_files(backend, storage.ARTWORK_FOLDER, referenced=_referenced_artwork, grace=grace),
    }
