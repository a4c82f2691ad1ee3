from django.urls import path

from ggzy.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/move/", views.move, name="move_alert"),
    path("lots/<str:code>/", views.lot_detail, name="lot"),
    path("lots/<str:code>/instructions/", views.issue, name="issue"),
    path("lots/<str:code>/method-change/", views.decide_method_change, name="method_change"),
    path("instructions/<int:instruction_id>/lift/", views.lift, name="lift"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/<slug:step>/", views.case_step, name="case_step"),
    path("complaints/new/", views.new_complaint, name="new_complaint"),
    path("reports/new/", views.new_report, name="new_report"),
    path("decisions/", views.decisions, name="decisions"),
    path("powers/", views.power_lists, name="powers"),
]
