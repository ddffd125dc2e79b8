"""Which try-on engine runs: configuration (``TRYON_ENGINE``, ``FASHN_API_KEY``), not ``if`` chains in services."""

from __future__ import annotations

from django.conf import settings
from typing_extensions import TypeIs

from tryon.providers import messages
from tryon.providers.base import EngineError, RemoteEngine, TryOnEngine


def engine_name() -> str:
    """The configured engine's name: TRYON_ENGINE, else FASHN when its key is set, else the offline engine."""
    return settings.TRYON_ENGINE or ("fashn" if settings.FASHN_API_KEY else "offline")


def configured_engine() -> TryOnEngine | RemoteEngine:
    """FASHN when chosen (or when its key is set and nothing is chosen), else the offline preview engine.

    The engines are imported here, on first use: the offline one loads MediaPipe, which the web processes
    never need.
    """
    choice = engine_name()
    if choice == "fashn":
        from tryon.providers.fashn import FashnEngine

        return FashnEngine.from_settings()
    if choice == "offline":
        from tryon.providers.offline import OfflineEngine

        return OfflineEngine()
    raise EngineError(messages.UNKNOWN_ENGINE(engine=repr(choice)), code="BadConfiguration")


def is_remote(engine: TryOnEngine | RemoteEngine) -> TypeIs[RemoteEngine]:
    """Remote engines are submitted and followed (tryon/remote.py); the others run in the worker's slot."""
    return hasattr(engine, "submit")
