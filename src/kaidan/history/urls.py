from django.urls import path

from . import views

app_name = "history"

urlpatterns = [
    path("<slug:name>/revisions/", views.revisions, name="revisions"),
    path("<slug:name>/revisions/as-of", views.as_of, name="as_of"),
    path("<slug:name>/diff", views.diff, name="diff"),
    path("<slug:name>/diff.csv", views.diff_download, {"fmt": "csv"}, name="diff_csv"),
    path("<slug:name>/diff.json", views.diff_download, {"fmt": "json"}, name="diff_json"),
    path("<slug:name>/restore", views.restore_dataset_view, name="restore"),
    path("<slug:name>/rows/<int:row_id>/history", views.record_history, name="record"),
    path("<slug:name>/rows/<int:row_id>/restore", views.restore_record_view, name="restore_record"),
]
