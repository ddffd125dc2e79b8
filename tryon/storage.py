"""Try-on files in ``storages["tryon"]`` and the URLs handed out for them.

On S3 the URLs are presigned by django-storages (valid ``TRYON_RESULT_URL_SECONDS``); with local files the
app signs a URL to its own file view (:func:`tryon.views.serve_signed_file`) that expires after the same time.
Files are never public in either mode.
"""

from __future__ import annotations

import logging
import mimetypes

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.urls import reverse

logger = logging.getLogger(__name__)

_SIGNING_SALT = "tryon.file-url"


def tryon_storage() -> Storage:
    return storages["tryon"]


def is_presigning_storage(storage: Storage) -> bool:
    """True for S3: its own ``url()`` presigns; local files need our signed URLs."""
    return hasattr(storage, "bucket_name")


def save_file(name: str, data: bytes) -> str:
    return tryon_storage().save(name, ContentFile(data))


def read_file(name: str) -> bytes:
    with tryon_storage().open(name, "rb") as handle:
        return handle.read()


def delete_file(name: str) -> None:
    if not name:
        return
    try:
        tryon_storage().delete(name)
    except Exception:  # a file already gone must not fail the job that cleans it up
        logger.warning("could not delete try-on file %s", name, exc_info=True)


def signed_file_url(name: str, *, absolute: bool = True) -> str:
    """A URL valid ``TRYON_RESULT_URL_SECONDS`` from now; local ones relative to the site when not ``absolute``
    (the dashboard may be opened on another host than ``PUBLIC_BASE_URL``)."""
    storage = tryon_storage()
    if is_presigning_storage(storage):
        return storage.url(name, expire=settings.TRYON_RESULT_URL_SECONDS)  # type: ignore[call-arg]  # S3Storage.url
    token = signing.TimestampSigner(key=settings.TRYON_URL_SIGNING_KEY, salt=_SIGNING_SALT).sign_object(
        {"n": name}, compress=True
    )
    path = reverse("tryon-file", kwargs={"token": token})
    return settings.PUBLIC_BASE_URL + path if absolute else path


class FileUrlExpired(Exception):
    pass


class FileUrlInvalid(Exception):
    pass


def name_from_signed_token(token: str) -> str:
    """The storage name a local signed URL grants; raises :class:`FileUrlExpired` or :class:`FileUrlInvalid`."""
    signer = signing.TimestampSigner(key=settings.TRYON_URL_SIGNING_KEY, salt=_SIGNING_SALT)
    try:
        payload = signer.unsign_object(token, max_age=settings.TRYON_RESULT_URL_SECONDS)
    except signing.SignatureExpired as exc:
        raise FileUrlExpired from exc
    except signing.BadSignature as exc:
        raise FileUrlInvalid from exc
    name = payload.get("n") if isinstance(payload, dict) else None
    if not isinstance(name, str) or not name:
        raise FileUrlInvalid
    return name


def content_type_for(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
