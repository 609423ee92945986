from django.urls import path

from . import views

app_name = "links"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/created/", views.created, name="created"),
    path("mine/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("new/dataset/<slug:name>/", views.new_for_dataset, name="new_dataset"),
    path("new/document/<int:pk>/", views.new_for_document, name="new_document"),
    path("<str:token>/", views.open_link, name="open"),
    path("<str:token>/code/", views.send_code, name="send_code"),
    path("<str:token>/verify/", views.verify, name="verify"),
    path("<str:token>/download/", views.download, name="download"),
]
