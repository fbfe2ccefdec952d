"""Checking a registration: the fields through the same form validator the
dossiers use, the password by its own rules."""

from __future__ import annotations

from server.clock import vn_today
from server.identity.free_text import hidden_characters_error
from server.identity.schemas import RegisterRequest
from server.problems import FieldError
from sync.forms import Context, parse_schema, render, validate

_TEXT = {"vi": "", "en": ""}

REGISTRATION_FORM = parse_schema(
    {
        "sections": [
            {
                "id": "account",
                "title": {"vi": "Tài khoản", "en": "Account"},
                "fields": [
                    {
                        "id": "kind",
                        "type": "select",
                        "required": True,
                        "label": {"vi": "Loại tài khoản", "en": "Account type"},
                        "options": [
                            {
                                "value": "individual",
                                "label": {"vi": "Công dân", "en": "Individual"},
                            },
                            {
                                "value": "organisation",
                                "label": {"vi": "Tổ chức", "en": "Organisation"},
                            },
                        ],
                    },
                    {
                        "id": "organisation_name",
                        "type": "text",
                        "max_length": 200,
                        "label": {"vi": "Tên tổ chức", "en": "Organisation name"},
                        "visible_when": {"field": "account.kind", "equals": "organisation"},
                        "required_when": {"field": "account.kind", "equals": "organisation"},
                    },
                    {
                        "id": "full_name",
                        "type": "person_name",
                        "required": True,
                        "label": {"vi": "Họ, chữ đệm và tên", "en": "Full name"},
                    },
                    {
                        "id": "email",
                        "type": "email",
                        "required": True,
                        "label": {"vi": "Thư điện tử", "en": "Email"},
                    },
                    {
                        "id": "phone",
                        "type": "phone",
                        "required": True,
                        "label": {"vi": "Số điện thoại di động", "en": "Mobile phone"},
                    },
                    {
                        "id": "personal_id",
                        "type": "personal_id",
                        "required": True,
                        "label": {"vi": "Số định danh cá nhân", "en": "Personal ID number"},
                    },
                ],
            }
        ]
    }
)

_COMMON = frozenset(
    {
        "1234567890",
        "0123456789",
        "password123",
        "matkhau123",
        "qwertyuiop",
        "1111111111",
        "abcdefghij",
        "iloveyou12",
        "motcua1234",
    }
)

PASSWORD_MESSAGES = {
    "password_too_short": {
        "vi": "Mật khẩu cần ít nhất 10 ký tự.",
        "en": "The password needs at least 10 characters.",
    },
    "password_too_long": {
        "vi": "Mật khẩu dài quá 128 ký tự.",
        "en": "The password is longer than 128 characters.",
    },
    "password_too_common": {
        "vi": "Mật khẩu quá dễ đoán.",
        "en": "The password is too easy to guess.",
    },
    "password_contains_email": {
        "vi": "Mật khẩu không được chứa địa chỉ thư điện tử.",
        "en": "The password must not contain the email address.",
    },
}


def password_problem(password: str, email: str) -> str | None:
    if len(password) < 10:
        return "password_too_short"
    if len(password) > 128:
        return "password_too_long"
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        return "password_too_common"
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        return "password_contains_email"
    return None


def password_errors(
    password: str, email: str, lang: str, path: str = "password"
) -> list[FieldError]:
    code = password_problem(password, email)
    return [FieldError(path=path, code=code, message=PASSWORD_MESSAGES[code][lang])] if code else []


def check_registration(req: RegisterRequest, lang: str) -> tuple[dict, list[FieldError]]:
    """The normalized values and every problem, each named by its request field."""
    answers = {
        "account.kind": req.kind,
        "account.organisation_name": req.organisation_name,
        "account.full_name": req.full_name,
        "account.email": req.email,
        "account.phone": req.phone,
        "account.personal_id": req.personal_id,
    }
    result = validate(
        REGISTRATION_FORM,
        answers,
        Context(today=vn_today(), provinces=frozenset(), communes={}),
    )
    errors = [
        FieldError(path=i.path.removeprefix("account."), code=i.code, message=render(i, lang))
        for i in result.errors
    ]
    values = {k.removeprefix("account."): v for k, v in result.values.items()}
    # The form's text type takes any character; a name shown to officials may not hide any.
    hidden = hidden_characters_error("organisation_name", values.get("organisation_name", ""), lang)
    if hidden is not None:
        errors.append(hidden)
    errors += password_errors(req.password, values.get("email", req.email), lang)
    return values, errors
