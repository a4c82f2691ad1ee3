from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "ggzy.kernel"
    label = "kernel"
    verbose_name = "平台内核 Kernel"
