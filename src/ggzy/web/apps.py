from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ggzy.web"
    label = "web"
    verbose_name = "门户与工作台 Portal & workspaces"
