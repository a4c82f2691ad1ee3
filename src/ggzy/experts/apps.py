from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "ggzy.experts"
    label = "experts"
    verbose_name = "评标专家 Experts"

    def ready(self) -> None:
        from ggzy.experts.actions import expire_call, lift_expired_sanction
        from ggzy.experts.models import DrawnExpert, Expert
        from ggzy.experts.queries import sealed_draws
        from ggzy.kernel import audit, chronograph

        chronograph.register(DrawnExpert, expire_call)
        chronograph.register(Expert, lift_expired_sanction)
        audit.register_seal("experts.drawrequest", sealed_draws)
