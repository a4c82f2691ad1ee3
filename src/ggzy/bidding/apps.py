from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "ggzy.bidding"
    label = "bidding"
    verbose_name = "投标与开标 Bidding"

    def ready(self) -> None:
        from ggzy.bidding.opening import close_opening, start_opening
        from ggzy.trading import procedure
        from ggzy.trading.models import Lot

        procedure.register_phase(Lot.State.BIDDING, start_opening)  # the deadline: open the bids
        procedure.register_phase(Lot.State.OPENING, close_opening)  # the decryption window closes
