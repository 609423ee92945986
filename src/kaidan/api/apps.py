from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kaidan.api"
    label = "kaidan_api"  # "api" is too generic a label to keep free of clashes
    verbose_name = "API"

    def ready(self) -> None:
        from . import webhooks  # noqa: F401 — connects the outbox to revision_written
