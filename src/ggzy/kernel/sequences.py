"""Gap-free counters, taken inside the caller's transaction (the row lock serialises writers)."""

from ggzy.kernel.models import Sequence


def next_value(name: str) -> int:
    Sequence.objects.get_or_create(name=name)
    row = Sequence.objects.select_for_update().get(name=name)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value
