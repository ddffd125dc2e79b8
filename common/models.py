"""Abstract model fields shared by the apps' job models."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """The one status vocabulary of every job (content's and try-on's): the contracts' four values."""

    PENDING = "PENDING", _("대기 중")
    PROCESSING = "PROCESSING", _("처리 중")
    COMPLETED = "COMPLETED", _("완료")
    FAILED = "FAILED", _("실패")


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
    # Set while the job waits on remote work (common/remote/) that enqueues it again when done: recovery leaves
    # a parked job alone however long it waits; the remote call has its own recovery.
    parked_on = models.CharField(_("원격 작업 대기"), max_length=20, blank=True, editable=False)

    Status = JobStatus
    FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED)
    ACTIVE = (JobStatus.PENDING, JobStatus.PROCESSING)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return getattr(self, "status", "") in self.FINISHED


class RemoteCall(models.Model):
    """One call to a rate-limited remote system (an AI provider, a product host) that a job waits on without
    holding a worker process; followed by the workers' remote loops (common/remote/).

    WAITING calls queue for a slot of their provider (fair between merchants, by ``priority`` within one);
    ACTIVE ones hold a slot while the provider works; DONE ones freed it. ``next_check_at`` is when a follower
    should act next (a WAITING call is not admitted before it: a back-off); ``claimed_by``/``claimed_until`` is
    the follower working on it now (a claim that ran out means that follower died).
    """

    class State(models.TextChoices):
        WAITING = "WAITING", _("대기")
        ACTIVE = "ACTIVE", _("진행 중")
        DONE = "DONE", _("완료")

    provider = models.CharField(_("제공자"), max_length=20)
    state = models.CharField(_("상태"), max_length=8, choices=State.choices, default=State.WAITING)
    priority = models.PositiveSmallIntegerField(_("우선순위"), default=0)
    waiting_since = models.DateTimeField(_("대기 시작"), default=timezone.now)
    started_at = models.DateTimeField(_("시작 시각"), null=True, blank=True)
    finished_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("다음 확인"), null=True, blank=True)
    claimed_by = models.CharField(_("처리 중인 워커"), max_length=100, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("처리 임대 만료"), null=True, blank=True, editable=False)
    # The provider's id of submitted (billed) work: a follower taking over resumes it instead of paying twice.
    remote_id = models.CharField(_("제공자 작업 ID"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("시도 횟수"), default=0)
    error_code = models.CharField(_("오류 코드"), max_length=64, blank=True)
    error_message = models.CharField(_("오류 메시지"), max_length=500, blank=True)

    class Meta:
        abstract = True
