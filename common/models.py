"""Abstract model fields shared by the apps' job models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecoverableJob(models.Model):
    """The bookkeeping that lets a job survive the death of the worker running it (see common/jobs.py).

    A worker running the job holds the lease (``lease_owner``) and renews ``lease_expires_at`` while it works;
    a lease that ran out means the worker died. ``enqueued_at`` is when a message for the job was last
    published, so that a PENDING job whose message a broker lost is noticed. ``recovery_count`` counts the
    times the job was enqueued again.
    """

    lease_owner = models.CharField(_("처리 워커"), max_length=100, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(_("작업 임대 만료"), null=True, blank=True, editable=False)
    enqueued_at = models.DateTimeField(_("대기열 등록 시각"), null=True, blank=True, editable=False)
    recovery_count = models.PositiveSmallIntegerField(_("복구 횟수"), default=0, editable=False)

    class Meta:
        abstract = True
