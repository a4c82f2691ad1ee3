"""The JSON API (Django Ninja): one NinjaAPI, a router per domain package, errors as stable JSON.

Auth: a bearer token (`Authorization: Bearer ggzy_...`, from POST /api/auth/token) or the web session
(with CSRF). Endpoints open to the public also accept anonymous callers; the actions decide the rest.
"""

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from ggzy.kernel.errors import GgzyError
from ggzy.registry.api_auth import SIGNED_IN


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON that keeps Chinese readable instead of \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="GGZY 公共资源交易平台 API",
    version="1",
    description=(
        "统一公共资源交易平台接口。错误统一返回 {code, message: {zh, en}, rule?, details?}；"
        "全部错误代码及其HTTP状态、中英文说明见 GET /api/error-codes（代码一经发布保持稳定）。"
        "\n\nErrors are {code, message: {zh, en}, rule?, details?}; every code with its status and messages "
        "is listed by GET /api/error-codes (codes are stable once published)."
    ),
    auth=SIGNED_IN,
    urls_namespace="api",
    renderer=ChineseJSONRenderer(),
)


def error_response(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(GgzyError)
def on_ggzy_error(request: HttpRequest, exc: GgzyError) -> HttpResponse:
    return error_response(request, exc.as_json(), exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = json.loads(json.dumps(exc.errors, default=str, ensure_ascii=False))
    fields = [".".join(str(p) for p in e.get("loc", [])[1:]) or "body" for e in errors]
    body = {
        "code": "invalid_input",
        "message": {
            "zh": "请求数据格式不正确：" + "、".join(fields),
            "en": "The request does not match the expected shape: " + ", ".join(fields),
        },
        "details": {"errors": errors},
    }
    return error_response(request, body, 422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "code": "not_authenticated",
        "message": {"zh": "请先登录或提供有效令牌", "en": "Sign in or send a valid token"},
    }
    return error_response(request, body, 401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals (the CSRF check of a signed-in session) in the documented error format."""
    if exc.status_code == 403 and "CSRF" in str(exc):
        body = {
            "code": "csrf_failed",
            "message": {
                "zh": "会话请求缺少有效的CSRF令牌（请刷新页面重试；程序调用请使用API令牌）",
                "en": "A session request without a valid CSRF token (reload the page; programs use an API token)",
            },
        }
    else:
        body = {"code": f"http_{exc.status_code}", "message": {"zh": str(exc), "en": str(exc)}}
    return error_response(request, body, exc.status_code)


def on_unstorable(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """Values no database column can hold (a NUL character, a number beyond 64 bits, a non-finite amount)
    are bad input, not a server error."""
    body = {
        "code": "invalid_input",
        "message": {
            "zh": "请求中含有无法处理的值（如NUL字符、超出范围的数字或非有限金额）",
            "en": "The request holds a value that cannot be stored (NUL character, number out of range, "
            "non-finite amount)",
        },
    }
    return error_response(request, body, 422)


for _unstorable in (DataError, OverflowError, DjangoValidationError):
    api.add_exception_handler(_unstorable, on_unstorable)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (a 7 MiB chunk, a 7 MB report): 413, nothing read or stored."""
    from ggzy.web.views import too_large

    error = too_large()
    return error_response(request, error.as_json(), error.status)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    body = {"code": "not_found", "message": {"zh": "资源不存在", "en": "Not found"}}
    return error_response(request, body, 404)


def _mount() -> None:
    from ggzy.analytics.api import router as analytics_router
    from ggzy.bidding.api import router as bidding_router
    from ggzy.catalogue.api import router as catalogue_router
    from ggzy.credit.api import router as credit_router
    from ggzy.disclosure.api import router as disclosure_router
    from ggzy.evaluation.api import router as evaluation_router
    from ggzy.exchange.api import router as exchange_router
    from ggzy.experts.api import router as experts_router
    from ggzy.platform_api import router as kernel_router
    from ggzy.registry.api import auth_router
    from ggzy.registry.api import router as registry_router
    from ggzy.services.api import router as services_router
    from ggzy.supervision.api import router as supervision_router
    from ggzy.trading.api import router as trading_router

    api.add_router("/auth", auth_router)
    api.add_router("/", kernel_router)
    api.add_router("/nodes", exchange_router)
    api.add_router("/registry", registry_router)
    api.add_router("/catalogue", catalogue_router)
    api.add_router("/trading", trading_router)
    api.add_router("/bids", bidding_router)
    api.add_router("/experts", experts_router)
    api.add_router("/evaluation", evaluation_router)
    api.add_router("/services", services_router)
    api.add_router("/credit", credit_router)
    api.add_router("/supervision", supervision_router)
    api.add_router("/disclosure", disclosure_router)
    api.add_router("/analytics", analytics_router)


_mount()
