from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "ggzy.disclosure"
    label = "disclosure"
    verbose_name = "信息公开 Disclosure"

    def ready(self) -> None:
        from ggzy.disclosure import index

        index.follow_audit()
