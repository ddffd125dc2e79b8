"""The Celery application: configured from Django settings (``CELERY_*``), tasks discovered per app."""

import os

from celery import Celery

import common.task_context  # noqa: F401  (request ids into tasks, the project's logging in workers)
from common.remote.follower import FollowerStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker's main process follows the remote calls of the queues it consumes (common/remote/).
app.steps["worker"].add(FollowerStep)
