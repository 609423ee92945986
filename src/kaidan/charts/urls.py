from django.urls import path

from . import dashboard_views, views

app_name = "charts"

FORMATS = ("png", "svg", "csv")

urlpatterns = [
    path("charts/", views.chart_list, name="list"),
    path("charts/new", views.chart_new, name="new"),
    *(path(f"charts/preview.{fmt}", views.preview, {"fmt": fmt}, name=f"preview_{fmt}") for fmt in FORMATS),
    path("charts/<int:pk>/", views.chart_detail, name="detail"),
    path("charts/<int:pk>/edit", views.chart_edit, name="edit"),
    path("charts/<int:pk>/delete", views.chart_delete, name="delete"),
    *(
        path(f"charts/<int:pk>/chart.{fmt}", views.chart_file, {"fmt": fmt}, name=f"file_{fmt}")
        for fmt in FORMATS
    ),
    path("dashboards/", dashboard_views.dashboard_list, name="dashboards"),
    path("dashboards/<slug:slug>/", dashboard_views.dashboard_detail, name="dashboard"),
    path("dashboards/add-tile", dashboard_views.tile_add, name="tile_add"),
    path(
        "dashboards/<slug:slug>/tiles/<int:tile_id>/change", dashboard_views.tile_change, name="tile_change"
    ),
    *(
        path(
            f"dashboards/<slug:slug>/tiles/<int:tile_id>.{fmt}",
            dashboard_views.tile_file,
            {"fmt": fmt},
            name=f"tile_{fmt}",
        )
        for fmt in FORMATS
    ),
    path("dashboards/<slug:slug>/publish", dashboard_views.dashboard_publish, name="publish"),
    path("dashboards/<slug:slug>/share", dashboard_views.dashboard_share, name="share"),
]
