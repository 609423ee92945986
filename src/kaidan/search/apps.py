from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kaidan.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the index to revisions and documents
