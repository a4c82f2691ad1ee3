from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "ggzy.exchange"
    label = "exchange"
    verbose_name = "平台节点与数据交换 Nodes & exchange"
