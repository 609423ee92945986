from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kaidan.imports"
    label = "imports"
    verbose_name = _("Scheduled imports")
    default_auto_field = "django.db.models.BigAutoField"
