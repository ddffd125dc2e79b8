from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The merchant's dashboard around the apps' admin pages: home, sidebar, health, the live gauges."""

    name = "dashboard"
    verbose_name = _("대시보드")

    def ready(self) -> None:
        from common.metrics import register_live_read
        from dashboard.metrics import LIVE_READS

        for read in LIVE_READS:
            register_live_read(read)
