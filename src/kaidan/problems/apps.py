from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "kaidan.problems"
    verbose_name = _("KPIs and problems")
