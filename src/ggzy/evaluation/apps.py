from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ggzy.evaluation"
    label = "evaluation"
    verbose_name = "评标定标与合同 Evaluation & award"

    def ready(self) -> None:
        from ggzy.evaluation.award import advance_award, deem_first_ranked
        from ggzy.evaluation.models import Award
        from ggzy.kernel import chronograph
        from ggzy.trading import procedure
        from ggzy.trading.models import Lot

        chronograph.register(Award, advance_award)
        # A reported procurement lot whose purchaser has not decided in time (87号令 第68条).
        procedure.register_phase(Lot.State.EVALUATION, deem_first_ranked)
