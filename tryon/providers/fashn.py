"""FASHN virtual try-on API client (docs.fashn.ai): ``POST /v1/run`` then poll ``GET /v1/status/{id}``.

Images go as base64 data URLs (our photos are private; FASHN does not store inputs). Outputs are CDN URLs that
FASHN deletes after 72 h, so the result is downloaded and kept in our own storage.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

from common.errors import InvalidInput
from common.http import provider_session, timeout
from common.images import encode_png, open_untrusted_image
from tryon.providers import messages
from tryon.providers.base import EngineError, EngineResult, PredictionGone

logger = logging.getLogger(__name__)

CATEGORIES = {"upper_body": "tops", "lower_body": "bottoms", "dresses": "one-pieces"}
# How far along each FASHN status is, for the job's progress.
STATUS_PROGRESS = {"starting": 15, "in_queue": 25, "processing": 60}
MAX_OUTPUT_BYTES = 20 * 1024 * 1024
# FASHN allows 50 status calls per 10 s per account.
STATUS_CALLS_PER_SECOND = 5.0

RATE_LIMIT_MESSAGES = {
    "RateLimitExceeded": messages.FASHN_RATE_LIMITED,
    "ConcurrencyLimitExceeded": messages.FASHN_CONCURRENCY_LIMITED,
    "OutOfCredits": messages.FASHN_OUT_OF_CREDITS,
}


def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _retry_after(response: requests.Response, default: float = 15.0) -> float:
    value = response.headers.get("Retry-After", "")
    return min(float(value), 120.0) if value.isdigit() else default


# A validation message may quote the input it refused: our base64 data URLs are the shopper's photo.
_DATA_URL = re.compile(r"data:[\w/+.-]*;base64,[A-Za-z0-9+/=\s]*")
MAX_MESSAGE_CHARS = 300


def _clean_message(text: str) -> str:
    """FASHN's error text as it may be logged and shown: any quoted image data removed, length bounded."""
    return _DATA_URL.sub("data:…", text)[:MAX_MESSAGE_CHARS]


