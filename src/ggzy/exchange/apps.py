from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "ggzy.exchange"
    label = "exchange"
    verbose_name = "平台节点与数据交换 Nodes & exchange"

    def ready(self) -> None:
        from ggzy.exchange.queries import operates_province
        from ggzy.kernel import audit

        # Object types no package claims: the province's centre only.
        audit.register_trail_reader(audit.ANY_OTHER_TYPE, lambda actor, object_id: operates_province(actor))
