from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "ggzy.analytics"
    label = "analytics"
    verbose_name = "统计分析 Statistics"
