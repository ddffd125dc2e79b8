"""Celery tasks of the sizing app (queue ``default``)."""

from __future__ import annotations

from celery import shared_task

from sizing import services


@shared_task(name="sizing.purge_personal_data", ignore_result=True)
def purge_personal_data_task() -> dict[str, int]:
    """Daily (beat): body measurements and feedback comments past their retention (settings)."""
    return services.purge_personal_data()
