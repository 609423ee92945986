from django.urls import path

from . import public_views

app_name = "public_dashboards"

urlpatterns = [
    path("", public_views.public_list, name="list"),
    path("<slug:slug>/", public_views.public_dashboard, name="dashboard"),
    *(
        path(
            f"<slug:slug>/tiles/<int:tile_id>.{fmt}",
            public_views.public_tile,
            {"fmt": fmt},
            name=f"tile_{fmt}",
        )
        for fmt in ("png", "svg", "csv")
    ),
]
