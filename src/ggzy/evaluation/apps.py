from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ggzy.evaluation"
    label = "evaluation"
    verbose_name = "评标定标与合同 Evaluation & award"

    def ready(self) -> None:
        from ggzy.evaluation.award import advance_award
        from ggzy.evaluation.models import Award
        from ggzy.kernel import chronograph

        chronograph.register(Award, advance_award)
