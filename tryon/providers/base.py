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


class TryOnEngine(Protocol):
    name: str

    def run(self, *, person: bytes, garment: bytes, category: str, report_progress: ProgressCallback) -> EngineResult:
        """``person`` is a JPEG, ``garment`` a PNG; ``category`` is upper_body | lower_body | dresses."""
        ...
