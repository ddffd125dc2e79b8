from django.apps import AppConfig


class TryonConfig(AppConfig):
    name = "tryon"
    default_auto_field = "django.db.models.BigAutoField"
