from django.apps import AppConfig


class TradingConfig(AppConfig):
    name = "ggzy.trading"
    label = "trading"
    verbose_name = "交易项目 Trading"

    def ready(self) -> None:
        from ggzy.kernel import audit, chronograph
        from ggzy.trading.models import Lot, Objection
        from ggzy.trading.procedure import advance_lot, advance_objection, sealed_notices
        from ggzy.trading.queries import trail_readers

        chronograph.register(Lot, advance_lot)
        chronograph.register(Objection, advance_objection)
        audit.register_seal("trading.notice", sealed_notices)
        for object_type, reader in trail_readers().items():
            audit.register_trail_reader(object_type, reader)
