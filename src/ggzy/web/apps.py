from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ggzy.web"
    label = "web"
    verbose_name = "门户与工作台 Portal & workspaces"

    def ready(self) -> None:
        from ggzy.web import middleware  # noqa: F401 (connects the failed sign-in receiver)
