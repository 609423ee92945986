from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<slug:name>/", views.dataset, name="dataset"),
    path("<slug:name>/export", views.export, name="export"),
    path("<slug:name>/views/", views.create_view, name="create_view"),
    path("<slug:name>/views/<slug:slug>/", views.saved_view, name="view"),
    path("<slug:name>/views/<slug:slug>/delete", views.remove_view, name="delete_view"),
]
