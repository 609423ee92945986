from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("s/<str:token>/", views.status, name="status"),
]
