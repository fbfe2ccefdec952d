"""Every 4xx and 5xx as an RFC 9457 problem document, in Vietnamese or English."""

from __future__ import annotations

import logging
from typing import Any, cast

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    NotFoundException,
    ValidationException,
)

from server import outages
from server.i18n import negotiate_language
from server.observability.requests import CLIENT_CLOSED, CLIENT_GONE, RECORDED_STATUS

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


# A detail the person reads, in both languages; the request's language picks one.
Words = tuple[str, str]


# code -> (vi, en) titles; the `type` URI is derived from the code.
TITLES: dict[str, tuple[str, str]] = {
    "not_found": ("Không tìm thấy", "Not found"),
    "unknown_procedure": ("Không có thủ tục này", "No such procedure"),
    "unknown_procedure_version": (
        "Không có phiên bản này của thủ tục",
        "No such version of this procedure",
    ),
    "invalid_parameter": ("Tham số không hợp lệ", "Invalid parameter"),
    "invalid_request": ("Yêu cầu không hợp lệ", "Invalid request"),
    "validation_failed": ("Dữ liệu chưa hợp lệ", "The data is not valid"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "payload_too_large": ("Dữ liệu gửi lên quá lớn", "Payload too large"),
    "unsupported_media_type": ("Định dạng dữ liệu không được hỗ trợ", "Unsupported media type"),
    "too_many_requests": (
        "Quá nhiều yêu cầu, vui lòng thử lại sau",
        "Too many requests, try again later",
    ),
    "reference_data_missing": (
        "Chưa nạp dữ liệu danh mục (chạy `motcua seed`)",
        "Reference data not loaded (run `motcua seed`)",
    ),
    "recover_first": (
        "Máy chủ đã được khôi phục từ bản sao lưu; thiết bị cần gửi lại dữ liệu trước",
        "The server was restored from a backup: this device must put back what it holds first",
    ),
    "captcha_invalid": ("Mã xác nhận không đúng", "The verification code is wrong"),
    "captcha_expired": (
        "Mã xác nhận đã hết hạn, vui lòng lấy mã mới",
        "The verification code has expired, get a new one",
    ),
    "captcha_used": (
        "Mã xác nhận đã được dùng, vui lòng lấy mã mới",
        "The verification code has already been used, get a new one",
    ),
    "captcha_audio_unavailable": (
        "Tạm thời không đọc được mã xác nhận, vui lòng nhập mã trong ảnh",
        "The robot check cannot be read aloud right now; type the code in the picture",
    ),
    "server_error": ("Lỗi máy chủ", "Server error"),
    "storage_full": (
        "Máy chủ tạm hết chỗ lưu trữ, vui lòng thử lại sau",
        "The server is out of storage space for now, try again later",
    ),
    "database_unavailable": (
        "Cơ sở dữ liệu tạm thời không truy cập được, vui lòng thử lại sau",
        "The database is unavailable for a moment, try again later",
    ),
    "database_busy": (
        "Máy chủ đang bận, vui lòng gửi lại sau ít phút",
        "The server is busy for a moment, send again shortly",
    ),
    "not_signed_in": ("Bạn chưa đăng nhập", "You are not signed in"),
    "forbidden": ("Bạn không có quyền làm việc này", "You are not allowed to do this"),
    "metrics_not_allowed": (
        "Chỉ máy giám sát được phép đọc số liệu vận hành",
        "Only the monitoring hosts may read the metrics",
    ),
    "csrf_failed": ("Thiếu hoặc sai mã chống giả mạo (CSRF)", "Missing or wrong CSRF token"),
    "wrong_credentials": ("Sai thư điện tử hoặc mật khẩu", "Wrong email or password"),
    "account_not_activated": ("Tài khoản chưa được kích hoạt", "The account is not activated yet"),
    "passkey_required": (
        "Cán bộ phải đăng nhập bằng khóa truy cập (passkey)",
        "Officials must sign in with a passkey",
    ),
    "official_needs_strong_sign_in": (
        "Cán bộ phải đăng nhập bằng khóa truy cập (passkey) hoặc định danh điện tử",
        "Officials must sign in with a passkey or the e-ID",
    ),
    # signing in with an OpenID provider (server/identity/oidc)
    "oidc_provider_unknown": (
        "Không có nhà cung cấp định danh này",
        "No such identity provider",
    ),
    "provider_unavailable": (
        "Nhà cung cấp định danh không phản hồi, vui lòng thử lại sau",
        "The identity provider is not answering, try again later",
    ),
    "last_sign_in_method": (
        "Không thể gỡ cách đăng nhập cuối cùng của tài khoản",
        "The account's last way to sign in cannot be removed",
    ),
    "email_taken": ("Địa chỉ thư điện tử đã được dùng", "This email address is already registered"),
    "link_invalid": ("Đường dẫn không hợp lệ", "The link is not valid"),
    "link_used": ("Đường dẫn đã được sử dụng", "The link has already been used"),
    "link_expired": ("Đường dẫn đã hết hạn", "The link has expired"),
    "challenge_invalid": (
        "Yêu cầu xác thực không hợp lệ hoặc đã hết hạn",
        "Unknown, used or expired challenge",
    ),
    "passkey_rejected": ("Khóa truy cập không được chấp nhận", "The passkey was not accepted"),
    "passkey_exists": ("Khóa truy cập này đã được đăng ký", "This passkey is already registered"),
    "unknown_passkey": ("Không nhận ra khóa truy cập này", "Unknown passkey"),
    "last_passkey": (
        "Không thể xóa khóa truy cập cuối cùng của cán bộ",
        "An official's last passkey cannot be removed",
    ),
    "invalid_device_credential": (
        "Thông tin xác thực thiết bị không hợp lệ",
        "Invalid device credential",
    ),
    "device_revoked": (
        "Thiết bị này đã bị thu hồi quyền đồng bộ; hãy đăng nhập lại",
        "This device was revoked; sign in again",
    ),
    "device_taken": (
        "Mã thiết bị đã thuộc tài khoản khác",
        "This device id belongs to another account",
    ),
    "device_credential_required": (
        "Cần thông tin xác thực thiết bị",
        "A device credential is required",
    ),
    "session_required": ("Cần đăng nhập trên trình duyệt", "A browser session is required"),
    # attachments (server/attachments)
    "file_too_large": ("Tệp quá lớn", "The file is too large"),
    "file_empty": ("Tệp rỗng", "The file is empty"),
    "unsupported_file_type": (
        "Loại tệp này không được chấp nhận",
        "This type of file is not accepted",
    ),
    "heic_not_accepted": ("Ảnh HEIC chưa được chấp nhận", "HEIC photos are not accepted"),
    "image_dimensions": ("Kích thước ảnh không phù hợp", "The image dimensions are not acceptable"),
    "file_damaged": ("Tệp bị hỏng hoặc chưa đầy đủ", "The file is damaged or incomplete"),
    "pdf_active_content": (
        "Tệp PDF chứa mã lệnh hoặc tệp nhúng",
        "The PDF contains scripts or embedded files",
    ),
    "pdf_encrypted": ("Tệp PDF có mật khẩu", "The PDF is password-protected"),
    "pdf_too_large_unpacked": ("Tệp PDF giải nén ra quá lớn", "The PDF unpacks to too much data"),
    "hash_mismatch": (
        "Tệp nhận được không khớp mã SHA-256 đã khai báo",
        "The file does not match its declared SHA-256",
    ),
    "checksum_mismatch": (
        "Đoạn dữ liệu bị lỗi trên đường truyền",
        "The chunk was damaged in transit",
    ),
    "too_many_small_chunks": (
        "Tệp đến thành quá nhiều đoạn nhỏ",
        "The file arrived in too many small pieces",
    ),
    "offset_mismatch": ("Vị trí tải lên không khớp", "The upload offset does not match"),
    "upload_expired": ("Phiên tải lên đã hết hạn", "The upload has expired"),
    "tus_version": (
        "Phiên bản giao thức tus không được hỗ trợ",
        "Unsupported tus protocol version",
    ),
    "no_thumbnail": ("Tệp này không có ảnh thu nhỏ", "This file has no thumbnail"),
    "device_mismatch": (
        "Mã thiết bị không khớp với thông tin xác thực",
        "device_id differs from the device credential",
    ),
    "seq_reused": (
        "Số thứ tự thay đổi đã được dùng cho thay đổi khác",
        "This seq was used by another mutation",
    ),
    "too_many_reservations": (
        "Thiết bị còn quá nhiều mã dự trữ chưa dùng",
        "This device holds too many unused codes",
    ),
    "not_allowed_in_state": (
        "Không thực hiện được ở trạng thái hiện tại của hồ sơ",
        "Not allowed in the dossier's current state",
    ),
    "unknown_action": ("Không có thao tác này", "No such action"),
    "linked_tasks_open": ("Còn việc liên thông chưa xong", "Linked tasks are not done yet"),
    # the due date (server/desk/deadlines.py)
    "no_extended_time": (
        "Thủ tục này không có thời hạn gia hạn để xác minh",
        "This procedure has no extended time for verification",
    ),
    "already_extended": (
        "Hồ sơ đã được gia hạn một lần",
        "The dossier has been extended already",
    ),
    "not_overdue": ("Hồ sơ chưa quá hạn", "The dossier is not overdue"),
    "no_receipt_time": ("Hồ sơ chưa có thời điểm tiếp nhận", "The dossier has no time of receipt"),
    "unknown_procedure_for_dossier": (
        "Không tìm thấy thủ tục của hồ sơ",
        "The dossier's procedure is missing",
    ),
    # payments (server/payments, server/desk/payment.py)
    "payment_not_verified": (
        "Không xác nhận được khoản thanh toán",
        "The payment could not be confirmed",
    ),
    "payment_reference_used": (
        "Mã thanh toán đã được ghi cho hồ sơ khác",
        "This payment is recorded for another dossier",
    ),
    "payment_provider_unavailable": (
        "Đơn vị thanh toán tạm thời không phản hồi, vui lòng thử lại sau",
        "The payment provider is not answering, try again later",
    ),
    "payment_provider_error": (
        "Đơn vị thanh toán trả lời không hợp lệ",
        "The payment provider gave an invalid answer",
    ),
    "fee_changed": ("Lệ phí đã thay đổi", "The fee has changed"),
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
        detail: str | Words | None = None,
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
    detail: str | Words | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    lang = negotiate_language(request.headers.get("accept-language"))
    if isinstance(detail, tuple):
        detail = detail[0] if lang == "vi" else detail[1]
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
        detail = f"Giá trị không hợp lệ: {names}" if lang == "vi" else f"Invalid value: {names}"
    return problem_response(request, 400, "invalid_parameter", detail, errors or None)


def _handle_not_found(request: Request, exc: NotFoundException) -> Response[Problem]:
    return problem_response(request, 404, "not_found")


def _handle_http(request: Request, exc: HTTPException) -> Response[Problem]:
    if isinstance(exc, InternalServerException) and request.scope.get(CLIENT_GONE):
        # Litestar could not read a body the client cut off: nobody receives this
        # answer, and nothing failed here.
        cast(dict[str, Any], request.scope)[RECORDED_STATUS] = CLIENT_CLOSED
    code = _BY_STATUS.get(
        exc.status_code, "invalid_request" if exc.status_code < 500 else "server_error"
    )
    detail = exc.detail if exc.status_code < 500 and exc.detail else None
    return problem_response(request, exc.status_code, code, detail, headers=exc.headers)


def _handle_unexpected(request: Request, exc: Exception) -> Response[Problem]:
    retry = {"Retry-After": str(outages.RETRY_AFTER_SECONDS)}
    fault = outages.unstorable_input(exc)
    if fault:
        # server/request_screen.py and the push engine refuse these by path first; this
        # is the backstop, so input never earns a 5xx (a phone resends those forever).
        log.warning(
            "input the database refused on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
        )
        code, message = fault
        return problem_response(
            request,
            400,
            "invalid_request",
            message,
            [FieldError(path="$", code=code, message=message)],
        )
    if outages.storage_full(exc):
        log.error("storage full on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(request, 507, "storage_full", headers=retry)
    if outages.database_unavailable(exc):
        log.warning(
            "database unavailable on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
        )
        return problem_response(request, 503, "database_unavailable", headers=retry)
    if outages.transactions_crossed(exc):
        # The database's detail names the sessions and the rows: what an operator
        # needs to find two writes taking rows in opposite orders.
        log.warning(
            "transactions crossed on %s %s: %s: %s %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
            getattr(exc, "detail", "") or "",
        )
        return problem_response(request, 503, "database_busy", headers=retry)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "server_error")


EXCEPTION_HANDLERS = {
    ProblemError: _handle_problem,
    ValidationException: _handle_validation,
    NotFoundException: _handle_not_found,
    HTTPException: _handle_http,
    Exception: _handle_unexpected,
}
