"""Expert actions (the only writers of the experts package), grouped by subject:

- `library`: apply, approve, reject, declare_unavailable, declare_conflict, suspend, blacklist, reinstate,
  and the chronograph handler `lift_expired_sanction`;
- `drawing`: create_draw, commit_draw, execute_draw, respond, print_sealed_list, and the chronograph
  handler `expire_call`;
- `assessment`: assess.
"""

from ggzy.experts.actions.assessment import assess
from ggzy.experts.actions.common import id_digest, validate_id_number
from ggzy.experts.actions.drawing import (
    commit_draw,
    create_draw,
    execute_draw,
    expire_call,
    print_sealed_list,
    respond,
)
from ggzy.experts.actions.library import (
    apply,
    approve,
    blacklist,
    declare_conflict,
    declare_unavailable,
    lift_expired_sanction,
    qualification_problems,
    reinstate,
    reject,
    suspend,
)

__all__ = [
    "apply",
    "approve",
    "assess",
    "blacklist",
    "commit_draw",
    "create_draw",
    "declare_conflict",
    "declare_unavailable",
    "execute_draw",
    "expire_call",
    "id_digest",
    "lift_expired_sanction",
    "print_sealed_list",
    "qualification_problems",
    "reinstate",
    "reject",
    "respond",
    "suspend",
    "validate_id_number",
]
