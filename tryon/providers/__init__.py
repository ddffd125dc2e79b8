"""Try-on engines behind one interface; which one runs is configuration (``TRYON_ENGINE``, ``FASHN_API_KEY``)."""

from __future__ import annotations

from django.conf import settings

from tryon.providers.base import EngineError, EngineResult, ProgressCallback, TryOnEngine

__all__ = ["EngineError", "EngineResult", "ProgressCallback", "TryOnEngine", "configured_engine"]


def configured_engine() -> TryOnEngine:
    choice = settings.TRYON_ENGINE or ("fashn" if settings.FASHN_API_KEY else "offline")
    if choice == "fashn":
        from tryon.providers.fashn import FashnEngine

        return FashnEngine.from_settings()
    if choice == "offline":
        from tryon.providers.offline import OfflineEngine

        return OfflineEngine()
    raise ValueError(f"unknown TRYON_ENGINE {choice!r} (fashn | offline)")
