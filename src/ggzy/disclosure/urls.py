from django.urls import path

from ggzy.disclosure import views

app_name = "disclosure"

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("search/", views.search_page, name="search"),
    path("projects/<str:code>/", views.project_detail, name="project"),
    path("entities/<str:uscc>/", views.entity_detail, name="entity"),
    path("catalogue/", views.catalogue_list, name="catalogue_list"),
    path("catalogue/<int:version_id>/", views.catalogue_detail, name="catalogue"),
    path("catalogue/manage/", views.catalogue_manage, name="catalogue_manage"),
    path("catalogue/manage/<int:version_id>/", views.catalogue_edit, name="catalogue_edit"),
    path(
        "catalogue/manage/<int:version_id>/items/<int:item_id>/delete/",
        views.catalogue_remove_item,
        name="catalogue_remove_item",
    ),
    path("cleanup/", views.cleanup_list, name="cleanup_list"),
    path("cleanup/new/", views.cleanup_new, name="cleanup_new"),
    path("cleanup/<int:item_id>/", views.cleanup_detail, name="cleanup"),
    path("penalties/", views.penalties, name="penalties"),
    path("data/", views.open_data, name="open_data"),
    path("audit/", views.audit_checkpoints, name="audit_checkpoints"),
]
