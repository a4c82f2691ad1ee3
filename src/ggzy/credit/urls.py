from django.urls import path

from ggzy.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("records/<int:record_id>/revoke/", views.revoke, name="revoke"),
    path("blacklist/", views.public_blacklist, name="blacklist"),
    path("redlist/", views.public_redlist, name="redlist"),
]
