from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "ggzy.bidding"
    label = "bidding"
    verbose_name = "投标与开标 Bidding"
