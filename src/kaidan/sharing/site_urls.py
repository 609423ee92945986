"""Sharing pages that do not sit under a dataset (invitations, the auditors' export, document release)."""

from django.urls import path

from . import views

app_name = "sharing_site"

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/revoke", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="accept"),
    path("audit/", views.audit_export, name="audit_export"),
    path("sharing/documents/<int:pk>/undecided", views.document_release, name="document_release"),
]
