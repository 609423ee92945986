"""Sharing pages under a dataset (mounted at datasets/)."""

from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("<slug:name>/sharing", views.dataset_sharing, name="dataset"),
    path("<slug:name>/sharing/grants/<int:grant_id>", views.grant_edit, name="grant_edit"),
    path("<slug:name>/sharing/release", views.release_dataset, name="release"),
    path("<slug:name>/access-log", views.access_log, name="access_log"),
]
