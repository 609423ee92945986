from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("api/3/action/<str:action>", views.action_view, name="action"),
    path("api/action/<str:action>", views.action_view, name="action_unversioned"),
]
