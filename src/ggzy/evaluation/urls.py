from django.urls import path

from ggzy.evaluation import framework_views, negotiation_views, views

app_name = "evaluation"

urlpatterns = [
    path("lots/", views.lots, name="lots"),
    path("mine/", views.mine, name="mine"),
    path("questions/<int:clarification_id>/answer/", views.answer, name="answer"),
    path("bonds/<int:bond_id>/refund/", views.refund, name="refund"),
    path("lots/<str:code>/", views.room, name="room"),
    path("lots/<str:code>/sign-in/", views.sign_in, name="sign_in"),
    path("lots/<str:code>/scores/", views.scores, name="scores"),
    path("lots/<str:code>/rejections/", views.reject, name="reject"),
    path("lots/<str:code>/questions/", views.ask, name="ask"),
    path("lots/<str:code>/extension/", views.extension, name="extension"),
    path("lots/<str:code>/finish/", views.finish, name="finish"),
    path("lots/<str:code>/negotiation/messages/", negotiation_views.panel_message, name="panel_message"),
    path("lots/<str:code>/negotiation/changes/", negotiation_views.propose_change, name="propose_change"),
    path(
        "lots/<str:code>/negotiation/changes/<int:change_id>/confirm/",
        negotiation_views.confirm_change,
        name="confirm_change",
    ),
    path(
        "lots/<str:code>/negotiation/changes/<int:change_id>/withdraw/",
        negotiation_views.withdraw_change,
        name="withdraw_change",
    ),
    path("lots/<str:code>/negotiation/rounds/", negotiation_views.open_round, name="open_round"),
    path("negotiations/<str:code>/", negotiation_views.supplier_page, name="negotiation"),
    path("negotiations/<str:code>/reply/", negotiation_views.supplier_reply, name="supplier_reply"),
    path("negotiations/<str:code>/leave/", negotiation_views.supplier_leave, name="supplier_leave"),
    path("lots/<str:code>/report.pdf", views.report_pdf, name="report_pdf"),
    path("lots/<str:code>/signatures/", views.sign_report, name="sign_report"),
    path("lots/<str:code>/bids/<str:receipt_no>/files/<path:name>", views.bid_file, name="bid_file"),
    path("lots/<str:code>/committee/", views.committee, name="committee"),
    path("lots/<str:code>/start/", views.start, name="start"),
    path("lots/<str:code>/archive/", views.archive, name="archive"),
    path("lots/<str:code>/objections/", views.object_to_result, name="object"),
    path("lots/<str:code>/award/", views.award_desk, name="award"),
    path("lots/<str:code>/award/publicity/", views.publish, name="publish"),
    path("lots/<str:code>/award/winner/", views.choose_winner, name="winner"),
    path("lots/<str:code>/award/confirm/", views.confirm_winner, name="confirm"),
    path("lots/<str:code>/award/report/", views.supervisor_report, name="supervisor_report"),
    path("lots/<str:code>/award/contract/", views.contract, name="contract"),
    path("lots/<str:code>/award/admission/", framework_views.admit, name="admit"),
    path("lots/<str:code>/award/agreement/", framework_views.sign, name="sign_agreement"),
    path("frameworks/<str:code>/", framework_views.call_off_page, name="framework"),
    path("frameworks/<str:code>/call-offs/", framework_views.call_off, name="call_off"),
]
