from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "widget"
    verbose_name = "스토어 위젯"
    default_auto_field = "django.db.models.BigAutoField"
