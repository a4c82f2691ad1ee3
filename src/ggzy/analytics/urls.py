from django.urls import path

from ggzy.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>.csv", views.table_csv, name="csv"),
]
