from django.urls import path

from ggzy.bidding import views

app_name = "bidding"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("token/", views.issue_token, name="token"),
    path("documents/<int:document_id>/download/", views.download_document, name="download"),
    path("receipts/<str:receipt_no>/", views.receipt, name="receipt"),
    path("lots/<str:code>/bond-account/", views.bond_account, name="bond_account"),
    path("lots/<str:code>/guarantee/", views.guarantee, name="guarantee"),
    path("lots/<str:code>/withdraw/", views.withdraw, name="withdraw"),
    path("lots/<str:code>/opening/", views.opening_hall, name="opening"),
    path("lots/<str:code>/opening/status/", views.opening_status, name="opening_status"),
    path("lots/<str:code>/opening/faults/", views.record_fault, name="record_fault"),
    path("openings/", views.openings, name="openings"),
]
