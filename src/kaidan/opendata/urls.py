from django.urls import path

from . import discovery, portal_views, publish_views, views

app_name = "opendata"

urlpatterns = [
    path("api/3/action/<str:action>", views.action_view, name="action"),
    path("api/action/<str:action>", views.action_view, name="action_unversioned"),
    # ckanext-dcat's endpoints
    *(
        path(f"catalog.{fmt}", views.catalog_rdf, {"fmt": fmt}, name=f"catalog_{fmt}")
        for fmt in ("ttl", "rdf", "jsonld")
    ),
    *(
        path(f"dataset/<str:key>.{fmt}", views.dataset_rdf, {"fmt": fmt}, name=f"dataset_{fmt}")
        for fmt in ("ttl", "rdf", "jsonld")
    ),
    # the public portal (CKAN's page addresses: /dataset/, /dataset/<name>/)
    path("dataset/", portal_views.catalogue, name="portal"),
    path("dataset/<slug:name>/", portal_views.dataset_page, name="portal_dataset"),
    path("dataset/<slug:name>/download", portal_views.download, name="portal_download"),
    path("dataset/<slug:name>/geocoded.geojson", portal_views.geocoded, name="portal_geocoded"),
    path("dataset/<str:key>/datapackage.json", views.datapackage_view, name="datapackage"),
    path("dataset/<str:key>/geojson", views.geojson_view, name="geojson"),
    path("opendata/feed.atom", discovery.atom_feed, name="feed"),
    path("opendata/list.csv", discovery.open_data_list, name="open_data_list"),
    path("datasets/<slug:name>/publish", publish_views.publish_page, name="publish"),
    path("sitemap.xml", discovery.sitemap, name="sitemap"),
    path("robots.txt", discovery.robots, name="robots"),
]
