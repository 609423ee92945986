from django.urls import path

from . import map_views, views

app_name = "analysis"

urlpatterns = [
    path("", views.console, name="console"),
    path("save", views.save, name="save"),
    path("map/", map_views.map_page, name="map"),
    path("map/boundaries", map_views.upload_boundary, name="upload_boundary"),
]
