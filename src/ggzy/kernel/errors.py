"""Errors that reach users: a stable code, a Chinese and an English message, and the rule that refused.

Every refusal in GGZY raises a `GgzyError` (or a subclass fixing its HTTP status). The API turns it into
JSON; web views show the Chinese message. Because actions raise before they write, and run in one
transaction, a refused request changes nothing.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LegalRule:
    """A rule with its source, e.g. LegalRule("招标投标法 第24条", "...不得少于二十日")."""

    citation: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"citation": self.citation, "text": self.text}

    def __str__(self) -> str:
        return f"{self.citation}: {self.text}"


class GgzyError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        zh: str,
        en: str,
        *,
        rule: LegalRule | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.zh = zh
        self.en = en
        self.rule = rule
        self.details = details or {}
        if status is not None:
            self.status = status

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": {"zh": self.zh, "en": self.en}}
        if self.rule is not None:
            body["rule"] = self.rule.as_json()
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(GgzyError):
    status = 422


class Conflict(GgzyError):
    status = 409


class NotFound(GgzyError):
    status = 404


class PermissionDenied(GgzyError):
    status = 403


class NotAuthenticated(GgzyError):
    status = 401
