"""Claims and leases: a dispatcher run reserves endpoints (its *lanes*) and their due deliveries under a claim
token until its lease runs out, and gives back what it did not send.

Claims take the endpoints least recently dispatched to first (round robin, so one merchant's backlog cannot
starve another's first attempt). Exactly one winner per row: on PostgreSQL the claim locks endpoints and
deliveries ``FOR … SKIP LOCKED`` so concurrent dispatchers take disjoint ones without waiting; on every backend
the claim is a conditional update that re-checks the lease, and attempts are recorded only while the claim
token still holds the row (webhooks/delivery/attempts.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.stored_text import StoredText
from webhooks.delivery import window
from webhooks.delivery.health import BREAKER_THRESHOLD
from webhooks.delivery.rows import ClaimedRow, claim_due_rows, due_filter
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

# A lane stops starting new requests after this long; its unsent deliveries go back to the queue and the
# endpoint waits for its next turn (a slow endpoint thus returns its turn within LANE_SECONDS + timeout).
LANE_SECONDS = 2.0

# Why the deliveries claimed for an endpoint that was switched off meanwhile failed (their lastError).
UNSENT_INACTIVE = StoredText(gettext_noop("엔드포인트가 비활성화되어 발송하지 않았습니다."))


def claim_lease() -> timedelta:
    """How long claimed rows (and their endpoint) stay reserved: well past a lane's last request."""
    return timedelta(seconds=max(120.0, LANE_SECONDS + 3 * settings.WEBHOOKS_TIMEOUT_SECONDS))


@dataclass
class ClaimedLane:
    endpoint_id: uuid.UUID
    url: str
    encrypted_secret: str
    is_active: bool
    consecutive_failures: int
    # Nothing to clear after a success: no failure streak, no pause.
    healthy: bool
    rows: list[ClaimedRow]
    # The merchant's cap on requests in flight (None: automatic, up to the global maximum).
    max_concurrency: int | None = None
    # Another dispatcher holds the endpoint; this lane shares its window (the endpoint row is not ours).
    joined: bool = False


_ENDPOINT_FIELDS = (
    "id",
    "url",
    "encrypted_secret",
    "is_active",
    "consecutive_failures",
    "failing_since",
    "paused_until",
    "last_dispatched_at",
    "max_concurrency",
)


def claim_lanes(
    *,
    claim_token: uuid.UUID,
    max_lanes: int,
    rows_per_lane: int,
    sending_to: Collection[uuid.UUID] = (),
) -> list[ClaimedLane]:
    """Reserves up to ``max_lanes`` endpoints with due deliveries, and up to ``rows_per_lane`` of each one's.

    Skipped: endpoints another dispatcher is sending to, and endpoints paused by back-pressure (unless
    inactive: their deliveries are then finished without sending). An endpoint that has been failing gets a
    lane of one delivery, a probe. Lanes left over join healthy endpoints another dispatcher is sending to
    whose window has room for one more (never one in ``sending_to``, the caller's own lanes).
    """
    lanes = _claim_free_lanes(
        claim_token=claim_token, max_lanes=max_lanes, rows_per_lane=rows_per_lane, skip=set(sending_to)
    )
    if len(lanes) < max_lanes:
        lanes += _join_lanes(
            claim_token=claim_token,
            max_lanes=max_lanes - len(lanes),
            rows_per_lane=rows_per_lane,
            skip={*sending_to, *(lane.endpoint_id for lane in lanes)},
        )
    return lanes


def _claim_free_lanes(
    *, claim_token: uuid.UUID, max_lanes: int, rows_per_lane: int, skip: set[uuid.UUID]
) -> list[ClaimedLane]:
    now = timezone.now()
    lease_until = now + claim_lease()
    row_locks = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        # Free: no run's lease on it (this run's included: it releases an endpoint before claiming it again).
        free = Q(claim_token__isnull=True) | Q(claimed_until__lt=now)
        candidates = (
            WebhookEndpoint.objects.filter(pk__in=WebhookDelivery.objects.filter(due_filter(now)).values("endpoint_id"))
            .filter(Q(is_active=False) | Q(paused_until__isnull=True) | Q(paused_until__lte=now))
            .filter(free)
            # A run's lane that joined an endpoint goes on: the endpoint given up by its first sender is not
            # claimed by the same run a second time.
            .exclude(pk__in=skip)
            .order_by(F("last_dispatched_at").asc(nulls_first=True), "pk")
            .only(*_ENDPOINT_FIELDS)
        )
        if row_locks:
            # FOR NO KEY UPDATE: does not conflict with the FOR KEY SHARE that emit_event and the deliveries'
            # foreign key take, so claiming never delays an emitter's commit.
            endpoints = list(candidates.select_for_update(skip_locked=True, no_key=True, of=("self",))[:max_lanes])
        else:
            endpoints = [
                endpoint
                for endpoint in candidates[:max_lanes]
                # Taken over with a conditional update: none other can have taken it since it was read.
                if WebhookEndpoint.objects.filter(free, pk=endpoint.pk).update(
                    claim_token=claim_token, claimed_until=lease_until
                )
            ]
        limits = {endpoint.pk: _lane_size(endpoint, rows_per_lane) for endpoint in endpoints}
        rows = claim_due_rows(limits, claim_token=claim_token, now=now, lease_until=lease_until)
        lanes = [_lane(endpoint, rows[endpoint.pk]) for endpoint in endpoints if rows.get(endpoint.pk)]
        WebhookEndpoint.objects.filter(pk__in=[lane.endpoint_id for lane in lanes]).update(
            claim_token=claim_token, claimed_until=lease_until, last_dispatched_at=now
        )
        if not row_locks:
            # Endpoints taken over above that had no due delivery left: let them go.
            WebhookEndpoint.objects.filter(
                pk__in=[endpoint.pk for endpoint in endpoints if not rows.get(endpoint.pk)], claim_token=claim_token
            ).update(claim_token=None, claimed_until=None)
    return lanes


