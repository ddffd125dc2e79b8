"""The try-on app's dashboard pages, one module per concern (importing them registers them)."""

from tryon.admin import jobs, sharing, usage

__all__ = ["jobs", "sharing", "usage"]
