from django.urls import path

from . import views

app_name = "editing"

urlpatterns = [
    path("<slug:name>/rows/new", views.add, name="add"),
    path("<slug:name>/rows/<int:row_id>/", views.record, name="record"),
    path("<slug:name>/rows/<int:row_id>/delete", views.delete, name="delete"),
    path("<slug:name>/rows/<int:row_id>/cell", views.cell, name="cell"),
    path("<slug:name>/paste", views.paste, name="paste"),
    path("<slug:name>/bulk", views.bulk, name="bulk"),
    path("<slug:name>/schema", views.schema, name="schema"),
]
