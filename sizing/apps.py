from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SizingConfig(AppConfig):
    name = "sizing"
    verbose_name = _("사이즈 추천")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the widget's demo shop lists this app's products.
        from sizing.storefront import demo_catalogue
        from widget.demo import register_demo_catalogue

        register_demo_catalogue(demo_catalogue)
