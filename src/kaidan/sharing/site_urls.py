"""Sharing pages that do not sit under a dataset (invitations, the auditors' export)."""

from django.urls import URLPattern

app_name = "sharing_site"

urlpatterns: list[URLPattern] = []
