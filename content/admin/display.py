"""How the content pages show an image, a job's progress and its duration, and send a ZIP."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from common import charts
from content import archive, storage
from content.models import GeneratedImage, ImageJob
from merchants.admin_base import (
    progress_html,
)

STATUS_TONES: dict[str, str] = {
    ImageJob.Status.PENDING: "",
    ImageJob.Status.PROCESSING: "info",
    ImageJob.Status.COMPLETED: "success",
    ImageJob.Status.FAILED: "danger",
}
STATUS_COLOURS = {
    ImageJob.Status.PENDING: charts.MUTED,
    ImageJob.Status.PROCESSING: charts.PRIMARY,
    ImageJob.Status.COMPLETED: charts.SUCCESS,
    ImageJob.Status.FAILED: charts.DANGER,
}
GALLERY_EVENTS_PER_PAGE = 8


def image_src(image: GeneratedImage) -> str:
    return storage.site_url(image.file_name)


def thumbnail(image: GeneratedImage, size: int = 72) -> str:
    """The image at its real aspect ratio (width/height attributes), ``size`` pixels high."""
    return format_html(
        '<a href="{url}" target="_blank" rel="noopener"><img src="{url}" alt="{alt}" class="content-thumb '
        'tl-thumb-{size}" width="{w}" height="{h}" loading="lazy"></a>',
        url=image_src(image),
        alt=f"{image.get_style_display()} / {image.get_platform_display()}",
        size=size,
        w=image.width,
        h=image.height,
    )


def colour_swatch(colour: str) -> str:
    # An SVG fill, not a style attribute: the colour is data (validated #RRGGBB) and CSP-safe as markup.
    return format_html(
        '<span class="tl-swatch"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" rx="3" '
        'fill="{}" stroke="#0002"/></svg> {}</span>',
        colour,
        colour,
    )


def zip_response(built: archive.Archive) -> HttpResponse:
    response = HttpResponse(built.data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{built.file_name}"'
    return response


def job_progress(job: ImageJob) -> str:
    text = f"{job.images_done}/{job.images_total}"
    return progress_html(job.images_done, job.images_total, text)


def duration_chart(jobs: list[ImageJob]) -> charts.Chart:
    """The latest finished jobs' durations, one bar each, coloured by how they ended."""
    finished = [job for job in jobs if job.duration_seconds is not None]

    def seconds(status: str) -> list[float | None]:
        return [
            round(job.duration_seconds, 1) if job.status == status and job.duration_seconds is not None else None
            for job in finished
        ]

    return charts.Chart(
        key="content-durations",
        title=_("최근 작업 소요 시간 (초)"),
        labels=[job.id.removeprefix("job-img-").removeprefix("job-regen-")[:6] for job in finished],
        series=[
            charts.Series(_("완료"), seconds(ImageJob.Status.COMPLETED), charts.SUCCESS),
            charts.Series(_("실패"), seconds(ImageJob.Status.FAILED), charts.DANGER),
        ],
        stacked=True,
        y_title=_("초"),
    )


def event_info(job: ImageJob) -> dict[str, Any]:
    return (job.payload or {}).get("eventInfo") or {}
