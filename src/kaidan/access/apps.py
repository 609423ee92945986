from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "kaidan.access"
    verbose_name = _("Access control")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kaidan.accounts.models import Membership

        from .models import AccessGrant
        from .services import bump_generation

        for model in (AccessGrant, Membership):
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"kaidan-rights-{model.__name__}")
            post_delete.connect(
                bump_generation, sender=model, dispatch_uid=f"kaidan-rights-del-{model.__name__}"
            )
