from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "ggzy.supervision"
    label = "supervision"
    verbose_name = "综合监管 Supervision"

    def ready(self) -> None:
        from ggzy.kernel import chronograph, events
        from ggzy.supervision import checks
        from ggzy.supervision.cases import watch_case
        from ggzy.supervision.instructions import watch_instruction
        from ggzy.supervision.models import Case, Instruction, Schedule
        from ggzy.supervision.sweep import nightly

        chronograph.register(Case, watch_case)
        chronograph.register(Instruction, watch_instruction)
        chronograph.register(Schedule, nightly)
        events.subscribe(checks.run_event)  # the alert rules and the collusion screen watch the engine
