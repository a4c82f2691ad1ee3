from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "ggzy.services"
    label = "services"
    verbose_name = "交易服务与电子档案 Services & archives"
