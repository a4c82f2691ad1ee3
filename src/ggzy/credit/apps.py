from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "ggzy.credit"
    label = "credit"
    verbose_name = "信用 Credit"

    def ready(self) -> None:
        from ggzy.credit.actions import expire_due
        from ggzy.credit.models import CreditRecord
        from ggzy.kernel import chronograph

        chronograph.register(CreditRecord, expire_due)
