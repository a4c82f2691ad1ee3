from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "ggzy.bidding"
    label = "bidding"
    verbose_name = "投标与开标 Bidding"

    def ready(self) -> None:
        from ggzy.bidding.opening import close_opening, start_opening
        from ggzy.bidding.rounds import sealed_rounds
        from ggzy.kernel import audit
        from ggzy.trading import procedure
        from ggzy.trading.models import Lot

        # Who responds in a negotiation round stays out of listings until its deadline.
        audit.register_seal("bidding.round", sealed_rounds)
        procedure.register_phase(Lot.State.BIDDING, start_opening)  # the deadline: open the bids
        procedure.register_phase(Lot.State.OPENING, close_opening)  # the decryption window closes