def _lane(endpoint: WebhookEndpoint, rows: list[ClaimedRow], *, joined: bool = False) -> ClaimedLane:
    return ClaimedLane(
        endpoint.pk,
        endpoint.url,
        endpoint.encrypted_secret,
        endpoint.is_active,
        endpoint.consecutive_failures,
        not endpoint.consecutive_failures and not endpoint.failing_since and not endpoint.paused_until,
        rows,
        max_concurrency=endpoint.max_concurrency,
        joined=joined,
    )


def _join_lanes(
    *, claim_token: uuid.UUID, max_lanes: int, rows_per_lane: int, skip: set[uuid.UUID]
) -> list[ClaimedLane]:
    """Lanes on healthy endpoints that other dispatchers are sending to and whose window has room for one
    more sender: this run claims other due deliveries of theirs (the endpoint row stays the other run's)."""
    now = timezone.now()
    held = (
        WebhookEndpoint.objects.filter(pk__in=WebhookDelivery.objects.filter(due_filter(now)).values("endpoint_id"))
        .filter(is_active=True, consecutive_failures=0, failing_since__isnull=True, paused_until__isnull=True)
        .filter(claim_token__isnull=False, claimed_until__gte=now)
        .exclude(claim_token=claim_token)
        .exclude(pk__in=skip)
        .order_by(F("last_dispatched_at").asc(nulls_first=True), "pk")
        .only(*_ENDPOINT_FIELDS)
    )
    endpoints = list(held[: 4 * max_lanes])
    windows = window.windows(endpoint.pk for endpoint in endpoints)
    endpoints = [e for e in endpoints if e.pk in windows and windows[e.pk].room_for_another()][:max_lanes]
    if not endpoints:
        return []
    rows = claim_more_rows(claim_token=claim_token, limits=dict.fromkeys((e.pk for e in endpoints), rows_per_lane))
    return [_lane(endpoint, rows[endpoint.pk], joined=True) for endpoint in endpoints if rows.get(endpoint.pk)]


def claim_more_rows(*, claim_token: uuid.UUID, limits: dict[uuid.UUID, int]) -> dict[uuid.UUID, list[ClaimedRow]]:
    """Claims up to ``limits[endpoint]`` more due deliveries of each endpoint (still active and not paused)
    that this run is already sending to: its lane goes on instead of ending and being claimed again."""
    now = timezone.now()
    lease_until = now + claim_lease()
    with transaction.atomic():
        sendable = set(
            WebhookEndpoint.objects.filter(pk__in=list(limits), is_active=True)
            .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
            .values_list("pk", flat=True)
        )
        limits = {endpoint_id: size for endpoint_id, size in limits.items() if endpoint_id in sendable}
        return claim_due_rows(limits, claim_token=claim_token, now=now, lease_until=lease_until)


def _lane_size(endpoint: WebhookEndpoint, rows_per_lane: int) -> int:
    """A paused endpoint whose pause is over gets one delivery (a probe); a new or failing one, a few."""
    if not endpoint.is_active:
        return rows_per_lane
    if endpoint.consecutive_failures >= BREAKER_THRESHOLD:
        return 1
    if endpoint.consecutive_failures or endpoint.last_dispatched_at is None:
        # Not known to answer yet: a dead endpoint then costs a small claim, not a whole batch handed back.
        return min(rows_per_lane, 2 * window.initial_window())
    return rows_per_lane


def release(
    *,
    claim_token: uuid.UUID,
    endpoint_ids: list[uuid.UUID],
    unsent_ids: list[uuid.UUID],
    held: dict[uuid.UUID, datetime] | None = None,
) -> None:
    """Gives back endpoints and the claimed deliveries that were not sent (no attempt is spent on those).

    ``held``: endpoints this run has just paused, with the end of their pause. They stay reserved until then
    (so no dispatcher sends to them before the pause is recorded) and their unsent deliveries wait for it.
    Separate statements, endpoints first: no transaction holds delivery locks while waiting for an endpoint.
    """
    held = held or {}
    WebhookEndpoint.objects.filter(
        pk__in=[endpoint_id for endpoint_id in endpoint_ids if endpoint_id not in held], claim_token=claim_token
    ).update(claim_token=None, claimed_until=None)
    if held:
        pause_end = Case(
            *(When(endpoint_id=endpoint_id, then=Value(until)) for endpoint_id, until in held.items()),
            output_field=DateTimeField(),
        )
        WebhookEndpoint.objects.filter(pk__in=list(held), claim_token=claim_token).update(
            claimed_until=Case(
                *(When(pk=endpoint_id, then=Value(until)) for endpoint_id, until in held.items()),
                output_field=DateTimeField(),
            )
        )
    if unsent_ids:
        unsent = WebhookDelivery.objects.filter(id__in=unsent_ids, claim_token=claim_token)
        if held:
            unsent.filter(endpoint_id__in=list(held)).update(
                claim_token=None, claimed_until=None, next_attempt_at=Greatest(F("next_attempt_at"), pause_end)
            )
        unsent.update(claim_token=None, claimed_until=None)


def finish_without_sending(*, claim_token: uuid.UUID, ids: list[uuid.UUID], reason: str) -> int:
    return WebhookDelivery.objects.filter(id__in=ids, claim_token=claim_token, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=reason, claim_token=None, claimed_until=None
    )
