"""Sweeping a storage for files no row refers to: what a crash between writing a file and committing its row
leaves behind (an upload stored, then the request or worker died before the job or image was saved)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.core.files.storage import Storage
from django.utils import timezone

logger = logging.getLogger(__name__)

BATCH = 500


def files_older_than(storage: Storage, folder: str, *, age: timedelta) -> Iterator[str]:
    """Names of the files under ``folder`` (recursively) last modified more than ``age`` ago."""
    cutoff = timezone.now() - age
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        path = f"{folder}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                yield path
        except FileNotFoundError:  # removed meanwhile
            continue
    for child in folders:
        yield from files_older_than(storage, f"{folder}/{child}", age=age)


def delete_orphaned_files(
    storage: Storage, folder: str, *, referenced: Callable[[list[str]], set[str]], grace: timedelta
) -> int:
    """Deletes the files under ``folder`` older than ``grace`` that ``referenced`` (given a batch of names,
    returns those some row still uses) does not claim. The grace period spares uploads in progress."""
    deleted = 0
    batch: list[str] = []

    def flush() -> int:
        keep = referenced(batch)
        orphans = [name for name in batch if name not in keep]
        for name in orphans:
            storage.delete(name)
        batch.clear()
        return len(orphans)

    for name in files_older_than(storage, folder, age=grace):
        batch.append(name)
        if len(batch) >= BATCH:
            deleted += flush()
    if batch:
        deleted += flush()
    if deleted:
        logger.info("orphaned files deleted", extra={"folder": folder, "count": deleted})
    return deleted
