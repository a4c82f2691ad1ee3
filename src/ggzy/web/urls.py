from django.contrib.auth import views as auth_views
from django.urls import path

from ggzy.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("entities/", views.entity_list, name="entities"),
    path("entities/<str:uscc>/", views.entity_detail, name="entity"),
    path("workspace/", views.workspace, name="workspace"),
]
