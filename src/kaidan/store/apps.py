from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "kaidan.store"
    verbose_name = _("Master tables and revisions")
