from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("<slug:name>/", views.schedule_page, name="schedule"),
    path("<slug:name>/runs/<int:run_id>/errors.csv", views.run_report, name="report"),
]
