"""What the try-on API does, by sub-domain: accepting jobs (jobs, quota), sharing, feedback and retention.

Running a job (start, engine, finish) is :mod:`tryon.pipeline`, as content's is :mod:`content.pipeline`.
"""

from tryon.selectors import visitor_key_for
from tryon.services.feedback import submit_feedback
from tryon.services.jobs import create_tryon_job, delete_tryon_job, enqueue_job
from tryon.services.retention import purge_expired, purge_orphaned_files
from tryon.services.sharing import (
    ShareResult,
    live_share_link,
    share_image_url,
    share_job,
    view_share_link,
)

__all__ = [
    "ShareResult",
    "create_tryon_job",
    "delete_tryon_job",
    "enqueue_job",
    "live_share_link",
    "purge_expired",
    "purge_orphaned_files",
    "share_image_url",
    "share_job",
    "submit_feedback",
    "view_share_link",
    "visitor_key_for",
]
