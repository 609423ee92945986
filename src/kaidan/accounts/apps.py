from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kaidan.accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (registers login auditing)
