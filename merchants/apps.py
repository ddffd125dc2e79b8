from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = "가맹점 · 인증"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from merchants import (
            schema,  # noqa: F401  (registers the OpenAPI auth extensions)
            signals,
        )

        signals.connect()
