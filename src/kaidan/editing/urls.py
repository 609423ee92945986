from django.urls import URLPattern

app_name = "editing"

urlpatterns: list[URLPattern] = []
