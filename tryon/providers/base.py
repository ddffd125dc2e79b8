from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Called with a percentage (0-100) while an engine works; the job's progress shown by the API.
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class EngineResult:
    image: bytes
    extension: str  # "jpg" or "png": how the bytes are encoded
    metadata: dict[str, Any] = field(default_factory=dict)


class EngineError(Exception):
    """The engine could not produce a result; ``message`` is shown to the client as ``errorMessage``."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "engine_error",
        retry_after: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        # Set when trying again later may succeed (the provider's rate or concurrency limit): seconds to wait.
        self.retry_after = retry_after
        self.metadata = metadata or {}


# Called with the provider's id of a submitted (billed) prediction, so that a resumed job can poll it again.
SubmissionCallback = Callable[[str], None]


class TryOnEngine(Protocol):
    name: str

    def run(
        self,
        *,
        person: bytes,
        garment: bytes,
        category: str,
        report_progress: ProgressCallback,
        resume_id: str | None = None,
        on_submitted: SubmissionCallback | None = None,
    ) -> EngineResult:
        """``person`` is a JPEG, ``garment`` a PNG; ``category`` is upper_body | lower_body | dresses.

        ``resume_id`` is what an earlier run of the same job passed to ``on_submitted``: continue that work
        rather than starting (and paying for) it again. Engines without remote work ignore both.
        """
        ...


class PredictionGone(Exception):
    """The remote engine no longer knows the submitted work (FASHN: 404 on its status): submit it again."""


class RemoteEngine(Protocol):
    """An engine whose work runs at a provider: submitted, then followed by the workers' remote loop
    (tryon/remote.py) without holding a worker slot. ``provider`` names its limits (REMOTE_PROVIDER_LIMITS)."""

    name: str
    provider: str
    total_timeout: float

    def submit(self, *, person: bytes, garment: bytes, category: str, webhook_url: str = "") -> str: ...

    def check(self, prediction_id: str) -> Any: ...

    def fetch_output(self, output: str) -> bytes: ...

    def result_from_output(self, data: bytes, *, prediction_id: str) -> EngineResult:
        """The fetched output decoded and checked (CPU work: run in a worker slot, not in the remote loop)."""
        ...

    def poll_interval_for(self, in_flight: int) -> float: ...