def _error_fields(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP{response.status_code}", _clean_message(response.text[: MAX_MESSAGE_CHARS * 4])
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # runtime errors: {"name", "message"}
            return str(error.get("name") or "")[:100], _clean_message(str(error.get("message") or ""))
        return str(error or f"HTTP{response.status_code}")[:100], _clean_message(str(body.get("message") or ""))
    return f"HTTP{response.status_code}", ""


@dataclass(frozen=True)
class PredictionStatus:
    """``state``: "running" (with ``progress``), "completed" (with ``output``) or "retry" (a status call FASHN
    asked us to repeat after ``retry_after`` seconds)."""

    state: str
    progress: int = 0
    output: str = ""
    retry_after: float = 0.0


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """Transport and format errors of a FASHN call as the EngineError the job shows."""
    try:
        yield
    except requests.Timeout as exc:
        raise EngineError(messages.FASHN_TIMED_OUT(), code="Timeout") from exc
    except requests.RequestException as exc:
        raise EngineError(messages.FASHN_UNREACHABLE(error=type(exc).__name__), code="ConnectionError") from exc
    except ValueError as exc:  # a body that is not the JSON FASHN documents
        raise EngineError(messages.FASHN_UNREADABLE(), code="BadResponse") from exc


class FashnEngine:
    name = "fashn"
    provider = "fashn"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        model_name: str = "tryon-v1.6",
        mode: str = "balanced",
        poll_interval: float = 1.0,
        total_timeout: float = 180.0,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model_name = model_name
        self.mode = mode
        self.poll_interval = poll_interval
        self.total_timeout = total_timeout

    @classmethod
    def from_settings(cls) -> FashnEngine:
        if not settings.FASHN_API_KEY:
            raise EngineError(messages.FASHN_NOT_CONFIGURED(), code="not_configured")
        return cls(
            api_key=settings.FASHN_API_KEY,
            base_url=settings.FASHN_API_BASE,
            model_name=settings.FASHN_MODEL_NAME,
            mode=settings.FASHN_MODE,
            poll_interval=settings.FASHN_POLL_INTERVAL,
            total_timeout=settings.FASHN_TIMEOUT,
        )

    def poll_interval_for(self, in_flight: int) -> float:
        """Seconds between status calls of one prediction: FASHN_POLL_INTERVAL, stretched so that the status
        calls of every prediction in flight stay within FASHN's 50 per 10 s (at 90 % of it)."""
        return max(self.poll_interval, in_flight / (STATUS_CALLS_PER_SECOND * 0.9))

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}

    def _raise_for_api_error(self, response: requests.Response, action: str) -> None:
        if response.status_code < 400:
            return
        name, message = _error_fields(response)
        logger.warning("FASHN %s answered %s %s: %s", action, response.status_code, name, message)
        if response.status_code == 429:
            text = RATE_LIMIT_MESSAGES.get(name, messages.FASHN_RATE_LIMITED)()
            # Out of credits does not heal by waiting; the rate and concurrency limits do.
            retry_after = None if name == "OutOfCredits" else _retry_after(response)
            raise EngineError(text, code=name or "RateLimitExceeded", retry_after=retry_after)
        if response.status_code == 401:
            raise EngineError(messages.FASHN_UNAUTHORIZED(), code=name or "UnauthorizedAccess")
        if response.status_code >= 500 and action == "run":
            # FASHN: "retry with backoff". No prediction ID was issued, so running again cannot double-bill.
            raise EngineError(
                messages.FASHN_SERVER_ERROR(status=response.status_code, name=name),
                code=name or f"HTTP{response.status_code}",
                retry_after=_retry_after(response, default=2.0),
            )
        raise EngineError(
            messages.FASHN_REQUEST_FAILED(status=response.status_code, name=name, message=message).strip()[:480],
            code=name or f"HTTP{response.status_code}",
        )

    def _submit(self, session: requests.Session, person: bytes, garment: bytes, category: str, webhook_url: str) -> str:
        payload: dict[str, Any] = {
            "model_name": self.model_name,
            "inputs": {
                "model_image": _data_url(person, "image/jpeg"),
                "garment_image": _data_url(garment, "image/png"),
                "category": CATEGORIES.get(category, "auto"),
                "mode": self.mode,
                "garment_photo_type": "auto",
                "moderation_level": "permissive",
            },
        }
        if webhook_url:
            # FASHN calls it when the prediction ends (unsigned: we only take it as a hint to ask the status).
            payload["webhook_url"] = webhook_url
        with _translated_errors():
            response = session.post(f"{self.base_url}/v1/run", json=payload, headers=self._headers(), timeout=timeout())
            self._raise_for_api_error(response, "run")
            prediction_id = str(response.json().get("id") or "")
        if not prediction_id:
            raise EngineError(messages.FASHN_NO_PREDICTION(), code="BadResponse")
        return prediction_id

    def submit(self, *, person: bytes, garment: bytes, category: str, webhook_url: str = "") -> str:
        """Submits a prediction (this is what FASHN bills); returns its id. Raises :class:`EngineError`."""
        return self._submit(provider_session(), person, garment, category, webhook_url)

    def check(self, prediction_id: str) -> PredictionStatus:
        """One status call. A 429 or a passing 5xx is ``retry_after`` (the prediction is already submitted and
        billed: ask again later, never run it again or fail the job); 404 is :class:`PredictionGone`."""
        with _translated_errors():
            response = provider_session().get(
                f"{self.base_url}/v1/status/{prediction_id}", headers=self._headers(), timeout=timeout()
            )
            if response.status_code == 429 or response.status_code >= 500:
                logger.info("FASHN status answered %s, polling again", response.status_code)
                wait = _retry_after(response) if response.status_code == 429 else self.poll_interval
                return PredictionStatus("retry", retry_after=max(wait, self.poll_interval))
            if response.status_code == 404:
                raise PredictionGone(prediction_id)
            self._raise_for_api_error(response, "status")
            body = response.json()
        status = body.get("status") if isinstance(body, dict) else None
        if status == "completed":
            output = body.get("output") or []
            if not output or not isinstance(output[0], str):
                raise EngineError(messages.FASHN_NO_OUTPUT(), code="BadResponse")
            return PredictionStatus("completed", output=output[0])
        if status == "failed":
            error = body.get("error") or {}
            name = str(error.get("name") or "Error") if isinstance(error, dict) else "Error"
            message = _clean_message(str(error.get("message") or "") if isinstance(error, dict) else str(error))
            raise EngineError(messages.FASHN_PREDICTION_FAILED(name=name, message=message)[:480], code=name)
        return PredictionStatus("running", progress=STATUS_PROGRESS.get(str(status), 30))

    def fetch_output(self, output: str) -> bytes:
        """The result's bytes from FASHN's CDN (or its base64), size-capped; checked later as an image."""
        if output.startswith("data:"):
            try:
                return base64.b64decode(output.split(",", 1)[1])
            except (ValueError, IndexError) as exc:
                raise EngineError(messages.FASHN_RESULT_NOT_IMAGE(), code="BadResponse") from exc
        with _translated_errors():
            response = provider_session().get(output, timeout=timeout(), stream=True)
            with response:
                if response.status_code != 200:
                    raise EngineError(messages.FASHN_RESULT_UNAVAILABLE(status=response.status_code))
                chunks, received = [], 0
                for chunk in response.iter_content(64 * 1024):
                    received += len(chunk)
                    if received > MAX_OUTPUT_BYTES:
                        raise EngineError(messages.FASHN_RESULT_TOO_LARGE())
                    chunks.append(chunk)
                return b"".join(chunks)

    def result_from_output(self, data: bytes, *, prediction_id: str) -> EngineResult:
        return result_from_output(data, prediction_id=prediction_id, mode=self.mode, model=self.model_name)


def result_from_output(data: bytes, *, prediction_id: str, mode: str, model: str) -> EngineResult:
    """FASHN's output bytes decoded for real (CPU work, run in a worker slot) and kept as JPEG or PNG."""
    try:
        decoded = open_untrusted_image(data, allowed_formats=("JPEG", "PNG", "WEBP"))
    except InvalidInput as exc:
        raise EngineError(messages.FASHN_RESULT_NOT_IMAGE(), code="BadResponse") from exc
    metadata = {
        "engine": FashnEngine.name,
        "preview": False,
        "predictionId": prediction_id,
        "mode": mode,
        "model": model,
    }
    if decoded.format == "WEBP":  # stored as PNG so every browser and the share page can show it
        return EngineResult(encode_png(decoded.image), "png", metadata)
    return EngineResult(data, "jpg" if decoded.format == "JPEG" else "png", metadata)
