from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "kaidan.links"
