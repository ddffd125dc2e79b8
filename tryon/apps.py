from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TryonConfig(AppConfig):
    name = "tryon"
    verbose_name = _("가상 피팅")
    default_auto_field = "django.db.models.BigAutoField"
