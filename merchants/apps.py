from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = "가맹점 · 인증"
    default_auto_field = "django.db.models.BigAutoField"
