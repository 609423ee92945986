from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff_home"),
    path("healthz", views.health, name="health"),
]
