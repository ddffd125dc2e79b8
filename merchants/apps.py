from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("가맹점 · 인증")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from merchants import (
            schema,  # noqa: F401  (registers the OpenAPI auth extensions)
            signals,
        )

        signals.connect()
