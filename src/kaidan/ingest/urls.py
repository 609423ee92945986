from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<uuid:job_id>/", views.plan_view, name="plan"),
    path("<uuid:job_id>/progress/", views.progress_view, name="progress"),
    path("<uuid:job_id>/skip/", views.skip_rows, name="skip"),
    path("<uuid:job_id>/fix/", views.fix_values, name="fix"),
    path("<uuid:job_id>/reopen/", views.reopen, name="reopen"),
    path("<uuid:job_id>/errors.csv", views.report, name="report"),
]
