from django.urls import path

from . import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new", views.problem_new, name="new"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/status", views.problem_status, name="status"),
    path("<int:pk>/post", views.problem_post, name="post"),
    path("<int:pk>/action", views.problem_action, name="action"),
    path("<int:pk>/action/<int:action_id>/done", views.action_done, name="action_done"),
    path("kpis/", views.kpi_list, name="kpis"),
    path("kpis/new", views.kpi_new, name="kpi_new"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi"),
]
