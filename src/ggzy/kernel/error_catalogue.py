"""Every error code the platform returns, in one catalogue (kernel/data/error_codes.json) that the API
documents (GET /api/error-codes and the OpenAPI description) and a test keeps complete.

A code is stable once published: clients and the bidders' tool branch on it. The catalogue is generated
from the source (`python -m ggzy.kernel.error_catalogue --write`): every `raise InvalidInput("code", zh,
en, …)` and its siblings (Conflict, NotFound, PermissionDenied, NotAuthenticated, GgzyError) is found by
reading the syntax tree, with its HTTP status, its messages (an f-string's fields shown as {…}) and the
modules raising it. `test_error_catalogue` fails when a code is raised that the catalogue does not hold,
or the catalogue holds a code nothing raises any more, so a new code is registered in the same commit.
"""

import ast
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent  # src/ggzy
CATALOGUE = Path(__file__).resolve().parent / "data" / "error_codes.json"
STATUS = {
    "GgzyError": 400,
    "InvalidInput": 422,
    "Conflict": 409,
    "NotFound": 404,
    "PermissionDenied": 403,
    "NotAuthenticated": 401,
}
# Helpers that build one of them, by name: the position of the code among their arguments, the status.
FACTORIES = {"_refuse": (1, 422), "_network_error": (0, 422)}
# Codes the API's own handlers answer with (ggzy/api.py), not raised as GgzyError.
HANDLER_CODES = {
    "invalid_input": (422, "请求数据格式不正确：{…}", "The request does not match the expected shape: {…}"),
    "not_authenticated": (401, "请先登录或提供有效令牌", "Sign in or send a valid token"),
    "csrf_failed": (403, "会话请求缺少有效的CSRF令牌", "A session request without a valid CSRF token"),
    "not_found": (404, "资源不存在", "Not found"),
}


def _text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{…}"
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (_text(node.left) or "{…}") + (_text(node.right) or "{…}")
    return "{…}"


def _raised(tree: ast.AST) -> list[tuple[str, int, str, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in STATUS:
            at, status = 0, STATUS[name]
        elif name in FACTORIES:
            at, status = FACTORIES[name]
        else:
            continue
        args = node.args[at:]
        code = args[0] if args else None
        if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
            continue
        zh = _text(args[1]) if len(args) > 1 else None
        en = _text(args[2]) if len(args) > 2 else None
        for keyword in node.keywords:
            if (
                keyword.arg == "status"
                and isinstance(keyword.value, ast.Constant)
                and isinstance(keyword.value.value, int)
            ):
                status = keyword.value.value
        found.append((code.value, status, zh or "", en or ""))
    return found


def scan(root: Path = PACKAGE) -> dict[str, dict[str, Any]]:
    """The codes raised in the platform's source (tests and migrations excluded), by code."""
    codes: dict[str, dict[str, Any]] = {
        code: {"status": status, "zh": zh, "en": en, "raised_in": ["ggzy.api"]}
        for code, (status, zh, en) in HANDLER_CODES.items()
    }
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if "tests" in parts or "migrations" in parts or path.name in {"testing.py", "error_catalogue.py"}:
            continue
        module = ".".join(("ggzy", *path.relative_to(root).with_suffix("").parts))
        for code, status, zh, en in _raised(ast.parse(path.read_text(encoding="utf-8"))):
            entry = codes.setdefault(code, {"status": status, "zh": zh, "en": en, "raised_in": []})
            if module not in entry["raised_in"]:
                entry["raised_in"].append(module)
    return dict(sorted(codes.items()))


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return data


def write() -> int:
    codes = scan()
    CATALOGUE.write_text(json.dumps(codes, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(codes)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        print(f"{write()} codes written to {CATALOGUE}")
    else:
        print(json.dumps(scan(), ensure_ascii=False, indent=1))
