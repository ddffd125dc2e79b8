"""The Celery application: configured from Django settings (``CELERY_*``), tasks discovered per app."""

import os

# Before anything of the project is imported: `celery -A config` (the Procfile's workers and beat) starts with
# no DJANGO_SETTINGS_MODULE of its own.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery import Celery  # noqa: E402

import common.task_context  # noqa: E402, F401  (request ids into tasks, the project's logging in workers)
from common.remote.follower import FollowerStep  # noqa: E402

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker's main process follows the remote calls of the queues it consumes (common/remote/).
app.steps["worker"].add(FollowerStep)
