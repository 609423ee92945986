from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<slug:name>/", views.dataset, name="dataset"),
    path("<slug:name>/export", views.export, name="export"),
]
