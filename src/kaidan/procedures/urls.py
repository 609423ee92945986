from django.urls import path

from . import counter_views, staff_views, views

app_name = "procedures"

urlpatterns = [
    path("", views.index, name="index"),
    path("status/", views.lookup, name="lookup"),
    path("postal", views.postal, name="postal"),
    path("found/<int:pk>/", views.found, name="found"),
    path("d/<str:token>/", views.resume, name="resume"),
    path("d/<str:token>/confirm/", views.confirm, name="confirm"),
    path("s/<str:token>/", views.status, name="status"),
    path("manage/", staff_views.manage, name="manage"),
    path("manage/new/", staff_views.create, name="create"),
    path("manage/<slug:slug>/", staff_views.builder, name="builder"),
    path("manage/<slug:slug>/fields/add", staff_views.field_add, name="field_add"),
    path("manage/<slug:slug>/fields/<int:number>/", staff_views.field_edit, name="field_edit"),
    path("manage/<slug:slug>/fields/<int:number>/move", staff_views.field_move, name="field_move"),
    path("manage/<slug:slug>/fields/<int:number>/remove", staff_views.field_remove, name="field_remove"),
    path("manage/<slug:slug>/publish", staff_views.publish, name="publish"),
    path("manage/<slug:slug>/preview", staff_views.preview, name="preview"),
    path("manage/<slug:slug>/inbox/", staff_views.inbox, name="inbox"),
    path("manage/<slug:slug>/cases/<int:pk>/", staff_views.case, name="case"),
    path("manage/<slug:slug>/counter/", counter_views.lookup, name="counter"),
    path("manage/<slug:slug>/counter/start", counter_views.start, name="counter_start"),
    path("manage/<slug:slug>/counter/<str:token>/", counter_views.form, name="counter_form"),
    path("manage/<slug:slug>/counter/<str:token>/check", counter_views.check, name="counter_check"),
    path("manage/<slug:slug>/counter/<str:token>/sheet.pdf", counter_views.check_sheet, name="counter_sheet"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/apply/", views.apply, name="apply"),
]
