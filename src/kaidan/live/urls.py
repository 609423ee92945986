from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("<slug:name>/events", views.events, name="events"),
]
