from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SizingConfig(AppConfig):
    name = "sizing"
    verbose_name = _("사이즈 추천")
    default_auto_field = "django.db.models.BigAutoField"
