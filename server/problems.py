"""Every 4xx and 5xx as an RFC 9457 problem document, in Vietnamese or English."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    ValidationException,
)

from server.i18n import negotiate_language

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("motcua.problems")


class FieldError(msgspec.Struct):
    path: str
    message: str
    code: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


# code -> (vi, en) titles; the `type` URI is derived from the code.
TITLES: dict[str, tuple[str, str]] = {
    "not_found": ("Không tìm thấy", "Not found"),
    "unknown_procedure": ("Không có thủ tục này", "No such procedure"),
    "unknown_procedure_version": ("Không có phiên bản này của thủ tục", "No such version of this procedure"),
    "invalid_parameter": ("Tham số không hợp lệ", "Invalid parameter"),
    "invalid_request": ("Yêu cầu không hợp lệ", "Invalid request"),
    "validation_failed": ("Dữ liệu chưa hợp lệ", "The data is not valid"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "payload_too_large": ("Dữ liệu gửi lên quá lớn", "Payload too large"),
    "unsupported_media_type": ("Định dạng dữ liệu không được hỗ trợ", "Unsupported media type"),
    "too_many_requests": ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests, try again later"),
    "reference_data_missing": (
        "Chưa nạp dữ liệu danh mục (chạy `motcua seed`)",
        "Reference data not loaded (run `motcua seed`)",
    ),
    "server_error": ("Lỗi máy chủ", "Server error"),
}
_BY_STATUS = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ProblemError(Exception):
    """Raised by handlers and services; turned into a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def title_for(code: str, lang: str) -> str:
    vi, en = TITLES.get(code, TITLES["invalid_request"])
    return vi if lang == "vi" else en


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    lang = negotiate_language(request.headers.get("accept-language"))
    problem = Problem(
        type=f"/problems/{code}",
        title=title_for(code, lang),
        status=status,
        detail=detail,
        errors=errors,
    )
    return Response(
        problem,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": lang, **(headers or {})},
    )


def _handle_problem(request: Request, exc: ProblemError) -> Response[Problem]:
    return problem_response(request, exc.status, exc.code, exc.detail, exc.errors, exc.headers)


def _litestar_field_errors(extra: Any) -> list[FieldError]:
    errors = []
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, dict):
                key = str(item.get("key") or item.get("source") or "body")
                errors.append(FieldError(path=key, message=str(item.get("message", ""))))
    return errors


def _handle_validation(request: Request, exc: ValidationException) -> Response[Problem]:
    errors = _litestar_field_errors(exc.extra)
    names = ", ".join(e.path for e in errors) or None
    lang = negotiate_language(request.headers.get("accept-language"))
    detail = None
    if names:
        detail = (f"Giá trị không hợp lệ: {names}" if lang == "vi" else f"Invalid value: {names}")
    return problem_response(request, 400, "invalid_parameter", detail, errors or None)


def _handle_not_found(request: Request, exc: NotFoundException) -> Response[Problem]:
    return problem_response(request, 404, "not_found")


def _handle_http(request: Request, exc: HTTPException) -> Response[Problem]:
    code = _BY_STATUS.get(exc.status_code, "invalid_request" if exc.status_code < 500 else "server_error")
    detail = exc.detail if exc.status_code < 500 and exc.detail else None
    return problem_response(request, exc.status_code, code, detail, headers=exc.headers)


def _handle_unexpected(request: Request, exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "server_error")


EXCEPTION_HANDLERS = {
    ProblemError: _handle_problem,
    ValidationException: _handle_validation,
    NotFoundException: _handle_not_found,
    HTTPException: _handle_http,
    Exception: _handle_unexpected,
}
