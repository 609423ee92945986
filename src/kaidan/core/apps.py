from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kaidan.core"
    verbose_name = _("Kaidan")

    def ready(self) -> None:
        from django.utils import translation

        from kaidan.values.messages import install_translator

        def translate(msgid: str, language: str | None) -> str:
            if language is None:
                return translation.gettext(msgid)
            with translation.override(language):
                return translation.gettext(msgid)

        install_translator(translate)
