from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartsConfig(AppConfig):
    name = "kaidan.charts"
    verbose_name = _("Charts and dashboards")

    def ready(self) -> None:
        from . import checks  # noqa: F401 — registers the startup checks
