from django.urls import path

from . import (
    endpoints,  # noqa: F401 — registers the endpoints on the API
    views,
)
from .http import api

app_name = "integrations"

urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<str:prefix>/revoke", views.revoke, name="revoke"),
    path("webhooks/<slug:name>/", views.webhooks_page, name="webhooks"),
]

api_urls = api.urls
