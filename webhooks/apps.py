from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("웹훅")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from webhooks import events

        # The engine's own event, registered as the products register theirs (webhooks/events.py).
        events.register_test_event()
