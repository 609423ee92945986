from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "kaidan.procedures"
