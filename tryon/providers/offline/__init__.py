"""The offline try-on preview engine (``engine.py`` describes the steps)."""

from tryon.providers.offline.engine import OfflineEngine

__all__ = ["OfflineEngine"]
