from django.urls import path

from . import views

app_name = "analysis"

urlpatterns = [
    path("", views.console, name="console"),
    path("save", views.save, name="save"),
]
