from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kaidan.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import signals, tokens  # noqa: F401 — signals connects the index to revisions and documents

        # SQLite's triggers on the index call kaidan_search_tokens(); every connection must know it.
        connection_created.connect(tokens.connection_created, dispatch_uid="kaidan-search-tokens")
