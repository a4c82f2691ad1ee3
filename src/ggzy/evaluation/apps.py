from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ggzy.evaluation"
    label = "evaluation"
    verbose_name = "评标定标与合同 Evaluation & award"

    def ready(self) -> None:
        from ggzy.evaluation.award import advance_award
        from ggzy.evaluation.models import Award
        from ggzy.evaluation.negotiation import evaluation_phase
        from ggzy.kernel import chronograph
        from ggzy.trading import procedure
        from ggzy.trading.models import Lot

        chronograph.register(Award, advance_award)
        # A negotiation round that is due (竞争性谈判/磋商), or a reported procurement lot whose purchaser
        # has not decided in time (87号令 第68条).
        procedure.register_phase(Lot.State.EVALUATION, evaluation_phase)
