from django.urls import path

from ggzy.trading import views

app_name = "trading"

urlpatterns = [
    path("projects/", views.projects, name="projects"),
    path("projects/<str:code>/", views.project_detail, name="project"),
    path("projects/<str:code>/notices/", views.create_notice, name="create_notice"),
    path("projects/<str:code>/lots/<str:lot_code>/rerun/", views.rerun_lot, name="rerun"),
    path(
        "projects/<str:code>/lots/<str:lot_code>/method-change/",
        views.ask_method_change,
        name="method_change",
    ),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/public/", views.public_notice, name="public_notice"),
    path("notices/<int:notice_id>/documents/", views.attach_document, name="attach_document"),
    path("notices/<int:notice_id>/publish/", views.publish_notice, name="publish"),
    path("notices/<int:notice_id>/invitee-draw/", views.commit_invitee_draw, name="commit_invitee_draw"),
    path("notices/<int:notice_id>/recommendations/", views.recommend_supplier, name="recommend_supplier"),
    path(
        "notices/<int:notice_id>/invitee-draw/execute/",
        views.execute_invitee_draw,
        name="execute_invitee_draw",
    ),
    path("notices/<int:notice_id>/clarify/", views.clarify, name="clarify"),
    path("notices/<int:notice_id>/terminate/", views.terminate, name="terminate"),
    path("objections/<int:objection_id>/answer/", views.answer_objection, name="answer_objection"),
]
