from django.urls import path

from ggzy.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.my_entity, name="mine"),
    path("library/", views.library, name="library"),
]
