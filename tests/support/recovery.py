"""Job recovery sped up for tests that kill workers."""

from __future__ import annotations

# Leases of 3 s, recovery every second (read by config/settings.py in the worker and beat processes).
FAST_RECOVERY_ENV = {
    "JOB_LEASE_SECONDS": "3",
    "JOB_RECOVERY_INTERVAL_SECONDS": "1",
    "JOB_PENDING_RECOVERY_SECONDS": "6",
}
