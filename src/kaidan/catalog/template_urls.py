from django.urls import path

from . import template_views

app_name = "templates"

urlpatterns = [
    path("", template_views.templates, name="list"),
    path("<slug:key>.csv", template_views.template_csv, name="csv"),
]
