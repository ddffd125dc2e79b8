"""The Procfile's ``web``: uvicorn serves this, with ``common.web.protocol`` (see README, "Slow clients")."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from common.web.front import ReadFirstWsgiFront  # noqa: E402  # needs the settings above

application = ReadFirstWsgiFront(django_application)
