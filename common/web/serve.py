"""The Procfile's web process: uvicorn's command line, with the project's logging for every line it writes.

uvicorn's supervisor (``--workers``) never imports the Django application, so it would log in uvicorn's own
format while the rest of the process tree logs in ``LOG_FORMAT`` (one JSON object per line in production).
This hands uvicorn the project's ``LOGGING`` as its ``--log-config``; everything else on the command line is
uvicorn's, unchanged: ``python -m common.web.serve config.asgi:application --port 8000 --workers 2 ...``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import uvicorn
from django.conf import settings


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # One file per process (several web processes may share VAR_DIR); uvicorn reads it at start.
    handle, name = tempfile.mkstemp(prefix="uvicorn-logging-", suffix=".json", dir=settings.VAR_DIR)
    with os.fdopen(handle, "w") as config:
        json.dump(settings.LOGGING, config)
    sys.argv = ["uvicorn", *argv, "--log-config", name]
    try:
        uvicorn.main()
    finally:
        Path(name).unlink(missing_ok=True)


if __name__ == "__main__":
    main(sys.argv[1:])
