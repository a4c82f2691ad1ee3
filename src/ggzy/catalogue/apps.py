from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "ggzy.catalogue"
    label = "catalogue"
    verbose_name = "交易目录 Catalogue"

    def ready(self) -> None:
        from ggzy.catalogue.actions import supersede_due
        from ggzy.catalogue.models import CatalogueVersion
        from ggzy.kernel import chronograph

        chronograph.register(CatalogueVersion, supersede_due)
