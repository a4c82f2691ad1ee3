from django.urls import path

from ggzy.experts import views

app_name = "experts"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/unavailability/", views.unavailable, name="unavailable"),
    path("me/conflicts/", views.conflict, name="conflict"),
    path("calls/<int:call_id>/respond/", views.respond, name="respond"),
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.applied, name="applied"),
    path("draws/", views.draws, name="draws"),
    path("draws/<int:draw_id>/", views.draw_detail, name="draw"),
    path("draws/<int:draw_id>/commit/", views.commit, name="commit"),
    path("draws/<int:draw_id>/execute/", views.execute, name="execute"),
    path("draws/<int:draw_id>/phone-answer/", views.phone_answer, name="phone_answer"),
    path("draws/<int:draw_id>/sealed-list/", views.sealed_list, name="sealed_list"),
    path("library/", views.library, name="library"),
    path("library/<str:code>/approve/", views.approve, name="approve"),
    path("library/<str:code>/reject/", views.reject, name="reject"),
]
