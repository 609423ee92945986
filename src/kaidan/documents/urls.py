from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/delete/", views.document_delete, name="delete"),
    path("<int:pk>/audit/", views.document_audit, name="audit"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/versions/<int:number>/download/", views.download, name="version_download"),
]
