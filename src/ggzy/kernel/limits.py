"""Length limits of free-text input, one per kind of field, in one place (issue 11 §5: a 5,000,000-character
report was stored). The API schemas use these types; a longer value is a 422 invalid_input naming the field.
The request body limit (DATA_UPLOAD_MAX_MEMORY_SIZE) bounds everything else."""

from typing import Annotated

from pydantic import StringConstraints

CODE_MAX = 64  # codes, identifiers, choices, usernames, receipt numbers, SM3 digests
KEY_MAX = 4_096  # public keys (PEM or hex), signatures
REASON_MAX = 2_000  # a reason, note, question, answer, request, decision
TEXT_MAX = 20_000  # a complaint's or report's facts, an objection, a credit record's facts
DOCUMENT_MAX = 200_000  # the body of a notice

Code = Annotated[str, StringConstraints(max_length=CODE_MAX)]
Key = Annotated[str, StringConstraints(max_length=KEY_MAX)]
Reason = Annotated[str, StringConstraints(max_length=REASON_MAX)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
Document = Annotated[str, StringConstraints(max_length=DOCUMENT_MAX)]
