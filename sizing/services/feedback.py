"""Size feedback on a try-on: one opinion per try-on, its fit direction read from the comment when not given."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from common.errors import Forbidden, NotFound
from merchants.models import Merchant
from sizing.models import SizeFeedback
from sizing.selectors import product_for_merchant
from tryon.models import TryOnJob
from tryon.selectors import visitor_key_for

_TOO_SMALL_WORDS = ("작아", "작음", "작다", "작네", "작았", "타이트", "끼어", "끼네", "꽉 ", "꽉끼", "꽉 끼")
_TOO_LARGE_WORDS = ("커요", "크다", "큼", "커서", "컸", "크네", "헐렁", "넉넉", "커 ", "큰 편")


def fit_from_comment(comment: str) -> str:
    """A fit direction read from a Korean comment ("조금 작아요" → TOO_SMALL); "" when unclear or mixed."""
    text = f"{comment} "
    small = any(word in text for word in _TOO_SMALL_WORDS)
    large = any(word in text for word in _TOO_LARGE_WORDS)
    if small == large:
        return ""
    return SizeFeedback.Fit.TOO_SMALL if small else SizeFeedback.Fit.TOO_LARGE


def _check_try_on_job(*, merchant: Merchant, job_id: uuid.UUID, visitor_id: uuid.UUID | None = None) -> None:
    """The id must name one of the caller's try-on jobs; with ``visitor_id`` (the widget), one that this visitor
    made."""
    owner = TryOnJob.objects.filter(pk=job_id).values_list("merchant_id", "visitor_key").first()
    if owner is None:
        raise NotFound("피팅 요청을 찾을 수 없습니다.")
    if owner[0] != merchant.pk:
        raise Forbidden("다른 가맹점의 피팅 요청입니다.")
    if visitor_id is not None and owner[1] != visitor_key_for(visitor_id=visitor_id):
        raise Forbidden("다른 방문자의 피팅 요청입니다.")


def submit_size_feedback(
    *,
    merchant: Merchant,
    try_on_request_id: uuid.UUID,
    recommended_size: str,
    confidence: int,
    helpful: bool,
    comment: str = "",
    fit: str = "",
    product_external_id: str | None = None,
    visitor_id: uuid.UUID | None = None,
) -> SizeFeedback:
    _check_try_on_job(merchant=merchant, job_id=try_on_request_id, visitor_id=visitor_id)
    product = product_for_merchant(merchant=merchant, external_id=product_external_id) if product_external_id else None
    if not fit:
        fit = fit_from_comment(comment) or (SizeFeedback.Fit.GOOD if helpful else "")
    values = {
        "product": product,
        "recommended_size": recommended_size,
        "confidence": confidence,
        "helpful": helpful,
        "comment": comment,
        "fit": fit,
    }
    # One opinion per try-on: a resubmission replaces the earlier one, so repeats cannot skew rates or bias.
    for attempt in range(2):
        try:
            with transaction.atomic():
                feedback, _ = SizeFeedback.objects.update_or_create(
                    merchant=merchant, try_on_request_id=try_on_request_id, defaults=values
                )
            return feedback
        except IntegrityError:  # a concurrent first submission won the insert; update it instead
            if attempt:
                raise
    raise AssertionError("unreachable")
