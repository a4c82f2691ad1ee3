from django.contrib import admin
from django.urls import include, path

from ggzy.api import api

admin.site.site_header = "公共资源交易平台 · 运营管理"
admin.site.site_title = "GGZY 运营管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("trading/", include("ggzy.trading.urls")),
    path("bidding/", include("ggzy.bidding.urls")),
    path("account/", include("ggzy.registry.urls")),
    path("evaluation/", include("ggzy.evaluation.urls")),
    path("experts/", include("ggzy.experts.urls")),
    path("portal/", include("ggzy.disclosure.urls")),
    path("statistics/", include("ggzy.analytics.urls")),
    path("supervision/", include("ggzy.supervision.urls")),
    path("credit/", include("ggzy.credit.urls")),
    path("", include("ggzy.web.urls")),
]

handler400 = "ggzy.web.views.bad_request"
handler404 = "ggzy.web.views.not_found"
handler500 = "ggzy.web.views.server_error"
