"""The Content Service's dashboard pages, one module per concern (importing them registers them)."""

from content.admin import images, jobs, settings

__all__ = ["images", "jobs", "settings"]
