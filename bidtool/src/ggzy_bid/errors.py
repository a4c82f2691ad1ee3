"""Errors of the bidder's tool: each carries a message fit for the bidder (Chinese first, then English).

`cli.main` prints any `BidToolError` to stderr and exits with its `exit_code`; anything else escaping is a
bug. `ggzy_guomi.GuomiError` (bad key, tampered envelope…) is reported the same way by the CLI.
"""

from collections.abc import Mapping
from typing import Any


class BidToolError(Exception):
    """A refusal or failure to explain to the bidder; `str()` is the full message."""

    exit_code = 1


class InputError(BidToolError):
    """A command line value, key file or bid folder is not acceptable."""


class BidFormError(InputError):
    """bid-form.json is missing, not a JSON object, or a field breaks a rule; `field` names it."""

    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"bid-form.json 字段 {field}：{zh}（{field}: {en}）")
        self.field = field


class ServerError(BidToolError):
    """The platform refused a request with its error JSON (code, zh/en message, optional legal rule)."""

    def __init__(
        self,
        status: int,
        code: str,
        zh: str,
        en: str,
        *,
        citation: str | None = None,
        rule_text: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.zh = zh
        self.en = en
        self.citation = citation
        self.rule_text = rule_text
        self.details = dict(details or {})
        lines = [f"平台拒绝了请求（HTTP {status}，{code}）：{zh}", f"Platform refused the request: {en}"]
        if citation:
            lines.append(f"依据 (rule)：{citation}" + (f" — {rule_text}" if rule_text else ""))
        super().__init__("\n".join(lines))


class TransferError(BidToolError):
    """The network or the server kept failing after the bounded retries; re-running resumes."""


class ProtocolError(BidToolError):
    """The server answered with something outside the upload API contract."""


class ReceiptError(BidToolError):
    """A receipt does not verify, or attests a different envelope than the local file."""
